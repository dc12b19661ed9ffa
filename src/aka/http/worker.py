"""The background job worker inside `aka serve`: no extra service to run.

Every process polls for a runnable job (`service.jobs.claim`); one step applies up to
`STEP_ITEMS` items and saves the job's progress in the same transaction, so a job
stopped anywhere (crash, restart, deploy) resumes after its last committed item, in
this process or another. Work runs in a worker thread: store calls block.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any, Final

import anyio
import anyio.to_thread

from aka.core.errors import AkaError, Code
from aka.core.ports import JobRecord, Store, Transaction
from aka.service import jobs
from aka.service.batch import attempt

log = logging.getLogger("aka.jobs")

STEP_ITEMS: Final = 100
POLL_SECONDS: Final = 0.5


@dataclass(frozen=True, slots=True)
class JobKind:
    """How to run one kind of job: its items in order (`items(store, job)`), and how
    one item is applied (`apply(tx, job, section, item)`, raising AkaError to fail it).
    `done(tx, job)` runs in the transaction that marks the job finished."""

    items: Callable[[Store, JobRecord], Iterator[tuple[str, Any]]]
    apply: Callable[[Transaction, JobRecord, str, Any], None]
    done: Callable[[Transaction, JobRecord], None] = lambda _tx, _job: None


class JobWorker:
    def __init__(self, store: Store, kinds: dict[str, JobKind], lease_seconds: float) -> None:
        self.store = store
        self.kinds = kinds
        self.lease = timedelta(seconds=lease_seconds)
        self.stopping = threading.Event()  # seen by the worker thread between steps
        self._wake: anyio.Event | None = None
        self._done: anyio.Event | None = None

    async def run(self) -> None:
        """Poll and work until `stop`."""
        self._wake, self._done = anyio.Event(), anyio.Event()  # of the running loop
        try:
            while not self.stopping.is_set():
                try:
                    worked = await anyio.to_thread.run_sync(self.run_once)
                except Exception as error:
                    if isinstance(error, AkaError) and error.code == Code.STORE_BUSY:
                        # A large write holds the workspace past the lock timeout: load,
                        # not a failure, and no traceback (rendering one held the event
                        # loop ~2 s during a 10,000-member push on PostgreSQL, issue 12).
                        log.info("background jobs: the store is busy; trying again shortly")
                    else:
                        log.exception("background job step failed; retrying shortly")
                    worked = False
                if not worked:
                    with anyio.move_on_after(POLL_SECONDS):
                        await self._wake.wait()
        finally:
            self._done.set()

    async def stop(self) -> None:
        """Finish the current step and return (a job resumes from there later)."""
        self.stopping.set()
        if self._wake is not None and self._done is not None:
            self._wake.set()
            await self._done.wait()

    def run_once(self) -> bool:
        """Claim and run one job; False when there was none."""
        for workspace in self.store.workspaces():
            with self.store.transaction(workspace.id) as tx:
                job = jobs.claim(tx, datetime.now(UTC), self.lease)
            if job is not None and job.kind in self.kinds:
                self._run(workspace.id, job)
                return True
        return False

    def _run(self, workspace_id: str, job: JobRecord) -> None:
        kind = self.kinds[job.kind]
        source = kind.items(self.store, job)
        try:
            for _ in range(job.done):  # resume: skip what earlier steps committed
                next(source)
        except (ValueError, StopIteration) as error:
            self._finish(workspace_id, job, kind, str(error) or "the input ended early")
            return
        while not self.stopping.is_set():
            step: list[tuple[str, Any]] = []
            broken: str | None = None
            try:
                for _, item in zip(range(STEP_ITEMS), source, strict=False):
                    step.append(item)
            except ValueError as error:  # the input breaks here: apply what came before
                broken = str(error)
            last = broken is None and len(step) < STEP_ITEMS
            job = self._step(workspace_id, job, kind, step, last=last)
            if broken is not None and job.status == "running":
                self._finish(workspace_id, job, kind, broken)
            if job.status != "running":
                return

    def _step(
        self,
        workspace_id: str,
        job: JobRecord,
        kind: JobKind,
        step: list[tuple[str, Any]],
        *,
        last: bool,
    ) -> JobRecord:
        with self.store.transaction(workspace_id) as tx:
            if not jobs.still_mine(tx, job):
                return replace(job, status="lost")  # another worker took it over
            errors: list[dict[str, Any]] = []
            for n, (section, item) in enumerate(step):
                refused = attempt(tx, kind.apply, job, section, item)
                if isinstance(refused, AkaError):
                    where = {"item": job.done + n, "section": section}
                    errors.append({**where, "code": str(refused.code), "message": refused.message})
            now = datetime.now(UTC)
            job = jobs.advance(tx, job, done=len(step), errors=errors, now=now, lease=self.lease)
            if last:
                kind.done(tx, job)
                job = jobs.finish(tx, job, now)
        return job

    def _finish(self, workspace_id: str, job: JobRecord, kind: JobKind, error: str) -> None:
        with self.store.transaction(workspace_id) as tx:
            if jobs.still_mine(tx, job):
                kind.done(tx, job)
                jobs.finish(tx, job, datetime.now(UTC), error)
