"""Contract: every backend keeps the identifier history `core.history` says, on random
histories (ADR 0025).

The same random, valid histories as the replay contract (`test_store_contract_replay`),
appended in batches of random size (one event, or a run the SQL applier writes as one
segment with COPY or executemany), with primaries demoted, merges, undos, renames,
unlinks and deletions. Replaying the stored log through `IdentifierHistory.apply` (the
rule) must give exactly the store's history: for every identifier the log names, at every
seq, the same version (or none); for every profile, the same identifiers then; the same
holders over time. A deletion leaves no version of what it erased.
"""

from __future__ import annotations

import itertools

from hypothesis import HealthCheck, given, settings

from aka.core import events as ev
from aka.core.events import Change
from aka.core.history import IdentifierHistory, erased_keys
from aka.core.model import IdentifierKey
from aka.core.ports import ReadView, Store
from aka.core.redact import keys_held, keys_moved
from aka.core.state import GraphState

from .changes import created, linked
from .test_store_contract_replay import append_batches, histories

_workspaces = itertools.count()


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(history=histories())
def test_the_stored_history_is_what_the_rule_makes_of_the_log(
    store: Store, history: list[tuple[list[Change], bool]]
) -> None:
    ws = f"history-{next(_workspaces)}"
    append_batches(store, ws, history)
    with store.transaction(ws, write=False) as tx:
        assert_history_is_the_rules(tx)


def assert_history_is_the_rules(tx: ReadView) -> None:
    """The history `tx` answers is what `IdentifierHistory` makes of its log, for every
    identifier and profile the log names, at every seq."""
    log = list(tx.all_events())
    rule, state = IdentifierHistory(), GraphState()
    for event in log:
        rule.apply(state, event)
    keys: set[IdentifierKey] = set()
    profiles: set[str] = set()
    for event in log:
        keys |= {*keys_held(event), *keys_moved(event)}
        if event.type == ev.PROFILE_DELETED:
            keys |= set(erased_keys(event.payload))
        if event.profile_id is not None:
            profiles.add(event.profile_id)
    for seq in range(len(log) + 1):
        for key in sorted(keys):
            assert tx.identifier_at(key, seq) == rule.at(key, seq), (key, seq)
        for pid in sorted(profiles):
            assert tx.identifiers_at(pid, seq) == rule.of_profile(pid, seq), (pid, seq)
    assert tx.holders_ever(keys) == rule.holders(keys)


def test_a_deletion_erases_the_history_of_its_identifiers_and_profiles(
    store: Store, ws: str
) -> None:
    """Held by `a` first, then by `b`, which is deleted: no version of the value is left,
    nor any of `b`'s; `a`'s other identifier keeps its past."""
    with store.transaction(ws) as tx:
        tx.append(created("a"))
        tx.append(linked("a", "ann@x.io"))
        tx.append(linked("a", "d1", "device"))
        tx.append(Change(ev.IDENTIFIER_UNLINKED, "a", {"namespace": "email", "value": "ann@x.io"}))
        tx.append(created("b"))
        tx.append(linked("b", "ann@x.io"))
        tx.append(linked("b", "b@x.io"))
        ann, mine = IdentifierKey("email", "ann@x.io"), IdentifierKey("email", "b@x.io")
        assert tx.holders_ever([ann]) == {"a", "b"}
        tx.append(
            Change(
                ev.PROFILE_DELETED,
                "b",
                {"tombstones": [], "identifiers": [["email", "ann@x.io"], ["email", "b@x.io"]]},
            )
        )
    with store.transaction(ws, write=False) as tx:
        assert tx.holders_ever([ann, mine]) == set()
        assert [tx.identifier_at(ann, seq) for seq in range(9)] == [None] * 9
        assert tx.identifiers_at("b", 7) == []
        held = tx.identifier_at(IdentifierKey("device", "d1"), 3)
        assert held is not None
        assert held.profile_id == "a"
