"""The store contract (`core/ports/`), run on every backend in `conftest.BACKENDS`."""

from __future__ import annotations

from datetime import UTC

import pytest

from aka.core import events as ev
from aka.core.errors import AkaError, Code
from aka.core.events import Change
from aka.core.model import Event, IdentifierKey, Membership
from aka.core.ports import Store
from aka.core.settings import MergePolicy, WorkspaceSettings
from aka.core.state import GraphState, ReplayError

from .changes import (
    EMAIL,
    MERGE_SEQ,
    SCENARIOS,
    added,
    created,
    identified,
    linked,
    merged,
    the_merge,
    the_unmerge,
    updated,
)

K = IdentifierKey


def append_all(store: Store, ws: str, changes: list[Change]) -> list[Event]:
    with store.transaction(ws) as tx:
        return [tx.append(c) for c in changes]


def replayed(events: list[Event]) -> GraphState:
    state = GraphState()
    state.apply_all(events)
    return state


# --- the event log ------------------------------------------------------------------


def test_append_numbers_each_workspace_from_one_without_gaps(store: Store, ws: str) -> None:
    """Seqs are 1, 2, 3... per workspace, across transactions; workspaces never share."""
    store.create_workspace("other", WorkspaceSettings())
    first = append_all(store, ws, [created("a"), created("b")])
    other = append_all(store, "other", [created("a")])
    later = append_all(store, ws, [created("c")])
    assert [e.seq for e in first + later] == [1, 2, 3]
    assert [e.seq for e in other] == [1]
    workspace = store.workspace(ws)
    assert workspace is not None
    assert workspace.last_seq == 3


def test_append_returns_the_event_as_stored(store: Store, ws: str) -> None:
    """The returned event equals what `event(seq)` reads back: UTC time to the
    microsecond, the actor, the subject and the payload."""
    [event] = append_all(store, ws, [created("a", external_id="u-1", plan="pro")])
    assert event.at.tzinfo is not None
    assert event.at.utcoffset() == UTC.utcoffset(None)
    assert (event.type, event.profile_id, event.actor) == (ev.PROFILE_CREATED, "a", "test")
    with store.transaction(ws, write=False) as tx:
        assert tx.event(1) == event
        assert tx.event(2) is None


def test_events_is_a_feed_of_limit_events_after_a_seq(store: Store, ws: str) -> None:
    """`events(after, limit)` pages through the log in seq order; `all_events` is all."""
    append_all(store, ws, [created(f"p{n}") for n in range(5)])
    with store.transaction(ws, write=False) as tx:
        assert [e.seq for e in tx.events(0, 2)] == [1, 2]
        assert [e.seq for e in tx.events(2, 10)] == [3, 4, 5]
        assert tx.events(5, 10) == []
        assert [e.seq for e in tx.all_events()] == [1, 2, 3, 4, 5]


def test_events_about_finds_a_merge_from_both_sides(store: Store, ws: str) -> None:
    """History of either profile includes the merge that joined them."""
    events = append_all(store, ws, the_merge())
    merge = events[MERGE_SEQ - 1]
    with store.transaction(ws, write=False) as tx:
        about_keep = tx.events_about(["k"])
        about_merged = tx.events_about(["m"])
        about_both = tx.events_about(["k", "m"])
    assert merge in about_keep
    assert merge in about_merged
    assert [e.seq for e in about_both] == sorted({e.seq for e in about_keep + about_merged})
    assert all(e.profile_id == "m" or "m" in e.payload.values() for e in about_merged)


def test_unmerge_of_names_the_event_that_undid_a_merge(store: Store, ws: str) -> None:
    """None while a merge stands; the unmerge's seq once it is undone."""
    append_all(store, ws, the_merge())
    with store.transaction(ws, write=False) as tx:
        assert tx.unmerge_of(MERGE_SEQ) is None
    append_all(store, ws, the_unmerge()[MERGE_SEQ:])
    with store.transaction(ws, write=False) as tx:
        assert tx.unmerge_of(MERGE_SEQ) == MERGE_SEQ + 1
        assert tx.graph().undone == {MERGE_SEQ: MERGE_SEQ + 1}


def test_rewrite_payload_replaces_one_events_payload(store: Store, ws: str) -> None:
    """Redaction rewrites the payload and nothing else about the event."""
    before = append_all(store, ws, [created("a", external_id="secret"), created("b")])
    with store.transaction(ws) as tx:
        tx.rewrite_payload(1, {"external_id": "x", "attributes": {}})
    with store.transaction(ws, write=False) as tx:
        after = tx.event(1)
        assert after is not None
        assert after.payload == {"external_id": "x", "attributes": {}}
        assert (after.seq, after.type, after.at) == (1, before[0].type, before[0].at)
        assert tx.event(2) == before[1]


# --- each event's effect is GraphState.apply's ----------------------------------------


@pytest.mark.parametrize("changes", SCENARIOS.values(), ids=SCENARIOS.keys())
def test_each_event_changes_the_graph_exactly_as_graph_state_apply(
    store: Store, ws: str, changes: list[Change]
) -> None:
    """Applying the stored events to an empty GraphState rebuilds the stored graph,
    field for field: timestamps, identifier and edge seqs, tombstones, undone merges."""
    events = append_all(store, ws, changes)
    expected = replayed(events)
    with store.transaction(ws, write=False) as tx:
        stored = tx.graph()
        assert stored.snapshot() == expected.snapshot()
        assert stored.profiles == expected.profiles  # incl. updated_at touches
        assert stored.identifiers == expected.identifiers  # incl. each one's seq
        assert stored.memberships == expected.memberships  # incl. each edge's seq
        assert list(tx.all_events()) == events


# --- the database refuses what would break invariants 1-3 -----------------------------


def test_a_second_identifier_with_a_taken_key_is_refused(store: Store, ws: str) -> None:
    """One key, one owner: linking a taken key to any profile does not apply."""
    append_all(store, ws, [created("a"), created("b"), linked("a", "x@example.com")])
    with pytest.raises(ReplayError), store.transaction(ws) as tx:
        tx.append(linked("b", "x@example.com"))
    with store.transaction(ws, write=False) as tx:
        owner = tx.identifier(K(EMAIL, "x@example.com"))
        assert owner is not None
        assert owner.profile_id == "a"


@pytest.mark.parametrize(
    "conflict",
    [created("c", external_id="u-1"), identified("b", "u-1")],
    ids=["created", "identified"],
)
def test_a_taken_external_id_is_refused(store: Store, ws: str, conflict: Change) -> None:
    """External ids are unique in a workspace, whether the new holder is created with it
    or identified with it later."""
    append_all(store, ws, [created("a", external_id="u-1"), created("b")])
    with pytest.raises(ReplayError), store.transaction(ws) as tx:
        tx.append(conflict)


def test_an_identifier_needs_an_existing_profile(store: Store, ws: str) -> None:
    """Linking to a profile that does not exist does not apply."""
    with pytest.raises(ReplayError), store.transaction(ws) as tx:
        tx.append(linked("ghost", "x@example.com"))


# --- transactions ---------------------------------------------------------------------


def test_an_exception_rolls_back_the_whole_transaction(store: Store, ws: str) -> None:
    """Nothing of a failed unit of work remains: no events, no graph, no seq used."""

    def failing_unit_of_work() -> None:
        with store.transaction(ws) as tx:
            tx.append(created("a"))
            tx.append(linked("a", "x@example.com"))
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        failing_unit_of_work()
    with store.transaction(ws, write=False) as tx:
        assert tx.profile("a") is None
        assert tx.event(1) is None
        assert tx.graph().snapshot() == GraphState().snapshot()
    assert append_all(store, ws, [created("b")])[0].seq == 1


def test_a_savepoint_undoes_only_its_own_block(store: Store, ws: str) -> None:
    """A raising block inside a savepoint leaves no event and no change; the
    transaction goes on and the next event takes the next free seq."""
    with store.transaction(ws) as tx:
        tx.append(created("a"))

        def failing_block() -> None:
            with tx.savepoint():
                tx.append(created("b"))
                tx.append(linked("nobody", "x@example.com"))

        with pytest.raises(ReplayError):
            failing_block()
        kept = tx.append(created("c"))
    assert kept.seq == 2
    with store.transaction(ws, write=False) as tx:
        assert tx.profile("b") is None
        assert [e.profile_id for e in tx.all_events()] == ["a", "c"]


def test_uncommitted_changes_are_invisible_to_other_transactions(store: Store, ws: str) -> None:
    """A reader opened during a write sees the graph as it was before the write."""
    with store.transaction(ws) as writer:
        writer.append(created("a"))
        with store.transaction(ws, write=False) as reader:
            assert reader.profile("a") is None
    with store.transaction(ws, write=False) as reader:
        assert reader.profile("a") is not None


def test_an_unknown_workspace_has_no_transaction(store: Store) -> None:
    """Opening a unit of work in a workspace that does not exist is refused."""
    with pytest.raises(AkaError) as caught, store.transaction("nope"):
        pass
    assert caught.value.code is Code.WORKSPACE_NOT_FOUND


# --- reads ------------------------------------------------------------------------------


def test_profile_reads_find_live_profiles_and_tombstones(store: Store, ws: str) -> None:
    """By id and by external id, a tombstone is found like a live profile (so lookups
    can forward); `tombstones_of` lists what forwards to a profile, sorted."""
    append_all(store, ws, the_merge())
    with store.transaction(ws) as tx:
        tx.lock_profiles(["m", "k", "no-such-profile"])
        keep, merged = tx.profile("k"), tx.profile("m")
        assert keep is not None
        assert merged is not None
        assert (keep.merged_into, merged.merged_into) == (None, "k")
        assert tx.profile_by_external_id("u-m") == keep
        assert tx.profile_by_external_id("nobody") is None
        assert tx.profile("nobody") is None
        assert tx.tombstones_of("k") == ["m", "t"]
        assert tx.tombstones_of("m") == []


def test_identifier_reads(store: Store, ws: str) -> None:
    """By key; every identifier of one or many profiles, sorted by (namespace, value);
    and the per-namespace count the limits use."""
    append_all(
        store,
        ws,
        [
            created("a"),
            created("b"),
            linked("a", "z@example.com"),
            linked("a", "d-1", "device"),
            linked("a", "b@example.com", primary=True),
            linked("b", "c@example.com"),
        ],
    )
    with store.transaction(ws, write=False) as tx:
        found = tx.identifier(K(EMAIL, "b@example.com"))
        assert found is not None
        assert (found.profile_id, found.primary) == ("a", True)
        assert tx.identifier(K(EMAIL, "B@example.com")) is None  # keys are exact
        assert [i.key for i in tx.identifiers_of("a")] == [
            K("device", "d-1"),
            K(EMAIL, "b@example.com"),
            K(EMAIL, "z@example.com"),
        ]
        many = tx.identifiers_of_many(["a", "b", "nobody"])
        assert [i.value for i in many] == ["d-1", "b@example.com", "c@example.com", "z@example.com"]
        assert tx.identifiers_of_many([]) == []
        assert tx.count_in_namespace("a", EMAIL) == 2
        assert tx.count_in_namespace("a", "phone") == 0


def test_membership_reads(store: Store, ws: str) -> None:
    """Edges touching a profile from either end, and the groups above some members,
    sorted, each with the seq of the event that last set it."""
    append_all(
        store,
        ws,
        [created(p) for p in ("g1", "g2", "u", "v")]
        + [added("g2", "u"), added("g1", "u"), added("g1", "g2"), added("g2", "v")],
    )
    with store.transaction(ws, write=False) as tx:
        touching = tx.memberships_touching("g2")
        assert touching == [Membership("g1", "g2"), Membership("g2", "u"), Membership("g2", "v")]
        assert [m.seq for m in touching] == [7, 5, 8]
        assert tx.groups_of(["u", "g2"]) == [
            Membership("g1", "g2"),
            Membership("g1", "u"),
            Membership("g2", "u"),
        ]
        assert tx.groups_of([]) == []


def test_settings_default_then_saved(store: Store) -> None:
    """A workspace reads the settings it was created with until new ones are saved."""
    store.create_workspace("auto", WorkspaceSettings(merge_policy=MergePolicy.AUTO))
    with store.transaction("auto") as tx:
        assert tx.settings().merge_policy is MergePolicy.AUTO
        tx.save_settings(WorkspaceSettings(internal_domains=("example.com",)))
    with store.transaction("auto", write=False) as tx:
        assert tx.settings() == WorkspaceSettings(internal_domains=("example.com",))
    record = store.workspace("auto")
    assert record is not None
    assert record.settings.internal_domains == ("example.com",)


def test_identifiers_in_domain_match_the_domain_exactly(store: Store, ws: str) -> None:
    """Only values ending in `@domain`: not a subdomain, not `_` read as a wildcard, not
    another namespace; sorted by value and cut at the limit."""
    names = ["b@x.io", "a@x.io", "c@sub.x.io", "d@x_io", "e@xxio", "f@X.IO"]
    with store.transaction(ws) as tx:
        for n, value in enumerate(names):
            tx.append(created(f"p{n}"))
            tx.append(linked(f"p{n}", value))
        tx.append(created("q"))
        tx.append(linked("q", "g@x.io", namespace="other"))
    with store.transaction(ws, write=False) as tx:
        assert [i.value for i in tx.identifiers_in_domain("email", "x.io", 10)] == [
            "a@x.io",
            "b@x.io",
        ]
        assert [i.value for i in tx.identifiers_in_domain("email", "x.io", 1)] == ["a@x.io"]
        assert [i.value for i in tx.identifiers_in_domain("email", "x_io", 10)] == ["d@x_io"]


def test_profiles_with_field_are_the_live_holders_of_a_shared_value(store: Store, ws: str) -> None:
    """Every live profile whose attribute is exactly that string, sorted by id and cut at
    the limit: not a tombstone, not another field, not another case, not a number whose
    text is the same, and a holder whose value changed is no longer one."""
    shared = "+14155550100"
    with store.transaction(ws) as tx:
        tx.append(created("p3", phone=shared))
        tx.append(created("p1", phone=shared, email="a@x.io"))
        tx.append(created("p2", email=shared))  # another field
        tx.append(created("p4", phone=14155550100))  # a number
        tx.append(created("p5", phone=shared))
        tx.append(merged("p1", "p5"))  # p5 is a tombstone now
        tx.append(created("p6", phone=shared))
        tx.append(updated("p6", phone="+14155550199"))
        tx.append(created("p7", email="A@x.io"))
    with store.transaction(ws, write=False) as tx:
        assert [p.id for p in tx.profiles_with_field("phone", shared, 10)] == ["p1", "p3"]
        assert [p.id for p in tx.profiles_with_field("phone", shared, 1)] == ["p1"]
        assert [p.id for p in tx.profiles_with_field("email", "a@x.io", 10)] == ["p1"]
        assert tx.profiles_with_field("phone", "+14155550101", 10) == []
