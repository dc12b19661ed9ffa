"""The store contract for background jobs, file containers and dialect bookkeeping
(seen request ids, Coveo push records), on every backend."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from aka.core.model import IdentifierKey
from aka.core.ports import FileRecord, JobRecord, PushRecord, Store

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
LATER = T0 + timedelta(minutes=15)


def test_a_request_id_is_new_once_until_it_expires(store: Store, ws: str) -> None:
    """The first sighting is new; the same id before its expiry is a replay; after it,
    the id is new again."""
    with store.transaction(ws) as tx:
        assert tx.remember_request("r-1", T0, LATER) is True
    with store.transaction(ws) as tx:
        assert tx.remember_request("r-1", T0 + timedelta(minutes=1), LATER) is False
        assert tx.remember_request("r-2", T0, LATER) is True
    with store.transaction(ws) as tx:
        assert tx.remember_request("r-1", LATER, LATER + timedelta(minutes=15)) is True


def test_a_replay_leaves_the_transaction_usable(store: Store, ws: str) -> None:
    """Refusing a replayed id does not spoil the rest of the transaction."""
    with store.transaction(ws) as tx:
        tx.remember_request("r-1", T0, LATER)
        assert tx.remember_request("r-1", T0, LATER) is False
        tx.save_push_record(IdentifierKey("p", "a"), PushRecord(1))
    with store.transaction(ws, write=False) as tx:
        assert tx.push_record(IdentifierKey("p", "a")) == PushRecord(1)


def remember_then_fail(store: Store, ws: str, request_id: str) -> None:
    with store.transaction(ws) as tx:
        assert tx.remember_request(request_id, T0, LATER)
        raise RuntimeError


def test_request_ids_are_per_workspace_and_roll_back(store: Store, ws: str) -> None:
    """Another workspace may use the same id; a rolled-back record is forgotten."""
    from aka.core.settings import WorkspaceSettings  # noqa: PLC0415

    store.create_workspace("other", WorkspaceSettings())
    with store.transaction(ws) as tx:
        assert tx.remember_request("r-1", T0, LATER)
    with store.transaction("other") as tx:
        assert tx.remember_request("r-1", T0, LATER)
    with pytest.raises(RuntimeError):
        remember_then_fail(store, ws, "r-9")
    with store.transaction(ws) as tx:
        assert tx.remember_request("r-9", T0, LATER)


def test_purge_forgets_expired_request_ids(store: Store, ws: str) -> None:
    with store.transaction(ws) as tx:
        tx.remember_request("old", T0, T0 + timedelta(minutes=1))
        tx.remember_request("new", T0, LATER)
    with store.transaction(ws) as tx:
        assert tx.purge_requests(T0 + timedelta(minutes=2)) == 1
        assert tx.remember_request("new", T0, LATER) is False


def test_push_records_are_kept_per_identifier(store: Store, ws: str) -> None:
    """The last record wins; `pushed_before` lists one namespace's keys below an id,
    sorted by value."""
    a, b, c = IdentifierKey("p", "a"), IdentifierKey("p", "b"), IdentifierKey("q", "c")
    with store.transaction(ws) as tx:
        assert tx.push_record(a) is None
        tx.save_push_record(b, PushRecord(5))
        tx.save_push_record(a, PushRecord(1, (c,)))
        tx.save_push_record(a, PushRecord(3, (b, c)))
        tx.save_push_record(c, PushRecord(1))
    with store.transaction(ws, write=False) as tx:
        assert tx.push_record(a) == PushRecord(3, (b, c))
        assert tx.push_record(b) == PushRecord(5, ())
        assert tx.pushed_before("p", 5) == [a]
        assert tx.pushed_before("p", 6) == [a, b]
        assert tx.pushed_before("q", 1) == []


def test_key_by_id_finds_a_key_in_any_workspace(store: Store, ws: str) -> None:
    from aka.service import admin  # noqa: PLC0415

    issued = admin.issue_key(store, ws, name="k")
    assert store.key_by_id(issued.record.id) == issued.record
    assert store.key_by_id("key_nope") is None


def test_identifiers_in_domain_match_the_domain_exactly(store: Store, ws: str) -> None:
    """Only values ending in `@domain`: not a subdomain, not `_` read as a wildcard, not
    another namespace; sorted by value and cut at the limit."""
    from tests.storage.changes import created, linked  # noqa: PLC0415

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


def a_job(job_id: str = "j1", **fields: object) -> JobRecord:
    base: dict[str, object] = {
        "id": job_id,
        "kind": "coveo.batch",
        "status": "queued",
        "params": {"file_id": "f1"},
        "created_at": T0,
        "updated_at": T0,
    }
    return JobRecord(**{**base, **fields})  # type: ignore[arg-type]


def test_a_job_round_trips_and_saves_its_progress(store: Store, ws: str) -> None:
    with store.transaction(ws) as tx:
        tx.add_job(a_job())
        assert tx.job("nope") is None
    running = replace(
        a_job(),
        status="running",
        done=40,
        failed=2,
        total=100,
        errors=({"item": 3, "code": "x", "message": "m"},),
        updated_at=LATER,
        lease_until=LATER,
    )
    with store.transaction(ws) as tx:
        tx.save_job(running)
    with store.transaction(ws, write=False) as tx:
        assert tx.job("j1") == running


def test_runnable_jobs_are_queued_or_past_their_lease(store: Store, ws: str) -> None:
    """Oldest first; a running job with a live lease, or a finished one, is not runnable."""
    with store.transaction(ws) as tx:
        tx.add_job(a_job("b", created_at=T0 + timedelta(seconds=1)))
        tx.add_job(a_job("a"))
        tx.add_job(a_job("leased", status="running", lease_until=LATER))
        tx.add_job(a_job("lapsed", status="running", lease_until=T0))
        tx.add_job(a_job("finished", status="done"))
    with store.transaction(ws, write=False) as tx:
        assert tx.runnable_jobs(T0 + timedelta(minutes=1)) == ["a", "lapsed", "b"]
        assert "leased" in tx.runnable_jobs(LATER)


def test_a_file_is_written_in_chunks_and_read_back(store: Store, ws: str) -> None:
    """Chunk 0 of a new upload drops the last upload's content and its size."""
    record = FileRecord("f1", "hash", T0, LATER)
    with store.transaction(ws) as tx:
        tx.add_file(record)
        tx.write_file_chunk("f1", 0, b"old")
        tx.finish_file("f1", 3)
    with store.transaction(ws) as tx:
        assert tx.file("f1") == replace(record, size=3)
        tx.write_file_chunk("f1", 0, b"ab")
        assert tx.file("f1") == record
        tx.write_file_chunk("f1", 1, b"cd")
        tx.finish_file("f1", 4)
    with store.transaction(ws, write=False) as tx:
        assert [tx.file_chunk("f1", n) for n in range(3)] == [b"ab", b"cd", None]
        assert tx.file("f1") == replace(record, size=4)
    with store.transaction(ws) as tx:
        tx.remove_file("f1")
        assert tx.file("f1") is None
        assert tx.file_chunk("f1", 0) is None


def test_two_writers_racing_for_one_request_id_make_one_winner(store: Store, ws: str) -> None:
    """Two transactions (threads; on PostgreSQL, two connections as two processes
    would use) record the same id at once: exactly one is told the id is new."""
    import threading  # noqa: PLC0415

    barrier = threading.Barrier(2, timeout=10)
    answers: list[bool] = []

    def record() -> None:
        barrier.wait()
        with store.transaction(ws) as tx:
            answers.append(tx.remember_request("raced", T0, LATER))

    threads = [threading.Thread(target=record) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(answers) == [False, True]
