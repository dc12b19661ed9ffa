"""`aka check` on stores of `check_identifiers` identifiers (bench/seed.py): the whole
process timed, interpreter start included, with its peak RSS; several runs, median.

No floor: the nearest one, the database reading the same rows, leaves out the replay
that is the check's point. The target is the issue's: 1M identifiers in under 2 minutes.
The time per identifier at each size shows whether the check stays linear.
"""

from __future__ import annotations

from bench import aka_cli
from bench.context import Context, human
from bench.figures import Figure, Goal, Target
from bench.seed import seed

TARGET_AT = 1_000_000
TARGET_SECONDS = 120


def run(ctx: Context) -> list[Figure]:
    figures: list[Figure] = []
    for n in ctx.sizes.check_identifiers:
        figures += _at(ctx, n)
    return figures


def _at(ctx: Context, n: int) -> list[Figure]:
    s, name = ctx.sizes, ctx.backend.name
    seconds = Figure(
        "check.seconds",
        f"aka check, {human(n)} identifiers",
        name,
        "s",
        target=Target(Goal.BELOW, TARGET_SECONDS, "s") if n == TARGET_AT else None,
        note="wall clock of the whole process, interpreter start included",
    )
    cpu = Figure(
        "check.cpu",
        f"aka check CPU time (user + system), {human(n)} identifiers",
        name,
        "s",
        note="the process's own CPU: what a busy machine stretches least (no target)",
    )
    rss = Figure("check.rss", f"aka check peak RSS, {human(n)} identifiers", name, "MB")
    with ctx.backend.database("check") as db:
        aka_cli.prepare_store(db.url)
        ctx.say(f"check: seeding {human(n)} identifiers")
        seeded = seed(ctx.backend, db, n)
        ctx.check_count(db, seeded.identifiers // 2, namespace="email")
        seconds.details["seeded"] = {
            "identifiers": seeded.identifiers,
            "profiles": seeded.profiles,
            "memberships": seeded.memberships,
            "events": seeded.events,
        }
        for run_no in range(1, s.runs + 1):
            done = aka_cli.timed_check(db.url, log=ctx.log(f"check-{human(n)}"))
            seconds.aka_runs.append(done.seconds)
            cpu.aka_runs.append(done.cpu_seconds)
            rss.aka_runs.append(done.peak_rss_mb)
            ctx.say(
                f"check run {run_no}: {human(n)} identifiers in {done.seconds:,.1f} s "
                f"({1e6 * done.seconds / n:,.1f} µs an identifier; CPU "
                f"{done.cpu_seconds:,.1f} s), peak RSS {done.peak_rss_mb:,.0f} MB"
            )
    return [seconds, cpu, rss]
