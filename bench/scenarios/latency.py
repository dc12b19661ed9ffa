"""Resolve latency (p50, p99) as the store grows: `small_store` identifiers, the loaded
store, and with --large a third. One connection, so the percentiles are service times
rather than queueing; the small store's figures stand beside the bare ASGI app's, the
larger stores' beside the small store's (the target: p99 grows by at most 30%)."""

from __future__ import annotations

from contextlib import ExitStack

from bench import wrk
from bench.context import Context, Store, human
from bench.data import NAMESPACE
from bench.figures import Figure, Goal, Target
from bench.servers import ADMIN_KEY


def run(ctx: Context) -> list[Figure]:
    s, name = ctx.sizes, ctx.backend.name
    c = s.latency_connections
    note = f"wrk --latency, {c} connection(s), {s.wrk_seconds} s a run"
    with ExitStack() as resources:
        small = resources.enter_context(ctx.store("small", load=s.small_store))
        stores = [small, ctx.loaded()]
        if s.large_store:
            stores.append(resources.enter_context(ctx.store("large", load=s.large_store)))
        bare = ctx.bare()

        def measure(base: str, size: int, seconds: int) -> wrk.WrkResult:
            args = [ADMIN_KEY, NAMESPACE, str(size)]
            return wrk.run(base, "resolve.lua", args, seconds=seconds, connections=c, latency=True)

        targets: list[tuple[str, Store | None]] = [("bare", None)] + [
            (human(st.size), st) for st in stores
        ]
        if s.warmup_seconds:
            for _, st in targets:
                base = st.server.base if st else bare.base
                measure(base, st.size if st else small.size, s.warmup_seconds)
        p50: dict[str, list[float]] = {k: [] for k, _ in targets}
        p99: dict[str, list[float]] = {k: [] for k, _ in targets}
        for run_no in range(1, s.runs + 1):
            for key, st in targets:
                base = st.server.base if st else bare.base
                got = measure(base, st.size if st else small.size, s.wrk_seconds)
                p50[key].append(got.p50_ms)
                p99[key].append(got.p99_ms)
            ctx.say(
                f"latency run {run_no}: "
                + ", ".join(f"{k} p50 {p50[k][-1]:.2f} ms p99 {p99[k][-1]:.2f} ms" for k in p50)
            )

    base_key = human(small.size)
    figures = [
        Figure(
            f"latency.{pct}.{base_key}",
            f"resolve {pct}, {base_key} in store",
            name,
            "ms",
            aka_runs=runs[base_key],
            floor_label=f"bare ASGI app {pct}",
            floor_runs=runs["bare"],
            note=note,
        )
        for pct, runs in (("p50", p50), ("p99", p99))
    ]
    for st in stores[1:]:
        key = human(st.size)
        for pct, runs in (("p50", p50), ("p99", p99)):
            figures.append(
                Figure(
                    f"latency.{pct}.{key}",
                    f"resolve {pct}, {key} in store",
                    name,
                    "ms",
                    aka_runs=runs[key],
                    floor_label=f"aka {pct} with {base_key} in store",
                    floor_runs=runs[base_key],
                    target=Target(Goal.RATIO_AT_MOST, 1.3) if pct == "p99" else None,
                    note=note,
                )
            )
    return figures
