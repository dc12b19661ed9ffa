"""`Store.read`: a read's answer on one snapshot, however the backend gets it.

The SQL stores first try a read outside any transaction, allowed one statement (its
own snapshot), and run it again in a read transaction when it asks for a second. These
hold every backend's `read` to what a read transaction answers, for reads that one
statement settles (identifiers of small profiles, absent ones) and reads that need more
(a large profile, an external id, a merged profile's id), and to the store's errors.
"""

from __future__ import annotations

from typing import Any

import pytest

from aka.core.errors import AkaError, Code
from aka.core.ports import ReadView, Store
from aka.service import queries
from aka.service.refs import ProfileRef
from aka.storage.sql_graph_reads import READ_AHEAD

from .changes import created, linked, merged

BIG = READ_AHEAD + 3


def _seed(store: Store, ws: str) -> None:
    with store.transaction(ws) as tx:
        for change in (
            created("p1", external_id="u-1"),
            linked("p1", "a@x.io"),
            linked("p1", "dev-1", "device"),
            created("p2"),
            linked("p2", "c@x.io"),
            created("big"),
            *(linked("big", f"d{n:04}", "device") for n in range(BIG)),
            created("gone"),
            linked("gone", "g@x.io"),
            merged("p2", "gone"),
        ):
            tx.append(change)


REFS = [
    ProfileRef(namespace="email", value="a@x.io"),
    ProfileRef(namespace="device", value="dev-1"),
    ProfileRef(namespace="email", value="c@x.io"),
    ProfileRef(namespace="email", value="nobody@x.io"),
    ProfileRef(namespace="device", value=f"d{BIG - 1:04}"),
    ProfileRef(external_id="u-1"),
    ProfileRef.by_id("gone"),
]


def _answers(view: ReadView) -> list[Any]:
    return [
        (a.code, a.field) if isinstance(a, AkaError) else a
        for a in queries.resolve_many(view, REFS)
    ]


@pytest.mark.parametrize("batch", [REFS[:1], REFS[:4], REFS], ids=["one", "small", "all"])
def test_read_answers_what_a_read_transaction_answers(
    store: Store, ws: str, batch: list[ProfileRef]
) -> None:
    _seed(store, ws)
    with store.transaction(ws, write=False) as tx:
        expected = [repr(a) for a in queries.resolve_many(tx, batch)]
    # Twice: the first read may be the one that learns the workspace's settings.
    for _ in range(2):
        got = store.read(ws, lambda view: queries.resolve_many(view, batch))
        assert [repr(a) for a in got] == expected


def test_read_resolves_every_kind_of_reference(store: Store, ws: str) -> None:
    _seed(store, ws)
    store.read(ws, _answers)
    answers = store.read(ws, _answers)
    profiles = [a if isinstance(a, tuple) else a.profile.id for a in answers]
    assert profiles == [
        "p1",
        "p1",
        "p2",
        (Code.PROFILE_NOT_FOUND, "profile"),
        "big",
        "p1",
        "p2",  # forwarded from the merged profile
    ]
    big = next(a for a in answers if not isinstance(a, tuple) and a.profile.id == "big")
    assert len(big.identifiers) == BIG


def test_read_sees_a_write_committed_just_before(store: Store, ws: str) -> None:
    _seed(store, ws)
    ref = [ProfileRef(namespace="email", value="new@x.io")]
    (before,) = store.read(ws, lambda view: queries.resolve_many(view, ref))
    assert isinstance(before, AkaError)
    with store.transaction(ws) as tx:
        tx.append(linked("p2", "new@x.io"))
    (after,) = store.read(ws, lambda view: queries.resolve_many(view, ref))
    assert not isinstance(after, AkaError)
    assert after.profile.id == "p2"


def test_read_of_an_unknown_workspace_is_refused(store: Store, ws: str) -> None:
    del ws
    with pytest.raises(AkaError) as refused:
        store.read("nowhere", lambda view: view.settings())
    assert refused.value.code == Code.WORKSPACE_NOT_FOUND
