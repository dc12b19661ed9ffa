"""Prometheus metrics: what is measured, where it is kept, and the scrape's text.

One `Metrics` per app (`aka.app.build_app`), reached by the engine through the
`Runtime` and by the wire through what the app hands it. What is counted where
(docs/adr/0028-metrics.md):
- requests: one histogram observation per request, in the request log (`http/request_log`),
  labelled by door, method, route *template* and status;
- graph operations: once per command, by the engine, when the transaction that ran it
  committed or when it was refused (`engine/runtime.py`, `engine/job_worker.py`);
- group-commit rounds: once per committed round (`engine/group_commit.py`);
- rate-limit refusals: once per refused request (`http/ratelimit.py`);
- the database pool: on each checkout and checkin of the primary's pool (`watch_pool`);
- the job queue: read from the database at scrape time (`engine/job_worker.queue`).

Nothing is measured per identifier, and every label takes values from a fixed set
(doors, route templates, command classes, error codes), so the series stay bounded.

Under `aka serve` the values live in prometheus_client's multiprocess files
(`PROMETHEUS_MULTIPROC_DIR`, a fresh directory per server run: `multiprocess_dir`), so
a scrape answered by any worker sums every worker. Without it (tests, one process),
each app has its own registry.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Final

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client import values as prometheus_values
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector, mark_process_dead

from aka.core.errors import GUARDRAILS, AkaError

__all__ = [
    "CONTENT_TYPE",
    "MULTIPROC_ENV",
    "JobQueue",
    "Metrics",
    "NullMetrics",
    "multiprocess_dir",
    "operation_outcomes",
]

MULTIPROC_ENV: Final = "PROMETHEUS_MULTIPROC_DIR"
CONTENT_TYPE: Final = "text/plain; version=0.0.4; charset=utf-8"

# Most requests take well under a millisecond (docs/performance.md); the default
# buckets (5 ms up) would put nearly all of them in the first one.
LATENCY_BUCKETS: Final = (
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
)  # fmt: skip
ROUND_SIZE_BUCKETS: Final = (1, 2, 4, 8, 16, 32, 64, 128, 256)  # MAX_BATCH_OPERATIONS
ROUND_BUCKETS: Final = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0)

APPLIED: Final = "applied"
REFUSED: Final = "refused"
FAILED: Final = "failed"  # not a refusal: the store failed, or a bug


def multiprocess_dir() -> str | None:
    """The directory the workers share their values in, when one is set."""
    return os.environ.get(MULTIPROC_ENV) or None


@contextmanager
def shared_values_dir() -> Iterator[str]:
    """`aka serve`: a fresh, empty directory for this server run's values, named in
    `PROMETHEUS_MULTIPROC_DIR` for the workers it starts, and removed when the server
    stops (values of an earlier run must not be summed into this one's)."""
    path = tempfile.mkdtemp(prefix="aka-metrics-")
    before = os.environ.get(MULTIPROC_ENV)
    os.environ[MULTIPROC_ENV] = path
    try:
        yield path
    finally:
        if before is None:
            os.environ.pop(MULTIPROC_ENV, None)
        else:
            os.environ[MULTIPROC_ENV] = before
        shutil.rmtree(path, ignore_errors=True)


def _multiprocess_values() -> None:
    """prometheus_client picks where values live when it is first imported. `aka serve`
    imports it before it names the directory, and granian's workers are forked from
    it, so a worker that finds the directory set makes sure new metrics are kept there."""
    if not getattr(prometheus_values.ValueClass, "_multiprocess", False):
        prometheus_values.ValueClass = prometheus_values.MultiProcessValue()  # type: ignore[no-untyped-call]


def operation_outcomes(outcomes: Sequence[object]) -> Iterator[tuple[str, str | None]]:
    """(outcome, refusal code) of each command's result."""
    for outcome in outcomes:
        if isinstance(outcome, AkaError):
            yield REFUSED, outcome.code.value
        elif isinstance(outcome, BaseException):
            yield FAILED, None
        else:
            yield APPLIED, None


@dataclass(frozen=True, slots=True)
class JobQueue:
    """Background jobs waiting to run, across workspaces, as read at scrape time."""

    waiting: int
    oldest_seconds: float  # how long the oldest waiting job has waited (0: none waits)


class Metrics:
    """The metrics of one app. Each method is what one place of the code counts."""

    enabled: bool = True

    def __init__(self) -> None:
        shared = multiprocess_dir() is not None
        if shared:
            _multiprocess_values()
        # `_created` series exist in one process only (multiprocess mode has none): the
        # same names whichever way the server runs.
        disable_created_metrics()  # type: ignore[no-untyped-call]
        # Shared: values go to the files, and a scrape reads them all (`render`); else
        # this app's own registry, so two apps in one process (tests) never mix.
        self.registry: CollectorRegistry | None = None if shared else CollectorRegistry()
        own = self.registry
        self.requests = Histogram(
            "aka_http_request_duration_seconds",
            "Requests by door, method, route template and status, and how long they took "
            "(`_count` is the number of requests).",
            ("door", "method", "route", "status"),
            buckets=LATENCY_BUCKETS,
            registry=own,
        )
        self.operations = Counter(
            "aka_graph_operations",
            "Graph writes (commands) by operation and outcome: applied (committed), "
            "refused (an error code, see aka_graph_refusals_total) or failed.",
            ("operation", "outcome"),
            registry=own,
        )
        self.refusals = Counter(
            "aka_graph_refusals",
            "Graph writes refused, by operation and error code.",
            ("operation", "code"),
            registry=own,
        )
        self.guardrails = Counter(
            "aka_guardrail_hits",
            "Graph writes a guardrail refused: merge_both_identified (needs force), "
            "namespace_limit (identifiers per namespace), value_blocked.",
            ("guardrail",),
            registry=own,
        )
        self.round_sizes = Histogram(
            "aka_group_commit_round_requests",
            "Requests one group-commit round committed together.",
            buckets=ROUND_SIZE_BUCKETS,
            registry=own,
        )
        self.round_seconds = Histogram(
            "aka_group_commit_round_duration_seconds",
            "How long a committed group-commit round took, from its start to its commit.",
            buckets=ROUND_BUCKETS,
            registry=own,
        )
        self.rate_limited_requests = Counter(
            "aka_rate_limited",
            "Requests refused with 429 by a rate limit, by door and endpoint group.",
            ("door", "group"),
            registry=own,
        )
        self.pool_in_use = Gauge(
            "aka_db_pool_connections_in_use",
            "Connections of the primary database's pool checked out now (every worker).",
            multiprocess_mode="livesum",
            registry=own,
        )
        # Label children by their values, so that the hot path skips `labels()` (its
        # lock and string checks: ~1 µs each, measured).
        self._requests: dict[tuple[str | None, str, str | None, int], Any] = {}
        self._operations: dict[tuple[str, str], Any] = {}
        self._job_queue: Callable[[], JobQueue] | None = None

    # --- counted on the hot path: children cached, so each is one or two adds ------
    def request(
        self, door: str | None, method: str, route: str | None, status: int, seconds: float
    ) -> None:
        key = (door, method, route, status)
        child = self._requests.get(key)
        if child is None:
            child = self._requests[key] = self.requests.labels(
                door or "none", method, route or "unmatched", str(status)
            )
        child.observe(seconds)

    def committed(self, operations: Sequence[str], outcomes: Sequence[object]) -> None:
        """Each command's outcome, once its transaction committed (or it was refused)."""
        for operation, (outcome, code) in zip(
            operations, operation_outcomes(outcomes), strict=True
        ):
            child = self._operations.get((operation, outcome))
            if child is None:
                child = self._operations[operation, outcome] = self.operations.labels(
                    operation, outcome
                )
            child.inc()
            if code is not None:  # rare: the labels are looked up each time
                self.refusals.labels(operation, code).inc()
                if code in GUARDRAILS:
                    self.guardrails.labels(code).inc()

    def round(self, requests: int, seconds: float) -> None:
        self.round_sizes.observe(requests)
        self.round_seconds.observe(seconds)

    def rate_limited(self, door: str, group: str) -> None:
        self.rate_limited_requests.labels(door, group).inc()

    def watch_pool(self, engine: Any) -> None:
        """Keep `aka_db_pool_connections_in_use` as the engine's pool checks out and in."""
        from sqlalchemy import event  # noqa: PLC0415 - only SQL stores have a pool

        pool = engine.pool
        gauge = self.pool_in_use

        # Counted, not read from the pool: at "checkin" the pool still counts the
        # connection as out. A checkout a listener refused (a dead connection,
        # `postgres.ping_when_idle`) never reaches this one, nor its checkin.
        def out(*_: Any) -> None:
            gauge.inc()

        def back(*_: Any) -> None:
            gauge.dec()

        event.listen(pool, "checkout", out)
        event.listen(pool, "checkin", back)

    def read_job_queue(self, reader: Callable[[], JobQueue]) -> None:
        """Where the scrape reads the job queue from (the database, at scrape time)."""
        self._job_queue = reader

    def job_queue(self) -> JobQueue | None:
        """The job queue now (a blocking read: the caller runs it off the loop)."""
        return None if self._job_queue is None else self._job_queue()

    # --- the scrape ------------------------------------------------------------------
    def render(self, queue: JobQueue | None = None) -> bytes:
        """The text exposition of everything, every worker's values summed."""
        if self.registry is None:
            _forget_dead_workers()
            registry = CollectorRegistry()
            MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        else:
            registry = CollectorRegistry()
            registry.register(_Of(self.registry))
        if queue is not None:
            registry.register(_JobQueueNow(queue))
        return generate_latest(registry)


_LIVE_GAUGE = re.compile(r"gauge_live\w+_(\d+)\.db")


def _forget_dead_workers() -> None:
    """A worker granian restarted left its live gauges' file (its pool's connections,
    gone with it): removed here, at scrape time, as prometheus_client's
    `mark_process_dead` would be from a hook granian does not offer. Its counters stay:
    what it counted happened."""
    path = multiprocess_dir()
    if path is None:
        return
    for name in os.listdir(path):
        found = _LIVE_GAUGE.fullmatch(name)
        if found is None:
            continue
        pid = int(found.group(1))
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            mark_process_dead(pid, path)  # type: ignore[no-untyped-call]
        except PermissionError:  # alive, someone else's
            continue


class NullMetrics(Metrics):
    """`AKA_METRICS=off`: nothing is measured (each method returns at once)."""

    enabled = False

    def __init__(self) -> None:  # no metric objects, no files
        pass

    def request(self, *_: Any) -> None:
        return

    def committed(self, *_: Any) -> None:
        return

    def round(self, *_: Any) -> None:
        return

    def rate_limited(self, *_: Any) -> None:
        return

    def watch_pool(self, *_: Any) -> None:
        return

    def read_job_queue(self, *_: Any) -> None:
        return

    def job_queue(self) -> JobQueue | None:
        return None

    def render(self, queue: JobQueue | None = None) -> bytes:  # noqa: ARG002 - never served
        return b""


NULL: Final[Metrics] = NullMetrics()


class _Of:
    """One registry's metrics, collected inside another."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.registry = registry

    def collect(self) -> Any:
        return self.registry.collect()


class _JobQueueNow:
    def __init__(self, queue: JobQueue) -> None:
        self.queue = queue

    def collect(self) -> Any:
        yield GaugeMetricFamily(
            "aka_jobs_waiting",
            "Background jobs (Coveo batch files) waiting for a worker, every workspace.",
            value=self.queue.waiting,
        )
        yield GaugeMetricFamily(
            "aka_jobs_oldest_waiting_seconds",
            "How long the oldest waiting background job has waited (0 when none waits).",
            value=self.queue.oldest_seconds,
        )
