"""Contract: background jobs (`tx.jobs`), on every backend."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from aka.core.ports import JobRecord, Store

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
LATER = T0 + timedelta(minutes=15)


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
        tx.jobs.add(a_job())
        assert tx.jobs.get("nope") is None
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
        tx.jobs.save(running)
    with store.transaction(ws, write=False) as tx:
        assert tx.jobs.get("j1") == running


def test_runnable_jobs_are_queued_or_past_their_lease(store: Store, ws: str) -> None:
    """Oldest first; a running job with a live lease, or a finished one, is not runnable."""
    with store.transaction(ws) as tx:
        tx.jobs.add(a_job("b", created_at=T0 + timedelta(seconds=1)))
        tx.jobs.add(a_job("a"))
        tx.jobs.add(a_job("leased", status="running", lease_until=LATER))
        tx.jobs.add(a_job("lapsed", status="running", lease_until=T0))
        tx.jobs.add(a_job("finished", status="done"))
    with store.transaction(ws, write=False) as tx:
        assert tx.jobs.runnable(T0 + timedelta(minutes=1)) == ["a", "lapsed", "b"]
        assert "leased" in tx.jobs.runnable(LATER)


def test_saving_a_job_never_added_stores_nothing(store: Store, ws: str) -> None:
    """`save` replaces a stored job; it does not create one."""
    with store.transaction(ws) as tx:
        tx.jobs.save(a_job("ghost"))
    with store.transaction(ws, write=False) as tx:
        assert tx.jobs.get("ghost") is None
        assert tx.jobs.runnable(LATER) == []
