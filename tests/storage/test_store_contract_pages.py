"""The store contract for reading a workspace's whole graph in pages (`GraphPages`:
`aka export`, `aka check`), on every backend."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

from aka.core.events import Change
from aka.core.model import IdentifierKey
from aka.core.ports import GraphCounts, Store, Transaction
from aka.core.settings import WorkspaceSettings

from .changes import MERGE_SEQ, added, created, linked, merged, the_unmerge

K = TypeVar("K")  # a page's cursor: what the next page starts after
R = TypeVar("R")  # a row of a page

# Lower-case UUIDs, as aka writes ids: every backend orders them alike. Listed out of
# order on purpose; sorted they are P[0] < P[1] < ... by construction.
P = [f"0190a0b0-0000-7000-8000-{n:012x}" for n in range(1, 8)]


def append_all(store: Store, ws: str, changes: list[Change]) -> None:
    with store.transaction(ws) as tx:
        for change in changes:
            tx.append(change)


def walked(
    store: Store,
    ws: str,
    page: Callable[[Transaction, K | None], Sequence[R]],
    cursor: Callable[[R], K],
) -> list[list[K]]:
    """Each page's cursors, each page read from the cursor of the last row before it."""
    pages: list[list[K]] = []
    after: K | None = None
    with store.transaction(ws, write=False) as tx:
        while rows := page(tx, after):
            pages.append([cursor(r) for r in rows])
            after = cursor(rows[-1])
    return pages


def all_pages(store: Store, ws: str, size: int) -> list[list[str]]:
    """Each page's profile ids, following `after_id`."""
    return walked(store, ws, lambda tx, after: tx.profiles_page(after, size), lambda p: p.id)


def test_profiles_page_lists_live_profiles_in_id_order(store: Store, ws: str) -> None:
    """Tombstones are left out; a page holds the profile as stored (external id,
    attributes)."""
    append_all(
        store,
        ws,
        [
            created(P[3], external_id="u-3", plan="pro"),
            created(P[0]),
            created(P[5]),
            created(P[1]),
            merged(P[0], P[5], external_id_moved=None),  # P[5] becomes a tombstone
        ],
    )
    with store.transaction(ws, write=False) as tx:
        page = tx.profiles_page(None, 10)
    assert [p.id for p in page] == [P[0], P[1], P[3]]
    assert (page[2].external_id, page[2].attributes) == ("u-3", {"plan": "pro"})
    assert all(p.merged_into is None for p in page)


def test_profiles_page_follows_the_last_id_without_gaps_or_repeats(store: Store, ws: str) -> None:
    append_all(store, ws, [created(pid) for pid in reversed(P)])
    assert all_pages(store, ws, 3) == [P[0:3], P[3:6], P[6:7]]
    assert all_pages(store, ws, 7) == [P]
    with store.transaction(ws, write=False) as tx:
        assert [p.id for p in tx.profiles_page(P[4], 10)] == P[5:]
        assert tx.profiles_page(P[6], 10) == []


def test_profiles_page_of_an_empty_workspace_is_empty(store: Store, ws: str) -> None:
    with store.transaction(ws, write=False) as tx:
        assert tx.profiles_page(None, 10) == []


def test_profiles_page_stays_in_its_workspace(store: Store, ws: str) -> None:
    store.create_workspace("other", WorkspaceSettings())
    append_all(store, "other", [created(P[0]), created(P[1])])
    append_all(store, ws, [created(P[2])])
    assert all_pages(store, ws, 10) == [[P[2]]]
    assert all_pages(store, "other", 10) == [[P[0], P[1]]]


def test_memberships_page_lists_edges_by_group_then_member(store: Store, ws: str) -> None:
    append_all(
        store,
        ws,
        [
            *(created(pid) for pid in P[:4]),
            linked(P[0], "g@example.com"),
            added(P[1], P[3]),
            added(P[0], P[2]),
            added(P[1], P[0]),
            added(P[0], P[3]),
        ],
    )
    expected = [(P[0], P[2]), (P[0], P[3]), (P[1], P[0]), (P[1], P[3])]
    with store.transaction(ws, write=False) as tx:
        everything = tx.memberships_page(None, 10)
        assert [(m.group_id, m.member_id) for m in everything] == expected
        assert all(m.seq > 0 for m in everything)
        first = tx.memberships_page(None, 2)
        after = (first[-1].group_id, first[-1].member_id)
        rest = tx.memberships_page(after, 2)
        assert [(m.group_id, m.member_id) for m in first + rest] == expected
        assert tx.memberships_page(expected[-1], 2) == []
        # Keyset on the pair: a group's later members follow its first one.
        assert [(m.group_id, m.member_id) for m in tx.memberships_page(expected[0], 1)] == [
            expected[1]
        ]


def test_memberships_page_stays_in_its_workspace(store: Store, ws: str) -> None:
    store.create_workspace("other", WorkspaceSettings())
    append_all(store, "other", [created(P[0]), created(P[1]), added(P[0], P[1])])
    with store.transaction(ws, write=False) as tx:
        assert tx.memberships_page(None, 10) == []


def test_profiles_page_with_tombstones_lists_every_profile_row(store: Store, ws: str) -> None:
    """`tombstones=True` pages through live profiles and tombstones alike, in id order."""
    append_all(
        store,
        ws,
        [
            created(P[3]),
            created(P[0]),
            created(P[5]),
            merged(P[0], P[5], external_id_moved=None),
        ],
    )
    with store.transaction(ws, write=False) as tx:
        first = tx.profiles_page(None, 2, tombstones=True)
        rest = tx.profiles_page(first[-1].id, 2, tombstones=True)
    assert [p.id for p in first + rest] == [P[0], P[3], P[5]]
    assert [p.merged_into for p in first + rest] == [None, None, P[0]]


def identifier_pages(store: Store, ws: str, size: int) -> list[list[IdentifierKey]]:
    """Each page's identifier keys, following `after`."""
    return walked(store, ws, lambda tx, after: tx.identifiers_page(after, size), lambda i: i.key)


def test_identifiers_page_lists_identifiers_by_namespace_then_value(store: Store, ws: str) -> None:
    """Every identifier once, in (namespace, value) order, as stored (owner, primary,
    attributes); a page starts right after the key it is given."""
    append_all(
        store,
        ws,
        [
            created(P[0]),
            created(P[1]),
            linked(P[1], "b@x.io", primary=True, source="crm"),
            linked(P[0], "d2", "device"),
            linked(P[0], "a@x.io"),
            linked(P[1], "d1", "device"),
        ],
    )
    expected = [
        IdentifierKey("device", "d1"),
        IdentifierKey("device", "d2"),
        IdentifierKey("email", "a@x.io"),
        IdentifierKey("email", "b@x.io"),
    ]
    assert identifier_pages(store, ws, 10) == [expected]
    assert identifier_pages(store, ws, 3) == [expected[:3], expected[3:]]
    with store.transaction(ws, write=False) as tx:
        last = tx.identifiers_page(expected[2], 10)
        assert tx.identifiers_page(expected[3], 10) == []
    assert [(i.profile_id, i.primary, i.attributes) for i in last] == [
        (P[1], True, {"source": "crm"})
    ]


def test_identifiers_page_visits_any_key_once(store: Store, ws: str) -> None:
    """Keys beyond ASCII, and a value that is a prefix of another: paging one at a time
    still visits each identifier exactly once (the order is the database's own)."""
    values = ["z", "Z", "é", "e", "ee", "日本", "😀", "a b"]
    append_all(store, ws, [created(P[0]), *(linked(P[0], v, "device") for v in values)])
    visited = [key for page in identifier_pages(store, ws, 1) for key in page]
    assert sorted(k.value for k in visited) == sorted(values)


def test_identifiers_page_stays_in_its_workspace(store: Store, ws: str) -> None:
    store.create_workspace("other", WorkspaceSettings())
    append_all(store, "other", [created(P[0]), linked(P[0], "a@x.io")])
    assert identifier_pages(store, ws, 10) == []
    assert identifier_pages(store, "other", 10) == [[IdentifierKey("email", "a@x.io")]]


def test_undone_merges_maps_each_undone_merge_to_its_unmerge(store: Store, ws: str) -> None:
    append_all(store, ws, the_unmerge())
    with store.transaction(ws, write=False) as tx:
        assert tx.undone_merges() == {MERGE_SEQ: MERGE_SEQ + 1}
        assert tx.graph().undone == tx.undone_merges()


def test_graph_counts_counts_profile_rows_identifiers_and_edges(store: Store, ws: str) -> None:
    """Tombstones count as profiles; other workspaces do not count."""
    store.create_workspace("other", WorkspaceSettings())
    append_all(store, "other", [created(P[6])])
    append_all(
        store,
        ws,
        [
            *(created(pid) for pid in P[:3]),
            linked(P[0], "a@x.io"),
            linked(P[1], "b@x.io"),
            added(P[0], P[1]),
            merged(P[0], P[2], external_id_moved=None),
        ],
    )
    with store.transaction(ws, write=False) as tx:
        assert tx.graph_counts() == GraphCounts(profiles=3, identifiers=2, memberships=1)
