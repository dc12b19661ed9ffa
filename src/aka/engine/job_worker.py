"""The background job worker inside `aka serve`: no extra service to run.

Every process polls for a runnable job (`service.jobs.claim`); one step turns up to
`STEP_ITEMS` items into commands, runs them as any list of commands runs
(`service.bulk.run_all`: each standing or falling alone) and saves the job's progress
in the same transaction, so a job
stopped anywhere (crash, restart, deploy) resumes after its last committed item, in
this process or another. Work runs in a worker thread: store calls block.

An idle poll only reads (no write lock is asked for unless a job is there to claim),
and a busy store is expected load, not a failure: the worker backs off and says so in
one line per episode (`engine/background.py`'s `Backoff`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any, Final, TypeVar

from aka.core import consistency
from aka.core.errors import AkaError, Code
from aka.core.ports import JobRecord, Store, Transaction
from aka.engine.background import Backoff, Loop
from aka.metrics import NULL, JobQueue, Metrics
from aka.service import bulk, jobs
from aka.service.commands import Command, Refuse

log = logging.getLogger("aka.jobs")

STEP_ITEMS: Final = 100
POLL_SECONDS: Final = 0.5
BACKOFF_MAX_SECONDS: Final = 15.0

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class JobKind:
    """How to run one kind of job: its items in order (`items(store, job)`), and the
    command each item stands for (`command(job, section, item)`, raising AkaError for
    an item that is not one: that item fails, the others go on).
    `done(tx, job)` runs in the transaction that marks the job finished."""

    items: Callable[[Store, JobRecord], Iterator[tuple[str, Any]]]
    command: Callable[[JobRecord, str, Any], Command[Any]]
    done: Callable[[Transaction, JobRecord], None] = lambda _tx, _job: None


class JobWorker:
    def __init__(
        self,
        store: Store,
        kinds: dict[str, JobKind],
        lease_seconds: float,
        *,
        poll_seconds: float = POLL_SECONDS,
        backoff_max_seconds: float = BACKOFF_MAX_SECONDS,
        metrics: Metrics = NULL,
    ) -> None:
        self.store = store
        self.metrics = metrics
        self.kinds = kinds
        self.lease = timedelta(seconds=lease_seconds)
        self.poll_seconds = poll_seconds
        self.backoff = Backoff(log, "background jobs", poll_seconds, backoff_max_seconds)
        self.loop = Loop(self.run_once, poll_seconds, self.backoff, pause_first=False)
        # Seen by the worker thread between steps.
        self.stopping = self.loop.stopping

    async def run(self) -> None:
        """Poll and work until `stop`."""
        await self.loop.run()

    async def stop(self) -> None:
        """Finish the current step and return (a job resumes from there later)."""
        await self.loop.stop()

    def run_once(self) -> bool:
        """Claim and run one job; False when there was none."""
        for workspace in self.store.workspaces():
            now = datetime.now(UTC)
            # A read first: polling an idle workspace must not queue for the write lock
            # (on SQLite the whole file's, held for seconds by an `aka import`).
            # On the primary: a job is a record beside the graph, which a read replica
            # may not hold yet (`core.consistency`).
            with consistency.on_primary(), self.store.transaction(workspace.id, write=False) as tx:
                if not jobs.any_runnable(tx, now):
                    continue
            with self.store.transaction(workspace.id) as tx:
                job = jobs.claim(tx, now, self.lease)
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
            why = str(error) or "the input ended early"
            self._while_busy(partial(self._finish, workspace_id, job, kind, why))
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
            stepped = self._while_busy(
                partial(self._step, workspace_id, job, kind, step, last=last)
            )
            if stepped is None:
                return  # stopping: the job resumes after its last committed step
            job = stepped
            if broken is not None and job.status == "running":
                self._while_busy(partial(self._finish, workspace_id, job, kind, broken))
                return
            if job.status != "running":
                return

    def _while_busy(self, attempt: Callable[[], T]) -> T | None:
        """`attempt()`, tried again after a back-off while the store is busy (the step's
        items stay in hand); None if the worker is stopped while waiting."""
        while True:
            try:
                result = attempt()
            except AkaError as error:
                if error.code is not Code.STORE_BUSY:
                    raise
                if self.stopping.wait(self.backoff.failed(error)):
                    return None
                continue
            self.backoff.succeeded()
            return result

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
            commands = [_command(kind, job, section, item) for section, item in step]
            errors: list[dict[str, Any]] = []
            outcomes = bulk.run_all(tx, commands)
            for n, outcome in enumerate(outcomes):
                if isinstance(outcome, AkaError):
                    where = {"item": job.done + n, "section": step[n][0]}
                    errors.append({**where, "code": str(outcome.code), "message": outcome.message})
            now = datetime.now(UTC)
            job = jobs.advance(tx, job, done=len(step), errors=errors, now=now, lease=self.lease)
            if last:
                kind.done(tx, job)
                job = jobs.finish(tx, job, now)
        # Committed: the items count as graph operations, as a request's commands do.
        self.metrics.committed([command.operation() for command in commands], outcomes)
        return job

    def _finish(self, workspace_id: str, job: JobRecord, kind: JobKind, error: str) -> None:
        with self.store.transaction(workspace_id) as tx:
            if jobs.still_mine(tx, job):
                kind.done(tx, job)
                jobs.finish(tx, job, datetime.now(UTC), error)


def _command(kind: JobKind, job: JobRecord, section: str, item: Any) -> Command[Any]:
    """The item's command, or its refusal in its place (it fails alone, in order)."""
    try:
        return kind.command(job, section, item)
    except AkaError as error:
        return Refuse(error)


def queue(store: Store, now: datetime | None = None) -> JobQueue:
    """The jobs waiting for a worker in every workspace, and how long the oldest has
    waited: read from the database (at scrape time), so any process sees every
    process's jobs, whichever worker will run them."""
    now = now or datetime.now(UTC)
    waiting, oldest = 0, now
    for workspace in store.workspaces():
        with consistency.on_primary(), store.transaction(workspace.id, write=False) as tx:
            found = jobs.waiting(tx, now)
        waiting += found.count
        if found.oldest is not None:
            oldest = min(oldest, found.oldest)
    return JobQueue(waiting, (now - oldest).total_seconds())
