"""Peak RSS of `aka import` on `big_import_rows` rows (the 10M figure; the 1M one comes
from the ingest scenario's imports). Each run is one child process measured alone."""

from __future__ import annotations

from bench import aka_cli
from bench.context import Context, human
from bench.figures import Figure, Goal, Target, unavailable


def run(ctx: Context) -> list[Figure]:
    s, name = ctx.sizes, ctx.backend.name
    n = s.big_import_rows
    rss = Figure(
        "memory.import.big",
        f"aka import peak RSS, {human(n)} rows",
        name,
        "MB",
        target=Target(Goal.BELOW, 300, "MB"),
        note=f"{s.big_import_runs} run(s): a {human(n)} import takes minutes",
    )
    speed = Figure(
        "ingest.import.big",
        f"ingest {human(n)} via aka import (--chunk-size {s.import_chunk:,})",
        name,
        "rows/s",
        note=rss.note + "; no floor (it would hold all rows in the bench's memory)",
    )
    if not aka_cli.import_available():
        why = "this checkout has no `aka import` command yet"
        return [unavailable(rss.scenario, rss.label, name, why)]
    path = ctx.datasets.get(n).jsonl
    for run_no in range(1, s.big_import_runs + 1):
        with ctx.backend.database("import-big") as db:
            aka_cli.prepare_store(db.url)
            done = aka_cli.timed_import(
                db.url, path, chunk_size=s.import_chunk, log=ctx.log("import-big")
            )
            ctx.check_count(db, n)
        rss.aka_runs.append(done.peak_rss_mb)
        speed.aka_runs.append(n / done.seconds)
        speed.details.setdefault("summaries", []).append(done.summary)
        ctx.say(
            f"memory run {run_no}: {human(n)} rows, {n / done.seconds:,.0f} rows/s, "
            f"peak RSS {done.peak_rss_mb:,.0f} MB"
        )
    return [rss, speed]
