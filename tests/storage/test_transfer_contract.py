"""The store contract for paging through a workspace's live graph (`aka export`):
`profiles_page` and `memberships_page`, on every backend."""

from __future__ import annotations

from aka.core.events import Change
from aka.core.ports import Store
from aka.core.settings import WorkspaceSettings

from .changes import added, created, linked, merged

# Lower-case UUIDs, as aka writes ids: every backend orders them alike. Listed out of
# order on purpose; sorted they are P[0] < P[1] < ... by construction.
P = [f"0190a0b0-0000-7000-8000-{n:012x}" for n in range(1, 8)]


def append_all(store: Store, ws: str, changes: list[Change]) -> None:
    with store.transaction(ws) as tx:
        for change in changes:
            tx.append(change)


def all_pages(store: Store, ws: str, size: int) -> list[list[str]]:
    """Each page's ids, following `after_id` from the last id of the page before."""
    pages: list[list[str]] = []
    after: str | None = None
    with store.transaction(ws, write=False) as tx:
        while page := tx.profiles_page(after, size):
            pages.append([p.id for p in page])
            after = page[-1].id
    return pages


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
