"""The bulk half of the store contract: `append_many` and the many-keys reads, on every
backend. `append_many` must leave exactly what `append` one change at a time leaves."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from aka.core.events import Change
from aka.core.model import IdentifierKey
from aka.core.ports import Store
from aka.core.settings import WorkspaceSettings
from aka.core.state import GraphState, ReplayError

from .changes import added, created, linked, removed

K = IdentifierKey
AT = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def timeless(state: GraphState) -> GraphState:
    """The graph with every time set to AT, to compare two writes made at other times."""
    state.profiles = {
        k: replace(p, created_at=AT, updated_at=AT) for k, p in state.profiles.items()
    }
    state.identifiers = {k: replace(i, created_at=AT) for k, i in state.identifiers.items()}
    return state


HISTORY: list[Change] = [
    created("p1", external_id="u1", plan="gold"),
    linked("p1", "a@x.io", primary=True),
    created("p2"),
    linked("p2", "d1", "device"),
    linked("p1", "b@x.io", primary=True),  # demotes a@x.io
    linked("p1", "c@x.io"),
    linked("p2", "d2", "device", primary=True),
]


def test_append_many_leaves_what_append_one_by_one_leaves(store: Store, ws: str) -> None:
    store.create_workspace("one-by-one", WorkspaceSettings())
    with store.transaction("one-by-one") as tx:
        singles = [tx.append(c) for c in HISTORY]
    with store.transaction(ws) as tx:
        many = tx.append_many(HISTORY, AT)
    assert [(e.seq, e.type, e.profile_id, e.payload) for e in many] == [
        (e.seq, e.type, e.profile_id, e.payload) for e in singles
    ]
    assert {e.at for e in many} == {AT}
    with store.transaction("one-by-one", write=False) as a, store.transaction(ws) as b:
        assert timeless(b.graph()) == timeless(a.graph())
        assert [(e.seq, e.payload, e.at) for e in b.all_events()] == [
            (e.seq, e.payload, e.at) for e in many
        ]
        assert b.last_seq() == len(HISTORY)
        assert b.identifier(K("email", "a@x.io")).primary is False  # type: ignore[union-attr]


def test_append_many_after_earlier_events_continues_their_numbering(store: Store, ws: str) -> None:
    with store.transaction(ws) as tx:
        tx.append(created("p0"))
        tx.append(linked("p0", "old@x.io", primary=True))
    with store.transaction(ws) as tx:
        assert tx.last_seq() == 2
        many = tx.append_many([linked("p0", "new@x.io", primary=True)], AT)
        assert [e.seq for e in many] == [3]
        old = tx.identifier(K("email", "old@x.io"))
        assert old is not None
        assert (old.primary, old.seq) == (False, 3)


def test_a_refused_change_leaves_nothing_of_the_whole_call(store: Store, ws: str) -> None:
    """The second link repeats a key: nothing of the call stays and no seq is used."""
    with store.transaction(ws) as tx:
        tx.append(created("p1"))
        with pytest.raises(ReplayError):
            tx.append_many([linked("p1", "a@x.io"), linked("p1", "a@x.io")], AT)
        assert tx.last_seq() == 1
        assert tx.identifier(K("email", "a@x.io")) is None
        assert tx.append(linked("p1", "z@x.io")).seq == 2


def test_append_many_of_other_types_applies_them_in_order(store: Store, ws: str) -> None:
    with store.transaction(ws) as tx:
        events = tx.append_many([created("g"), created("m"), added("g", "m")], AT)
        assert [e.seq for e in events] == [1, 2, 3]
        assert [(m.group_id, m.member_id) for m in tx.groups_of(["m"])] == [("g", "m")]


EDGES: list[Change] = [
    created("g"),
    created("m1"),
    created("m2"),
    added("g", "m1"),
    added("g", "m2"),
    added("m1", "m2"),
]


@pytest.mark.parametrize(
    "later",
    [
        [removed("g", "m1"), removed("m1", "m2"), added("m2", "m1")],
        [added("m2", "g"), removed("m2", "g")],  # one edge both ways in one call
        [removed("g", "m2"), added("g", "m2")],
    ],
    ids=["removes-and-adds", "add-then-remove", "remove-then-add"],
)
def test_append_many_of_memberships_leaves_what_one_by_one_leaves(
    store: Store, ws: str, later: list[Change]
) -> None:
    """Edges added and removed many per statement end as `append` one at a time
    leaves them, the same edge twice in one call included."""
    store.create_workspace("one-by-one", WorkspaceSettings())
    with store.transaction("one-by-one") as tx:
        singles = [tx.append(c) for c in [*EDGES, *later]]
    with store.transaction(ws) as tx:
        many = tx.append_many(EDGES, AT) + tx.append_many(later, AT)
    assert [(e.seq, e.type, e.payload) for e in many] == [
        (e.seq, e.type, e.payload) for e in singles
    ]
    with store.transaction("one-by-one", write=False) as a, store.transaction(ws) as b:
        assert timeless(b.graph()) == timeless(a.graph())


def test_many_keys_reads_find_what_is_there_and_skip_the_rest(store: Store, ws: str) -> None:
    with store.transaction(ws) as tx:
        tx.append_many(HISTORY, AT)
    with store.transaction(ws, write=False) as tx:
        found = tx.identifiers_by_keys([K("email", "a@x.io"), K("device", "d2"), K("x", "y")])
        assert sorted(str(k) for k in found) == ["device:d2", "email:a@x.io"]
        assert found[K("device", "d2")].profile_id == "p2"
        assert sorted(tx.profiles_by_ids(["p1", "p2", "nobody"])) == ["p1", "p2"]
        by_ext = tx.profiles_by_external_ids(["u1", "u404"])
        assert list(by_ext) == ["u1"]
        assert by_ext["u1"].id == "p1"
        assert tx.identifiers_by_keys([]) == {}
