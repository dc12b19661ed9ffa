"""Resolve served by a read replica, beside the same resolves served by the primary.

A PostgreSQL primary and its streaming replica of their own (`bench/pg_pair.py`, the
pair the read-replica tests use) hold the same loaded store; two `aka serve` processes
answer the very same wrk requests (`GET /v1/resolve`, no `Aka-Min-Seq`): one with
`AKA_READ_DATABASE_URL` naming the replica, one on the primary alone. The floor is the
primary-only server: the figure says what moving reads to a replica costs or gains on
one machine (both clusters share its cores, so it shows the path's overhead, not the
capacity a second machine adds). PostgreSQL only.
"""

from __future__ import annotations

from collections.abc import Callable

from bench import wrk
from bench.client import Aka
from bench.context import Context, human
from bench.data import NAMESPACE, batch_bodies, value
from bench.figures import Figure, Goal, Target, unavailable
from bench.pg_pair import PairUnavailable, pg_pair
from bench.servers import ADMIN_KEY, aka_server

SCENARIO = "resolve.replica"


def run(ctx: Context) -> list[Figure]:
    s = ctx.sizes
    label = f"resolve over HTTP served by a read replica, {s.connections} connections"
    if ctx.backend.name != "postgres":
        return [unavailable(SCENARIO, label, ctx.backend.name, "read replicas are PostgreSQL's")]
    try:
        with pg_pair() as pair:
            return [_measure(ctx, pair.create_database("aka_bench_replica"), pair.wait_caught_up)]
    except PairUnavailable as why:
        return [unavailable(SCENARIO, label, ctx.backend.name, str(why))]


def _measure(ctx: Context, urls: tuple[str, str], caught_up: Callable[[], None]) -> Figure:
    s = ctx.sizes
    primary_url, replica_url = urls
    n = s.ingest_rows
    workers, per_request = ctx.workers, s.per_request
    with aka_server(
        primary_url,
        workers=workers,
        per_request=per_request,
        log=ctx.log("serve-replica-primary"),
    ) as primary:
        ctx.say(f"loading {human(n)} identifiers into the replicated store")
        loader = Aka(primary.base)
        try:
            loader.load(batch_bodies(ctx.datasets.get(n).order, s.per_request))
            loader.resolve(NAMESPACE, value(n - 1))  # the keys wrk asks for exist
        finally:
            loader.close()
        caught_up()
        replicated = aka_server(
            primary_url,
            log=ctx.log("serve-replica-replica"),
            extra={"AKA_READ_DATABASE_URL": replica_url},
            workers=workers,
            per_request=per_request,
        )
        with replicated as reading:
            fig = Figure(
                SCENARIO,
                f"resolve over HTTP served by a read replica, {s.connections} connections,"
                f" {human(n)} in store",
                ctx.backend.name,
                "req/s",
                floor_label="the same resolves served by the primary alone",
                target=Target(Goal.RATIO_AT_LEAST, 0.8),
                note=f"wrk, {s.wrk_seconds} s a run after a {s.warmup_seconds} s warm-up;"
                " primary and replica on this one machine",
            )
            args = [ADMIN_KEY, NAMESPACE, str(n)]

            def measure(base: str, seconds: int) -> float:
                return wrk.run(
                    base, "resolve.lua", args, seconds=seconds, connections=s.connections
                ).per_second

            if s.warmup_seconds:
                measure(reading.base, s.warmup_seconds)
                measure(primary.base, s.warmup_seconds)
            for run_no in range(1, s.runs + 1):
                fig.aka_runs.append(measure(reading.base, s.wrk_seconds))
                fig.floor_runs.append(measure(primary.base, s.wrk_seconds))
                ctx.say(
                    f"resolve-replica run {run_no}: replica {fig.aka_runs[-1]:,.0f} req/s, "
                    f"primary {fig.floor_runs[-1]:,.0f} req/s"
                )
    return fig
