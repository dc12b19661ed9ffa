"""GraphState.apply: what each event does to the graph, and which events cannot apply."""

from __future__ import annotations

import pytest

from aka.core import events as ev
from aka.core.model import IdentifierKey, Kind
from aka.core.state import GraphState, ReplayError

from .builders import Log, an_event, merge_payload, unmerge_payload

K = IdentifierKey


# --- profiles --------------------------------------------------------------------------


def test_profile_created_adds_a_live_profile_stamped_with_the_event_time() -> None:
    """Times come from the event, so replay gives the same timestamps."""
    log = Log()
    pid = log.created("p1", external_id="u1", plan="pro")
    profile = log.state.profiles[pid]
    assert (profile.external_id, profile.attributes, profile.merged_into) == (
        "u1",
        {"plan": "pro"},
        None,
    )
    assert profile.created_at == profile.updated_at == log.events[0].at


def test_profile_updated_replaces_the_whole_attribute_map() -> None:
    """The payload is the new map, not a patch: replay needs no earlier state."""
    log = Log()
    pid = log.created(plan="pro", city="Oslo")
    log.add(ev.PROFILE_UPDATED, pid, attributes={"plan": "team"})
    assert log.state.profiles[pid].attributes == {"plan": "team"}
    assert log.state.profiles[pid].updated_at == log.events[-1].at


def test_profile_identified_sets_the_external_id() -> None:
    """The profile becomes identified."""
    log = Log()
    pid = log.created()
    log.add(ev.PROFILE_IDENTIFIED, pid, external_id="u9")
    assert log.state.profiles[pid].external_id == "u9"


# --- identifiers -----------------------------------------------------------------------


def test_identifier_linked_adds_it_to_the_profile_with_the_event_seq() -> None:
    """The seq marks the last event that touched it (what undo compares)."""
    log = Log()
    pid = log.created()
    event = log.add(
        ev.IDENTIFIER_LINKED,
        pid,
        namespace="crm",
        value="42",
        kind="GROUP",
        primary=False,
        attributes={"source": "import"},
    )
    ident = log.state.identifiers[K("crm", "42")]
    assert ident.profile_id == pid
    assert ident.kind is Kind.GROUP
    assert ident.attributes == {"source": "import"}
    assert (ident.seq, ident.created_at, ident.disabled) == (event.seq, event.at, False)


def test_a_linked_primary_demotes_the_profiles_other_primary_in_that_namespace() -> None:
    """At most one primary per namespace per profile; other namespaces keep theirs."""
    log = Log()
    pid = log.created()
    log.linked(pid, "email", "a@x.io", primary=True)
    log.linked(pid, "phone", "+1", primary=True)
    log.linked(pid, "email", "b@x.io", primary=True)
    primaries = {k.value for k, i in log.state.identifiers.items() if i.primary}
    assert primaries == {"b@x.io", "+1"}


def test_identifier_changed_sets_only_the_fields_it_names() -> None:
    """Fields absent from the payload keep their values; the seq always moves."""
    log = Log()
    pid = log.created()
    log.linked(pid, "crm", "42")
    event = log.add(ev.IDENTIFIER_CHANGED, pid, namespace="crm", value="42", disabled=True)
    ident = log.state.identifiers[K("crm", "42")]
    assert (ident.disabled, ident.primary, ident.kind, ident.seq) == (
        True,
        False,
        Kind.USER,
        event.seq,
    )


def test_identifier_changed_to_primary_demotes_the_other_primary() -> None:
    """The newest primary wins."""
    log = Log()
    pid = log.created()
    log.linked(pid, "email", "a@x.io", primary=True)
    log.linked(pid, "email", "b@x.io")
    log.add(ev.IDENTIFIER_CHANGED, pid, namespace="email", value="b@x.io", primary=True)
    assert not log.state.identifiers[K("email", "a@x.io")].primary
    assert log.state.identifiers[K("email", "b@x.io")].primary


def test_identifier_renamed_changes_the_key_and_keeps_the_rest() -> None:
    """Same profile and flags under a new value; the old key is gone."""
    log = Log()
    pid = log.created()
    log.linked(pid, "braze", "old", primary=True)
    log.add(ev.IDENTIFIER_RENAMED, pid, namespace="braze", value="old", new_value="new")
    assert K("braze", "old") not in log.state.identifiers
    renamed = log.state.identifiers[K("braze", "new")]
    assert (renamed.profile_id, renamed.primary, renamed.value) == (pid, True, "new")


def test_identifier_unlinked_removes_it_and_keeps_the_profile() -> None:
    """A profile may hold no identifiers at all."""
    log = Log()
    pid = log.created()
    log.linked(pid, "crm", "42")
    log.add(ev.IDENTIFIER_UNLINKED, pid, namespace="crm", value="42")
    assert log.state.identifiers == {}
    assert pid in log.state.profiles


# --- memberships -----------------------------------------------------------------------


def test_membership_added_and_removed() -> None:
    """An edge is stored with the seq that made it."""
    log = Log()
    group, member = log.created(), log.created()
    added = log.member(group, member)
    assert log.state.memberships == {(group, member): added.seq}
    log.add(ev.MEMBERSHIP_REMOVED, group, group_id=group, member_id=member)
    assert log.state.memberships == {}


# --- merges ----------------------------------------------------------------------------


def test_profile_merged_moves_identifiers_edges_tombstones_and_the_external_id() -> None:
    """Everything the payload names moves to keep; every tombstone forwards in one hop."""
    log = Log()
    keep = log.created(plan="pro")
    gone = log.created(external_id="u1", plan="free", city="Oslo")
    older = log.created()
    group, child = log.created(), log.created()
    log.linked(keep, "email", "a@x.io", primary=True)
    log.linked(gone, "email", "b@x.io", primary=True)
    log.member(group, gone)
    log.member(gone, child)
    log.add(ev.PROFILE_MERGED, gone, **merge_payload(gone, older))  # older -> gone
    event = log.add(
        ev.PROFILE_MERGED,
        keep,
        **merge_payload(
            keep,
            gone,
            identifiers=[["email", "b@x.io"]],
            demoted=[["email", "b@x.io"]],
            memberships=[[group, gone, True], [gone, child, True]],
            tombstones=[older],
            external_id_moved="u1",
            attributes_added={"city": "Oslo"},
        ),
    )
    state = log.state
    moved = state.identifiers[K("email", "b@x.io")]
    assert (moved.profile_id, moved.primary, moved.seq) == (keep, False, event.seq)
    assert state.memberships == {(group, keep): event.seq, (keep, child): event.seq}
    assert state.profiles[gone].merged_into == keep
    assert state.profiles[older].merged_into == keep  # one hop, always
    assert state.profiles[keep].external_id == "u1"
    assert state.profiles[gone].external_id is None
    assert state.profiles[keep].attributes == {"plan": "pro", "city": "Oslo"}


def test_profile_merged_drops_edges_not_inserted() -> None:
    """Edges marked inserted=false disappear: they would loop or repeat."""
    log = Log()
    keep, gone, group = log.created(), log.created(), log.created()
    log.member(group, keep)
    log.member(group, gone)
    log.member(keep, gone)
    log.add(
        ev.PROFILE_MERGED,
        keep,
        **merge_payload(keep, gone, memberships=[[group, gone, False], [keep, gone, False]]),
    )
    assert set(log.state.memberships) == {(group, keep)}


def test_profile_unmerged_puts_back_what_it_names_and_revives_the_tombstone() -> None:
    """The undo's payload is the whole truth: replay needs no merge record. (Written
    without recorded seqs, as early events were, the restored rows take the undo's.)"""
    log = Log()
    keep = log.created()
    gone = log.created(external_id="u1")
    older, group = log.created(), log.created()
    log.linked(keep, "email", "a@x.io", primary=True)
    log.linked(gone, "email", "b@x.io", primary=True)
    log.member(group, gone)
    log.add(ev.PROFILE_MERGED, gone, **merge_payload(gone, older))
    merged = log.add(
        ev.PROFILE_MERGED,
        keep,
        **merge_payload(
            keep,
            gone,
            identifiers=[["email", "b@x.io"]],
            demoted=[["email", "b@x.io"]],
            memberships=[[group, gone, True]],
            tombstones=[older],
            external_id_moved="u1",
            attributes_added={"city": "Oslo"},
        ),
    )
    undo = log.add(
        ev.PROFILE_UNMERGED,
        keep,
        **unmerge_payload(
            merged.seq,
            keep,
            gone,
            identifiers=[["email", "b@x.io"]],
            promoted=[["email", "b@x.io"]],
            memberships_removed=[[group, keep]],
            memberships_restored=[[group, gone]],
            tombstones=[older],
            external_id_moved="u1",
            attributes_removed=["city"],
        ),
    )
    state = log.state
    back = state.identifiers[K("email", "b@x.io")]
    assert (back.profile_id, back.primary, back.seq) == (gone, True, undo.seq)
    assert state.identifiers[K("email", "a@x.io")].primary
    assert state.memberships == {(group, gone): undo.seq}
    assert state.profiles[gone].merged_into is None
    assert state.profiles[older].merged_into == gone
    assert (state.profiles[gone].external_id, state.profiles[keep].external_id) == ("u1", None)
    assert state.profiles[keep].attributes == {}
    assert state.undone == {merged.seq: undo.seq}


def test_profile_unmerged_gives_back_the_seqs_from_before_the_merge() -> None:
    """Restored identifiers and edges carry their pre-merge seqs again, so a still older
    merge that moved them remains undoable (undo newest first restores everything)."""
    log = Log()
    keep, gone, group = log.created(), log.created(), log.created()
    linked = log.linked(gone, "crm", "7")
    edge = log.member(group, gone)
    merged = log.add(
        ev.PROFILE_MERGED,
        keep,
        **merge_payload(
            keep,
            gone,
            identifiers=[["crm", "7"]],
            identifier_seqs=[linked.seq],
            memberships=[[group, gone, True, edge.seq]],
        ),
    )
    log.add(
        ev.PROFILE_UNMERGED,
        keep,
        **unmerge_payload(
            merged.seq,
            keep,
            gone,
            identifiers=[["crm", "7"]],
            identifier_seqs=[linked.seq],
            memberships_removed=[[group, keep]],
            memberships_restored=[[group, gone, edge.seq]],
        ),
    )
    back = log.state.identifiers[K("crm", "7")]
    assert (back.profile_id, back.seq) == (gone, linked.seq)
    assert log.state.memberships == {(group, gone): edge.seq}


def test_profile_deleted_removes_the_profile_its_tombstones_identifiers_and_edges() -> None:
    """Others' identifiers and edges stay."""
    log = Log()
    pid, older, group, bystander = log.created(), log.created(), log.created(), log.created()
    log.linked(pid, "crm", "1")
    log.linked(older, "crm", "2")
    log.linked(bystander, "crm", "3")
    log.member(group, pid)
    log.member(group, bystander)
    log.add(
        ev.PROFILE_MERGED,
        pid,
        **merge_payload(pid, older, identifiers=[["crm", "2"]]),
    )
    log.add(ev.PROFILE_DELETED, pid, tombstones=[older], identifiers=[], memberships=[])
    assert set(log.state.profiles) == {group, bystander}
    assert set(log.state.identifiers) == {K("crm", "3")}
    assert set(log.state.memberships) == {(group, bystander)}


# --- redacted keys ---------------------------------------------------------------------


def test_a_redacted_key_may_be_absent_where_a_real_one_may_not() -> None:
    """Redaction rewrote the deleted profile's events only, so a move there may name a
    placeholder that no other event created; a real key must exist."""
    log = Log()
    keep, gone = log.created(), log.created()
    placeholder = f"{ev.REDACTED_PREFIX}9:0"
    log.add(
        ev.PROFILE_MERGED,
        keep,
        **merge_payload(keep, gone, identifiers=[["crm", placeholder]]),
    )
    log.add(ev.IDENTIFIER_UNLINKED, keep, namespace="crm", value=placeholder)
    assert log.state.profiles[gone].merged_into == keep


# --- impossible events -----------------------------------------------------------------


def impossible(log: Log, type_: str, profile_id: str | None, **payload: object) -> str:
    with pytest.raises(ReplayError) as caught:
        log.add(type_, profile_id, **payload)
    return str(caught.value)


def test_an_unknown_event_type_does_not_replay() -> None:
    """The log and the code disagree: replay stops loudly."""
    message = impossible(Log(), "profile.teleported", "p1")
    assert "unknown type 'profile.teleported'" in message


def test_creating_a_profile_twice_does_not_replay() -> None:
    """Profile ids are unique."""
    log = Log()
    pid = log.created()
    assert "already exists" in impossible(log, ev.PROFILE_CREATED, pid, attributes={})


@pytest.mark.parametrize(
    ("type_", "payload"),
    [
        (ev.PROFILE_UPDATED, {"attributes": {}}),
        (ev.PROFILE_IDENTIFIED, {"external_id": "u1"}),
        (ev.IDENTIFIER_LINKED, {"namespace": "crm", "value": "1"}),
        (ev.PROFILE_DELETED, {"tombstones": [], "identifiers": []}),
    ],
)
def test_an_event_about_a_missing_profile_does_not_replay(
    type_: str, payload: dict[str, object]
) -> None:
    """Every profile event needs its profile."""
    assert "no profile 'ghost'" in impossible(Log(), type_, "ghost", **payload)


def test_linking_an_existing_identifier_does_not_replay() -> None:
    """Invariant 1: an identifier has exactly one owner."""
    log = Log()
    a, b = log.created(), log.created()
    log.linked(a, "crm", "1")
    with pytest.raises(ReplayError, match="already exists"):
        log.linked(b, "crm", "1")


@pytest.mark.parametrize(
    "type_", [ev.IDENTIFIER_CHANGED, ev.IDENTIFIER_UNLINKED, ev.IDENTIFIER_RENAMED]
)
def test_changing_a_missing_identifier_does_not_replay(type_: str) -> None:
    """A real (not redacted) key must exist to be changed, renamed or unlinked."""
    log = Log()
    pid = log.created()
    message = impossible(log, type_, pid, namespace="crm", value="1", new_value="2")
    assert "no identifier crm:1" in message


def test_renaming_onto_an_existing_identifier_does_not_replay() -> None:
    """A rename cannot swallow another identifier."""
    log = Log()
    pid = log.created()
    log.linked(pid, "crm", "1")
    log.linked(pid, "crm", "2")
    message = impossible(log, ev.IDENTIFIER_RENAMED, pid, namespace="crm", value="1", new_value="2")
    assert "rename target crm:2 already exists" in message


def test_a_membership_of_a_missing_profile_does_not_replay() -> None:
    """Both ends of an edge must exist."""
    log = Log()
    group = log.created()
    assert "no profile" in impossible(
        log, ev.MEMBERSHIP_ADDED, group, group_id=group, member_id="ghost"
    )


def test_merging_a_missing_profile_or_moving_a_missing_identifier_does_not_replay() -> None:
    """A merge must find both profiles and every real key it moves."""
    log = Log()
    keep = log.created()
    assert "no profile 'ghost'" in impossible(
        log, ev.PROFILE_MERGED, keep, **merge_payload(keep, "ghost")
    )
    gone = log.created()
    assert "no identifier crm:1" in impossible(
        log, ev.PROFILE_MERGED, keep, **merge_payload(keep, gone, identifiers=[["crm", "1"]])
    )


def test_unmerging_a_missing_profile_does_not_replay() -> None:
    """An undo must find both profiles."""
    log = Log()
    keep = log.created()
    assert "no profile" in impossible(
        log, ev.PROFILE_UNMERGED, keep, **unmerge_payload(1, keep, "ghost")
    )


# --- snapshots -------------------------------------------------------------------------


def test_snapshots_compare_attribute_maps_by_content_not_key_order() -> None:
    """JSON round trips reorder keys; invariant 4 must not see that as a difference."""
    one, two = GraphState(), GraphState()
    one.apply(an_event(ev.PROFILE_CREATED, profile_id="p", attributes={"a": 1, "b": [{"x": 1}]}))
    two.apply(an_event(ev.PROFILE_CREATED, profile_id="p", attributes={"b": [{"x": 1}], "a": 1}))
    assert one.snapshot() == two.snapshot()


def test_snapshots_differ_when_the_graphs_do() -> None:
    """An external id set on one side only is a difference."""
    one, two = GraphState(), GraphState()
    one.apply(an_event(ev.PROFILE_CREATED, profile_id="p", attributes={}))
    two.apply(an_event(ev.PROFILE_CREATED, profile_id="p", attributes={}, external_id="u1"))
    assert one.snapshot() != two.snapshot()
