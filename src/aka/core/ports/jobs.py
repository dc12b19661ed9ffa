"""Background jobs: work that outlives a request, run by the worker in every `aka serve`
(ADR 0006)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from aka.core.scrub import Scrubber


@dataclass(frozen=True, slots=True)
class JobRecord:
    """A background job of one workspace. `done` items are applied (the resume point);
    `errors` keeps the first failures, each `{"item": n, "code", "message"}`."""

    id: str
    kind: str
    status: str  # queued, running, done, failed
    params: dict[str, Any]
    created_at: datetime
    updated_at: datetime
    done: int = 0
    failed: int = 0
    total: int | None = None  # known once the whole input was read
    errors: tuple[dict[str, Any], ...] = ()
    lease_until: datetime | None = None  # a running job whose lease passed is resumed


class Jobs(Protocol):
    """The workspace's jobs (`tx.jobs`). A step saves its progress in the transaction
    that applied its items, so a restart resumes after the last committed item."""

    def add(self, job: JobRecord) -> None:
        """Store a new job of this workspace."""

    def get(self, job_id: str) -> JobRecord | None:
        """This workspace's job with this id, or None."""

    def save(self, job: JobRecord) -> None:
        """Replace the stored job with this id by `job` (progress, status, lease); a job
        never added is not stored."""

    def runnable(self, now: datetime) -> list[str]:
        """Ids of jobs that are queued, or running with a lease that passed by `now`,
        oldest first."""

    def scrub(self, scrubber: Scrubber) -> int:
        """Erasure: clean the params and per-item errors of every job of this workspace
        that holds one of the person's values. How many jobs were changed."""
