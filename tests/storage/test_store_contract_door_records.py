"""Contract: the vendor doors' bookkeeping, seen Mimecast request ids
(`tx.request_ids`) and Coveo push records (`tx.push_records`), on every backend."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from aka.core.model import IdentifierKey
from aka.core.ports import PushRecord, Store

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
LATER = T0 + timedelta(minutes=15)


def test_a_request_id_is_new_once_until_it_expires(store: Store, ws: str) -> None:
    """The first sighting is new; the same id before its expiry is a replay; after it,
    the id is new again."""
    with store.transaction(ws) as tx:
        assert tx.request_ids.remember("r-1", T0, LATER) is True
    with store.transaction(ws) as tx:
        assert tx.request_ids.remember("r-1", T0 + timedelta(minutes=1), LATER) is False
        assert tx.request_ids.remember("r-2", T0, LATER) is True
    with store.transaction(ws) as tx:
        assert tx.request_ids.remember("r-1", LATER, LATER + timedelta(minutes=15)) is True


def test_a_replay_leaves_the_transaction_usable(store: Store, ws: str) -> None:
    """Refusing a replayed id does not spoil the rest of the transaction."""
    with store.transaction(ws) as tx:
        tx.request_ids.remember("r-1", T0, LATER)
        assert tx.request_ids.remember("r-1", T0, LATER) is False
        tx.push_records.put(IdentifierKey("p", "a"), PushRecord(1))
    with store.transaction(ws, write=False) as tx:
        assert tx.push_records.get(IdentifierKey("p", "a")) == PushRecord(1)


def remember_then_fail(store: Store, ws: str, request_id: str) -> None:
    with store.transaction(ws) as tx:
        assert tx.request_ids.remember(request_id, T0, LATER)
        raise RuntimeError


def test_request_ids_are_per_workspace_and_roll_back(store: Store, ws: str) -> None:
    """Another workspace may use the same id; a rolled-back record is forgotten."""
    from aka.core.settings import WorkspaceSettings  # noqa: PLC0415

    store.create_workspace("other", WorkspaceSettings())
    with store.transaction(ws) as tx:
        assert tx.request_ids.remember("r-1", T0, LATER)
    with store.transaction("other") as tx:
        assert tx.request_ids.remember("r-1", T0, LATER)
    with pytest.raises(RuntimeError):
        remember_then_fail(store, ws, "r-9")
    with store.transaction(ws) as tx:
        assert tx.request_ids.remember("r-9", T0, LATER)


def test_purge_forgets_expired_request_ids(store: Store, ws: str) -> None:
    with store.transaction(ws) as tx:
        tx.request_ids.remember("old", T0, T0 + timedelta(minutes=1))
        tx.request_ids.remember("new", T0, LATER)
    with store.transaction(ws) as tx:
        assert tx.request_ids.purge(T0 + timedelta(minutes=2)) == 1
        assert tx.request_ids.remember("new", T0, LATER) is False


def test_two_writers_racing_for_one_request_id_make_one_winner(store: Store, ws: str) -> None:
    """Two transactions (threads; on PostgreSQL, two connections as two processes
    would use) record the same id at once: exactly one is told the id is new."""
    import threading  # noqa: PLC0415

    barrier = threading.Barrier(2, timeout=10)
    answers: list[bool] = []

    def record() -> None:
        barrier.wait()
        with store.transaction(ws) as tx:
            answers.append(tx.request_ids.remember("raced", T0, LATER))

    threads = [threading.Thread(target=record) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(answers) == [False, True]


def test_push_records_are_kept_per_identifier(store: Store, ws: str) -> None:
    """The last record wins; `older_than` lists one namespace's keys below an id,
    sorted by value."""
    a, b, c = IdentifierKey("p", "a"), IdentifierKey("p", "b"), IdentifierKey("q", "c")
    with store.transaction(ws) as tx:
        assert tx.push_records.get(a) is None
        tx.push_records.put(b, PushRecord(5))
        tx.push_records.put(a, PushRecord(1, (c,)))
        tx.push_records.put(a, PushRecord(3, (b, c)))
        tx.push_records.put(c, PushRecord(1))
    with store.transaction(ws, write=False) as tx:
        assert tx.push_records.get(a) == PushRecord(3, (b, c))
        assert tx.push_records.get(b) == PushRecord(5, ())
        assert tx.push_records.older_than("p", 5) == [a]
        assert tx.push_records.older_than("p", 6) == [a, b]
        assert tx.push_records.older_than("q", 1) == []
