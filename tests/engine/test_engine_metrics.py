"""What the engine counts (`aka.metrics`), on every backend: a command once its
transaction commits, or once it is refused; nothing for a dry run; a background job's
items as its steps commit; the job queue as the database holds it; the pool's
connections in use."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from aka.config import Settings
from aka.core.errors import AkaError, Code
from aka.core.ports import JobRecord, Store
from aka.engine import job_worker
from aka.engine.job_worker import JobKind, JobWorker
from aka.engine.runtime import Runtime
from aka.metrics import Metrics
from aka.service import jobs
from aka.service.commands import Command
from aka.service.graph_commands import CreateProfile
from aka.storage.sql_store import SqlStore
from tests.backends import sql_backend_params
from tests.engine.conftest import WS
from tests.metrics_scrape import samples, value

pytestmark = pytest.mark.anyio

OPERATIONS = "aka_graph_operations_total"


@pytest.fixture
def metrics() -> Metrics:
    return Metrics()


@pytest.fixture
def rt(store: Store, backend: str, metrics: Metrics) -> Runtime:
    settings = Settings(database_url="memory://")
    return Runtime(store, settings, offload=backend == "postgres", metrics=metrics)


def counted(metrics: Metrics, operation: str, outcome: str) -> float:
    seen = samples(metrics.render().decode())
    return value(seen, OPERATIONS, operation=operation, outcome=outcome)


async def test_an_ambient_transaction_counts_its_work_when_it_commits(
    rt: Runtime, metrics: Metrics
) -> None:
    """Inside a request's own transaction (an `Idempotency-Key`), an applied command
    is counted once the transaction commits, not before."""
    async with rt.transaction(WS):
        await rt.write_one(WS, CreateProfile(external_id="ann"))
        assert counted(metrics, "create_profile", "applied") == 0
    assert counted(metrics, "create_profile", "applied") == 1


async def test_a_rolled_back_transaction_counts_only_its_refusals(
    rt: Runtime, metrics: Metrics
) -> None:
    """When the request's transaction rolls back, what it applied was not applied, but
    what was refused was still refused."""

    async def failing_request() -> None:
        async with rt.transaction(WS):
            await rt.write_one(WS, CreateProfile(external_id="ann"))
            with pytest.raises(AkaError):
                await rt.write_one(WS, CreateProfile(external_id="ann"))  # taken just now
            raise RuntimeError("the request failed")

    with pytest.raises(RuntimeError):
        await failing_request()
    assert counted(metrics, "create_profile", "applied") == 0
    assert counted(metrics, "create_profile", "refused") == 1
    seen = samples(metrics.render().decode())
    refusals = value(
        seen, "aka_graph_refusals_total", operation="create_profile", code="external_id_conflict"
    )
    assert refusals == 1


async def test_a_dry_run_counts_nothing(rt: Runtime, metrics: Metrics) -> None:
    """A preview's commands are rolled back: they are no operations, applied or refused."""
    async with rt.preview(WS):
        await rt.write_one(WS, CreateProfile(external_id="ann"))
        with pytest.raises(AkaError):
            await rt.write_one(WS, CreateProfile(external_id="ann"))
    assert "create_profile" not in metrics.render().decode()


async def test_grouped_writes_count_each_command_and_each_round(
    rt: Runtime, metrics: Metrics
) -> None:
    """Group commit: every command counted once, every committed round once, with its
    number of requests."""
    outcomes = await rt.write(
        WS, [CreateProfile(external_id="a"), CreateProfile(external_id="a")], group=True
    )
    assert isinstance(outcomes[1], AkaError)
    assert counted(metrics, "create_profile", "applied") == 1
    assert counted(metrics, "create_profile", "refused") == 1
    seen = samples(metrics.render().decode())
    assert value(seen, "aka_group_commit_round_requests_count") == 1
    assert value(seen, "aka_group_commit_round_requests_sum") == 1


def _items(_: Store, job: JobRecord) -> Iterator[tuple[str, Any]]:
    yield from (("people", name) for name in job.params["names"])


def _create(_: JobRecord, __: str, item: Any) -> Command[Any]:
    if item == "":
        raise AkaError(Code.INVALID_INPUT, "an empty name", field="name")
    return CreateProfile(external_id=item)


def test_a_jobs_items_count_as_operations_when_its_step_commits(
    store: Store, metrics: Metrics
) -> None:
    """The background worker counts each item it ran as the command it stood for (an
    item that was not one: `invalid_item`, refused)."""
    now = datetime.now(UTC)
    with store.transaction(WS) as tx:
        jobs.create(tx, "people", {"names": ["ann", "bob", "ann", ""]}, now)
    worker = JobWorker(store, {"people": JobKind(_items, _create)}, 30, metrics=metrics)
    assert worker.run_once() is True
    assert counted(metrics, "create_profile", "applied") == 2
    assert counted(metrics, "create_profile", "refused") == 1
    assert counted(metrics, "invalid_item", "refused") == 1


def test_the_job_queue_is_what_the_database_holds(store: Store) -> None:
    """Waiting jobs of every workspace, and the oldest one's wait; a job a live worker
    holds is not waiting."""
    now = datetime.now(UTC)
    assert job_worker.queue(store, now) == job_worker.JobQueue(0, 0.0)
    with store.transaction(WS) as tx:
        jobs.create(tx, "k", {}, now - timedelta(seconds=90))
        jobs.create(tx, "k", {}, now - timedelta(seconds=30))
    assert job_worker.queue(store, now) == job_worker.JobQueue(2, 90.0)
    with store.transaction(WS) as tx:
        assert jobs.claim(tx, now, timedelta(seconds=60)) is not None  # the older one
    assert job_worker.queue(store, now) == job_worker.JobQueue(1, 30.0)


@pytest.mark.parametrize("backend", sql_backend_params())
def test_the_pool_gauge_follows_checkouts(store: Store, metrics: Metrics) -> None:
    """A write transaction holds one of the pool's connections while it is open."""
    assert isinstance(store, SqlStore)
    metrics.watch_pool(store.engine)
    in_use = "aka_db_pool_connections_in_use"
    with store.transaction(WS):
        assert value(samples(metrics.render().decode()), in_use) == 1
    assert value(samples(metrics.render().decode()), in_use) == 0
