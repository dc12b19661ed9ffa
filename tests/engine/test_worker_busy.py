"""The background job worker meets a store held by a large write: it waits and tries
again, logging one line, not a traceback. (Issue 12: rendering that traceback on the
event loop stalled a resolve for 2 s during a 10,000-member push on PostgreSQL.)

On the backends that have a lock wait (SQLite's busy timeout, PostgreSQL's
lock_timeout), set short here so the worker's claim of a queued job runs out while the
test holds the workspace in a write transaction. (With no job queued the worker only
reads and never meets the lock: tests/engine/test_job_worker.py.)
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path

import anyio
import pytest

from aka.core.ports import Store
from aka.engine.job_worker import JobWorker
from aka.service import admin, jobs
from aka.storage.postgres import PostgresStore
from aka.storage.sqlite import SqliteStore
from tests.backends import backend_url, sql_backend_params

pytestmark = pytest.mark.anyio

WAIT_MS = 50


@pytest.fixture(params=sql_backend_params())
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Store:
    url = backend_url(str(request.param), tmp_path)
    if request.param == "sqlite":
        return SqliteStore(url, busy_timeout_ms=WAIT_MS)
    return PostgresStore(url, lock_timeout_ms=WAIT_MS)


async def test_a_busy_store_is_waited_out_without_a_traceback(
    store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    admin.create_workspace(store, "w")
    with store.transaction("w") as tx:
        jobs.create(tx, "noop", {}, datetime.now(UTC))  # something to claim
    worker = JobWorker(store, {}, lease_seconds=30)
    caplog.set_level(logging.INFO, logger="aka.jobs")
    try:
        with store.transaction("w") as held:
            held.last_seq()  # the workspace is now this transaction's
            async with anyio.create_task_group() as tasks:
                tasks.start_soon(worker.run)
                with anyio.fail_after(10):
                    while not any(r.name == "aka.jobs" for r in caplog.records):
                        await anyio.sleep(0.01)
                await worker.stop()
    finally:
        store.close()
    lines = [r for r in caplog.records if r.name == "aka.jobs"]
    assert lines, "the worker never met the held workspace"
    # One line for the episode: a warning (the jobs are stalled), with no traceback.
    assert [(r.levelno, r.exc_info) for r in lines] == [(logging.WARNING, None)]
