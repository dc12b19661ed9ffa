"""Resolve throughput: `GET /v1/resolve` for random identifiers of the loaded store,
from `connections` concurrent wrk connections, against the bare ASGI app under the
same granian with the same workers, sent the very same requests."""

from __future__ import annotations

from bench import wrk
from bench.context import Context, human
from bench.data import NAMESPACE, value
from bench.figures import Figure, Goal, Target
from bench.servers import ADMIN_KEY


def run(ctx: Context) -> list[Figure]:
    s = ctx.sizes
    store, bare = ctx.loaded(), ctx.bare()
    store.aka.resolve(NAMESPACE, value(store.size - 1))  # the keys wrk asks for exist
    args = [ADMIN_KEY, NAMESPACE, str(store.size)]
    fig = Figure(
        "resolve.throughput",
        f"resolve over HTTP, {s.connections} connections, {human(store.size)} in store",
        ctx.backend.name,
        "req/s",
        floor_label=f"bare ASGI app, same granian, {ctx.workers} worker(s)",
        target=Target(Goal.RATIO_AT_LEAST, 0.4),
        note=f"wrk, {s.wrk_seconds} s a run after a {s.warmup_seconds} s warm-up",
    )

    def measure(base: str, seconds: int) -> float:
        return wrk.run(
            base, "resolve.lua", args, seconds=seconds, connections=s.connections
        ).per_second

    if s.warmup_seconds:
        measure(store.server.base, s.warmup_seconds)
        measure(bare.base, s.warmup_seconds)
    for run_no in range(1, s.runs + 1):
        fig.aka_runs.append(measure(store.server.base, s.wrk_seconds))
        fig.floor_runs.append(measure(bare.base, s.wrk_seconds))
        ctx.say(
            f"resolve run {run_no}: aka {fig.aka_runs[-1]:,.0f} req/s, "
            f"bare {fig.floor_runs[-1]:,.0f} req/s"
        )
    return [fig]
