"""Resolve as of a moment (ADR 0025) beside a current resolve, on the loaded store: p50
and p99 of `GET /v1/resolve?...&as_of=<time>` against the same resolve without it, the
two taking turns run by run. One connection, so the percentiles are service times.

The moment is after the last event, so every identifier of the loaded set answers (a
moment before it was linked would answer a quick 404): the whole as-of path runs each
time, the time mapped to its event, the identifier's version, the profile folded from
its events and its identifiers then. The target: p99 at most twice the current one's.
"""

from __future__ import annotations

from typing import Final

from bench import wrk
from bench.context import Context, human
from bench.data import NAMESPACE
from bench.figures import Figure, Goal, Target
from bench.servers import ADMIN_KEY

# Later than any event of the run: the newest moment, reached through the time index.
AS_OF: Final = "&as_of=2999-01-01T00:00:00Z"


def run(ctx: Context) -> list[Figure]:
    s, name = ctx.sizes, ctx.backend.name
    c = s.latency_connections
    note = f"wrk --latency, {c} connection(s), {s.wrk_seconds} s a run, turns taken"
    store = ctx.loaded()

    def measure(query: str, seconds: int) -> wrk.WrkResult:
        args = [ADMIN_KEY, NAMESPACE, str(store.size), query]
        base = store.server.base
        return wrk.run(base, "resolve.lua", args, seconds=seconds, connections=c, latency=True)

    kinds = {"now": "", "as_of": AS_OF}
    if s.warmup_seconds:
        for query in kinds.values():
            measure(query, s.warmup_seconds)
    p50: dict[str, list[float]] = {k: [] for k in kinds}
    p99: dict[str, list[float]] = {k: [] for k in kinds}
    for run_no in range(1, s.runs + 1):
        for kind, query in kinds.items():
            got = measure(query, s.wrk_seconds)
            p50[kind].append(got.p50_ms)
            p99[kind].append(got.p99_ms)
        ctx.say(
            f"as_of run {run_no}: "
            + ", ".join(f"{k} p50 {p50[k][-1]:.2f} ms p99 {p99[k][-1]:.2f} ms" for k in kinds)
        )
    size = human(store.size)
    return [
        Figure(
            f"as_of.{pct}.{size}",
            f"resolve as_of {pct}, {size} in store",
            name,
            "ms",
            aka_runs=runs["as_of"],
            floor_label=f"current resolve {pct}, same store",
            floor_runs=runs["now"],
            target=Target(Goal.RATIO_AT_MOST, 2.0) if pct == "p99" else None,
            note=note,
        )
        for pct, runs in (("p50", p50), ("p99", p99))
    ]
