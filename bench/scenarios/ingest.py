"""Ingest `ingest_rows` identifiers (one per new profile) into an empty store, through
`POST /v1/batch` and through `aka import`, against the raw database inserting the same
rows with the same rows per transaction into an empty scratch table.

Each run starts from an empty store. The last batch run's store is kept as the loaded
store of the read scenarios (they only read it, or add to it afterwards).
"""

from __future__ import annotations

from contextlib import ExitStack

from bench import aka_cli
from bench.context import Context, human
from bench.errors import BenchError
from bench.figures import Figure, Goal, Status, Target, unavailable


def _batch_run(ctx: Context, figure: Figure, adopt: bool) -> None:
    s, n = ctx.sizes, ctx.sizes.ingest_rows
    bodies = ctx.datasets.bodies(n, s.per_request)
    with ExitStack() as resources:
        store = resources.enter_context(ctx.store("ingest"))
        seconds, created, store.profile_ids = store.aka.load(bodies, keep_ids=s.link_profiles)
        ctx.check_count(store.db, n)
        store.size = created
        figure.aka_runs.append(n / seconds)
        if adopt:
            ctx.adopt(resources, store)


def _import_run(ctx: Context, speed: Figure, rss: Figure) -> None:
    s, n = ctx.sizes, ctx.sizes.ingest_rows
    path = ctx.datasets.get(n).jsonl
    with ctx.backend.database("import") as db:
        aka_cli.prepare_store(db.url)
        done = aka_cli.timed_import(db.url, path, chunk_size=s.import_chunk, log=ctx.log("import"))
        ctx.check_count(db, n)
    speed.aka_runs.append(n / done.seconds)
    speed.details.setdefault("summaries", []).append(done.summary)
    rss.aka_runs.append(done.peak_rss_mb)


def run(ctx: Context) -> list[Figure]:
    s, name = ctx.sizes, ctx.backend.name
    n = s.ingest_rows
    rows = ctx.datasets.get(n).floor_rows
    batch = Figure(
        "ingest.batch",
        f"ingest {human(n)} via POST /v1/batch ({s.per_request:,} creates/request)",
        name,
        "rows/s",
        target=Target(Goal.RATIO_AT_LEAST, 0.5),
        note="one request in flight; bodies encoded before the clock starts",
    )
    extra: dict[str, Figure] = {}  # batch beside the backend's other ingest floors
    imported = Figure(
        "ingest.import",
        f"ingest {human(n)} via aka import (--chunk-size {s.import_chunk:,})",
        name,
        "rows/s",
        target=Target(Goal.RATIO_AT_LEAST, 0.7),
        note="wall clock of the whole process, interpreter start included",
    )
    rss = Figure("memory.import", f"aka import peak RSS, {human(n)} rows", name, "MB")
    importing = aka_cli.import_available()
    if not importing:
        why = "this checkout has no `aka import` command yet"
        imported = unavailable(imported.scenario, imported.label, name, why)
        rss = unavailable(rss.scenario, rss.label, name, why)

    for run_no in range(1, s.runs + 1):
        _batch_run(ctx, batch, adopt=run_no == s.runs)
        ctx.say(f"ingest run {run_no}: batch API {batch.aka_runs[-1]:,.0f} rows/s")
        if importing:
            try:
                _import_run(ctx, imported, rss)
                ctx.say(
                    f"ingest run {run_no}: aka import {imported.aka_runs[-1]:,.0f} rows/s, "
                    f"peak RSS {rss.aka_runs[-1]:,.0f} MB"
                )
            except BenchError as exc:  # the batch figures still stand
                importing = False
                imported.status = rss.status = Status.ERROR
                imported.note = rss.note = str(exc)
                ctx.say(f"ingest run {run_no}: aka import FAILED: {exc}")

        floors = ctx.backend.ingest_floors(rows, s.per_request)
        batch.floor_label, floor = floors[0]
        batch.floor_runs.append(floor)
        ctx.say(f"ingest run {run_no}: floor {batch.floor_label}: {floor:,.0f} rows/s")
        for label, value in floors[1:]:
            fig = extra.setdefault(
                label, Figure("ingest.batch.extra", batch.label, name, "rows/s", floor_label=label)
            )
            fig.aka_runs.append(batch.aka_runs[-1])
            fig.floor_runs.append(value)
        if importing:
            same_tx = s.import_chunk == s.per_request
            chunk_floors = floors if same_tx else ctx.backend.ingest_floors(rows, s.import_chunk)
            imported.floor_label, chunk_floor = chunk_floors[0]
            imported.floor_runs.append(chunk_floor)
    return [batch, *extra.values(), imported, rss]
