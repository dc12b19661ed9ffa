"""The background job worker under a busy store, on each SQL backend.

A busy database is expected load (an `aka import` holds SQLite's one write lock for
seconds; a long PostgreSQL writer holds its workspace's). The worker:
- polls without asking for the write lock while there is no job to claim;
- when a write times out, backs off and logs one line per episode, naming the true
  cause, with no traceback, and finishes the job once the lock is free, every item
  applied once;
- logs an unexpected failure's traceback once, not at every retry.

The memory store has no lock to wait for, so these run on SQLite and PostgreSQL.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import anyio
import pytest
import sqlalchemy as sa

from aka.core.ports import JobRecord, Store, Transaction
from aka.core.settings import WorkspaceSettings
from aka.engine.job_worker import STEP_ITEMS, JobKind, JobWorker
from aka.service import jobs
from aka.service.commands import Command
from aka.storage.postgres import PostgresStore
from aka.storage.sqlite import SqliteStore
from tests.backends import reset_postgres, sql_backend_params

WS = "acme"
KIND = "count"
LOCK_WAIT_MS = 50  # the store's busy / lock timeout: a held lock refuses a writer fast
# The cause each backend's refusal must name: the database's own words.
CAUSE = {"sqlite": "database is locked", "postgres": "lock timeout"}


class Holder:
    """Another connection that takes and gives back the write lock a writer of `WS`
    needs (SQLite: the database's; PostgreSQL: the workspace row's), from any thread."""

    def __init__(self, backend: str, target: Path | sa.URL) -> None:
        self.backend = backend
        self._sqlite: sqlite3.Connection | None = None
        self._engine: sa.Engine | None = None
        self._pg: sa.Connection | None = None
        if isinstance(target, Path):
            self._sqlite = sqlite3.connect(target, isolation_level=None, check_same_thread=False)
        else:
            self._engine = sa.create_engine(target.set(drivername="postgresql+psycopg"))
            self._pg = self._engine.connect()
        self.held = threading.Event()

    def take(self) -> None:
        if self._sqlite is not None:
            self._sqlite.execute("BEGIN IMMEDIATE")
        else:
            assert self._pg is not None
            self._pg.begin()
            lock = sa.text("SELECT id FROM workspaces WHERE id = :ws FOR UPDATE")
            self._pg.execute(lock, {"ws": WS})
        self.held.set()

    def give_back(self) -> None:
        self.held.clear()
        if self._sqlite is not None:
            self._sqlite.execute("ROLLBACK")
        else:
            assert self._pg is not None
            self._pg.rollback()

    def hold_for(self, seconds: float) -> None:
        """Take the lock now and give it back `seconds` later, from a timer thread."""
        self.take()
        threading.Timer(seconds, self.give_back).start()

    def close(self) -> None:
        if self._sqlite is not None:
            self._sqlite.close()
        if self._pg is not None:
            self._pg.close()
        if self._engine is not None:
            self._engine.dispose()


@pytest.fixture(params=sql_backend_params())
def busy(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Store, Holder]]:
    """A store with workspace `WS` whose writers give up after `LOCK_WAIT_MS`, and a
    holder of the lock they need."""
    store: SqliteStore | PostgresStore
    if request.param == "sqlite":
        db = tmp_path / "aka.db"
        store = SqliteStore(f"sqlite:///{db}", busy_timeout_ms=LOCK_WAIT_MS)
        store.migrate()
        holder = Holder("sqlite", db)
    else:
        url = reset_postgres()
        store = PostgresStore(url, lock_timeout_ms=LOCK_WAIT_MS)
        holder = Holder("postgres", url)
    store.create_workspace(WS, WorkspaceSettings())
    yield store, holder
    holder.close()
    store.close()


def _worker_lines(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "aka.jobs"]


def _queue(store: Store, items: int) -> JobRecord:
    with store.transaction(WS) as tx:
        return jobs.create(tx, KIND, {"items": items}, datetime.now(UTC))


def _job(store: Store, job_id: str) -> JobRecord:
    with store.transaction(WS, write=False) as tx:
        return jobs.get(tx, job_id)


@dataclass(frozen=True, slots=True)
class _Counted(Command[None]):
    """An item that is only counted (the job's `done`)."""

    def run(self, tx: Transaction) -> None:
        pass


def _command(_job: JobRecord, _section: str, _item: Any) -> Command[None]:
    return _Counted()


def _run_until(worker: JobWorker, done: Any, timeout: float = 20) -> None:
    """Run the worker's loop until `done()` or the timeout, then stop it."""

    async def main() -> None:
        async with anyio.create_task_group() as group:
            group.start_soon(worker.run)
            deadline = time.monotonic() + timeout
            while not done() and time.monotonic() < deadline:
                await anyio.sleep(0.05)
            await worker.stop()

    anyio.run(main)


def quick_worker(
    store: Store,
    items: Callable[[Store, JobRecord], Iterator[tuple[str, Any]]],
    *,
    lease: float,
    backoff_max: float,
) -> JobWorker:
    """A worker running one kind of job whose items come from `items`, polling every
    50 ms and backing off at most `backoff_max` seconds (a test cannot wait 15 s)."""
    return JobWorker(
        store,
        {KIND: JobKind(items=items, command=_command)},
        lease_seconds=lease,
        poll_seconds=0.05,
        backoff_max_seconds=backoff_max,
    )


def test_an_idle_worker_polls_without_the_write_lock(
    busy: tuple[Store, Holder], caplog: pytest.LogCaptureFixture
) -> None:
    """With no job to claim, a poll only reads: another connection can hold the write
    lock throughout and the worker neither waits for it nor logs anything."""
    store, holder = busy
    caplog.set_level(logging.INFO)
    holder.take()
    try:
        for _ in range(3):
            # Asking for the lock would wait LOCK_WAIT_MS and then raise store_busy.
            assert JobWorker(store, {}, lease_seconds=30).run_once() is False
    finally:
        holder.give_back()
    assert _worker_lines(caplog) == []


def test_a_busy_store_is_one_line_per_episode_and_the_job_still_finishes(
    busy: tuple[Store, Holder], caplog: pytest.LogCaptureFixture
) -> None:
    """Two episodes: the lock is held when the worker would claim the job, and again
    between two of its steps, each for longer than several retries. Each episode logs
    one warning naming the database's own cause and no traceback; the job then
    finishes with every item applied once."""
    store, holder = busy
    caplog.set_level(logging.INFO)
    total = STEP_ITEMS + 50

    def items(_store: Store, job: JobRecord) -> Iterator[tuple[str, Any]]:
        for n in range(job.params["items"]):
            if n == STEP_ITEMS:  # the first step committed: hold the lock before the next
                holder.hold_for(1.0)
            yield "items", n

    worker = quick_worker(store, items, lease=30, backoff_max=0.2)
    job = _queue(store, total)
    holder.hold_for(1.0)
    _run_until(worker, lambda: _job(store, job.id).status in ("done", "failed"))
    finished = _job(store, job.id)
    assert (finished.status, finished.done, finished.total, finished.failed) == (
        "done", total, total, 0,
    )  # fmt: skip
    lines = _worker_lines(caplog)
    assert [r.levelno for r in lines] == [logging.WARNING, logging.WARNING], [
        r.getMessage() for r in lines
    ]
    for line in lines:
        assert line.exc_info is None
        message = line.getMessage()
        assert CAUSE[holder.backend] in message
        assert "Traceback" not in message
    if holder.backend == "sqlite":
        assert "another connection" in lines[0].getMessage()


def test_an_unexpected_failure_logs_its_traceback_once(
    busy: tuple[Store, Holder], caplog: pytest.LogCaptureFixture
) -> None:
    """A job whose input crashes at every attempt (claimed again each time its short
    lease passes) is logged once with its traceback, then retried quietly."""
    store, _ = busy
    caplog.set_level(logging.INFO)
    attempts = 0

    def items(_store: Store, _job: JobRecord) -> Iterator[tuple[str, Any]]:
        nonlocal attempts
        attempts += 1
        raise RuntimeError("the input store is unreadable")
        yield  # a generator, as real item sources are

    worker = quick_worker(store, items, lease=0.05, backoff_max=0.1)
    _queue(store, 1)
    _run_until(worker, lambda: attempts >= 4)
    assert attempts >= 4
    lines = _worker_lines(caplog)
    assert len(lines) == 1, [r.getMessage() for r in lines]
    assert lines[0].levelno == logging.ERROR
    assert lines[0].exc_info is not None
    assert isinstance(lines[0].exc_info[1], RuntimeError)
