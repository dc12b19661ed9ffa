"""Background jobs: a durable row per job whose progress commits with the work it counts.

A job is `queued` until a worker claims it (`running`, with a lease it renews after each
step); `done` or `failed` at the end. A running job whose lease passed (its process
died) is claimed again and resumes after its last committed item.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, Final

import uuid_utils

from aka.core.errors import AkaError, Code
from aka.core.ports import JobRecord, Transaction

ERRORS_KEPT: Final = 100  # per-item errors kept on a job; `failed` counts them all


def create(tx: Transaction, kind: str, params: dict[str, Any], now: datetime) -> JobRecord:
    job = JobRecord(f"job_{uuid_utils.uuid7().hex}", kind, "queued", params, now, now)
    tx.jobs.add(job)
    return job


def get(tx: Transaction, job_id: str, *, started_by: str | None = None) -> JobRecord:
    """The job; `started_by`: only if that key started it (a key limited to namespaces
    sees only its own jobs, whose errors quote its own items: ADR 0026), else not found,
    as for a job that does not exist."""
    found = tx.jobs.get(job_id)
    if found is not None and started_by is not None and found.params.get("actor") != started_by:
        found = None
    if found is None:
        raise AkaError(Code.JOB_NOT_FOUND, f"no job {job_id!r} in this workspace", field="id")
    return found


def any_runnable(tx: Transaction, now: datetime) -> bool:
    """Whether `claim` would find a job: asked in a read-only transaction first, so an
    idle worker never queues for the write lock (on SQLite, the whole database's)."""
    return bool(tx.jobs.runnable(now))


@dataclass(frozen=True, slots=True)
class Waiting:
    """The jobs `claim` could take now: how many, and when the oldest was created."""

    count: int
    oldest: datetime | None


def waiting(tx: Transaction, now: datetime) -> Waiting:
    """What waits for a worker in this workspace (queued, or running with a lease
    that passed: its process died)."""
    ids = tx.jobs.runnable(now)
    first = tx.jobs.get(ids[0]) if ids else None
    return Waiting(len(ids), first.created_at if first is not None else None)


def claim(tx: Transaction, now: datetime, lease: timedelta) -> JobRecord | None:
    """The oldest runnable job, now running under a lease held until `now + lease`."""
    for job_id in tx.jobs.runnable(now):
        job = tx.jobs.get(job_id)
        if job is None:
            continue
        claimed = replace(job, status="running", lease_until=now + lease, updated_at=now)
        tx.jobs.save(claimed)
        return claimed
    return None


def still_mine(tx: Transaction, job: JobRecord) -> bool:
    """Whether the stored job is still the one this worker last saved (no other worker
    took it over after its lease passed)."""
    stored = tx.jobs.get(job.id)
    return (
        stored is not None
        and stored.status == "running"
        and stored.done == job.done
        and stored.lease_until == job.lease_until
    )


def advance(
    tx: Transaction,
    job: JobRecord,
    *,
    done: int,
    errors: list[dict[str, Any]],
    now: datetime,
    lease: timedelta,
) -> JobRecord:
    """Count items applied since the last step (`errors`: those that failed) and renew
    the lease; saved in the transaction that applied them."""
    kept = (job.errors + tuple(errors))[:ERRORS_KEPT]
    moved = replace(
        job,
        done=job.done + done,
        failed=job.failed + len(errors),
        errors=kept,
        updated_at=now,
        lease_until=now + lease,
    )
    tx.jobs.save(moved)
    return moved


def finish(tx: Transaction, job: JobRecord, now: datetime, error: str | None = None) -> JobRecord:
    """`done` (total = items seen), or `failed` with a job-level error (bad input file)."""
    if error is None:
        ended = replace(job, status="done", total=job.done, updated_at=now, lease_until=None)
    else:
        failure = {"item": None, "code": "job_failed", "message": error}
        ended = replace(
            job,
            status="failed",
            errors=(*job.errors, failure)[: ERRORS_KEPT + 1],
            updated_at=now,
            lease_until=None,
        )
    tx.jobs.save(ended)
    return ended
