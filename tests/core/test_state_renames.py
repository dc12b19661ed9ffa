"""GraphState.apply for renames that keep the old name (ADR 0024): `profile.renamed`
and `identifier.renamed` with `keep`, and the events they cannot apply to."""

from __future__ import annotations

from dataclasses import replace

import pytest

from aka.core import events as ev
from aka.core.model import IdentifierKey
from aka.core.redact import Redactor, keys_held
from aka.core.state import GraphState, ReplayError, identifier_facts

from .builders import Log

K = IdentifierKey
OLD = K(ev.EXTERNAL_IDS, "u-old")


def test_profile_renamed_sets_the_new_id_and_keeps_the_old_one_deprecated() -> None:
    """The old id becomes an identifier of the profile in the reserved namespace,
    deprecated, not primary, stamped with the event; the profile is touched."""
    log = Log()
    pid = log.created(external_id="u-old")
    event = log.add(ev.PROFILE_RENAMED, pid, external_id="u-new", previous="u-old")

    profile = log.state.profiles[pid]
    assert (profile.external_id, profile.updated_at) == ("u-new", event.at)
    old = log.state.identifiers[OLD]
    assert (old.profile_id, old.deprecated, old.primary, old.seq, old.created_at) == (
        pid,
        True,
        False,
        event.seq,
        event.at,
    )
    assert log.state.profiles.holders("u-old") == ()


def test_profile_renamed_back_takes_the_deprecated_identifier_away() -> None:
    """`reclaimed`: the new id was a deprecated id of the profile, which goes."""
    log = Log()
    pid = log.created(external_id="u-old")
    log.add(ev.PROFILE_RENAMED, pid, external_id="u-new", previous="u-old")
    log.add(ev.PROFILE_RENAMED, pid, external_id="u-old", previous="u-new", reclaimed=True)
    assert log.state.profiles[pid].external_id == "u-old"
    assert set(log.state.identifiers) == {K(ev.EXTERNAL_IDS, "u-new")}


@pytest.mark.parametrize(
    ("payload", "why"),
    [
        ({"external_id": "u-x", "previous": "u-wrong"}, "previous is not the current id"),
        ({"external_id": "u-b", "previous": "u-a"}, "the new id is another profile's"),
        ({"external_id": "u-gone", "previous": "u-a"}, "another profile's deprecated id"),
        ({"external_id": "u-y", "previous": "u-a", "reclaimed": True}, "nothing to reclaim"),
    ],
)
def test_a_rename_the_graph_forbids_does_not_replay(payload: dict[str, str], why: str) -> None:
    """Each is refused, as the SQL applier refuses it (tests/storage contract)."""
    log = Log()
    a = log.created(external_id="u-a")
    b = log.created(external_id="u-gone")
    log.add(ev.PROFILE_RENAMED, b, external_id="u-b", previous="u-gone")
    with pytest.raises(ReplayError):
        log.add(ev.PROFILE_RENAMED, a, **payload)
    assert log.state.profiles[a].external_id == "u-a", why


def test_a_tombstone_is_not_renamed() -> None:
    log = Log()
    keep, gone = log.created(), log.created(external_id="u-1")
    # Only the tombstone's forwarding matters here, not how the merge made it.
    log.state.profiles[gone] = replace(log.state.profiles[gone], merged_into=keep)
    with pytest.raises(ReplayError):
        log.add(ev.PROFILE_RENAMED, gone, external_id="u-2", previous="u-1")


def test_identifier_renamed_with_keep_leaves_the_old_value_deprecated() -> None:
    """The new row copies kind, primary flag and attributes, stamped as new; the old row
    stays on the profile, deprecated and no longer primary."""
    log = Log()
    pid = log.created()
    log.linked(pid, "braze", "old", primary=True)
    event = log.add(
        ev.IDENTIFIER_RENAMED, pid, namespace="braze", value="old", new_value="new", keep=True
    )
    old, new = log.state.identifiers[K("braze", "old")], log.state.identifiers[K("braze", "new")]
    assert (old.profile_id, old.deprecated, old.primary, old.seq) == (pid, True, False, event.seq)
    assert (new.profile_id, new.deprecated, new.primary, new.created_at) == (
        pid,
        False,
        True,
        event.at,
    )


def test_the_deprecated_flag_is_a_fact_aka_check_compares() -> None:
    """Invariant 4 compares it: a store that lost the flag differs from its replay."""
    log = Log()
    pid = log.created(external_id="u-old")
    log.add(ev.PROFILE_RENAMED, pid, external_id="u-new", previous="u-old")
    old = log.state.identifiers[OLD]
    lost = old.__class__(old.namespace, old.value, old.profile_id, seq=old.seq)
    assert identifier_facts(old) != identifier_facts(lost)


def test_redaction_gives_a_renamed_id_one_placeholder_as_id_and_as_identifier() -> None:
    """The erased profile's old id is replaced alike where an event names it as an
    external id and where one names it as an identifier, so the log still replays."""
    log = Log()
    pid = log.created(external_id="u-old")
    renamed = log.add(ev.PROFILE_RENAMED, pid, external_id="u-new", previous="u-old")
    unlinked = log.add(ev.IDENTIFIER_UNLINKED, pid, namespace=ev.EXTERNAL_IDS, value="u-old")
    assert keys_held(renamed) == [OLD, K(ev.EXTERNAL_IDS, "u-new")]

    redactor = Redactor.for_deletion(9, [OLD], ["u-new"], {pid})
    created = redactor.payload(log.events[0])
    as_renamed = redactor.payload(renamed)
    as_unlinked = redactor.payload(unlinked)
    assert created is not None
    assert as_renamed is not None
    assert as_unlinked is not None
    assert created["external_id"] == as_renamed["previous"] == as_unlinked["value"]
    assert "u-old" not in repr([created, as_renamed, as_unlinked])
    assert "u-new" not in repr(as_renamed)

    replayed = GraphState()
    for event, payload in zip(log.events, (created, as_renamed, as_unlinked), strict=True):
        replayed.apply(event.__class__(event.seq, event.type, pid, event.at, None, payload))
    assert replayed.profiles[pid].external_id == as_renamed["external_id"]
    assert replayed.identifiers == {}
