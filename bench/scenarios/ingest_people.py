"""The realistic ingest (bench/people.py): `people` people, 2-3 identifiers each, ~1%
conflicting, into an empty store through `POST /v1/batch` and through `aka import`.

The figure is identifiers stored per second (people per second beside it). Each path
is measured beside two floors taken in the same run:
- aka's own rows: after the run, exactly the rows aka wrote are read back and written
  raw into a fresh, migrated aka schema in the transactions aka used
  (bench/aka_rows.py), so the floor follows whatever aka writes;
- the scratch table: the same identifiers into a one-index table, in as many
  transactions as aka used (the `ingest` scenario's floor).

Every run is checked before it counts: each planned conflict refused, nothing else
refused, and the store holding exactly the identifiers of the accepted rows.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from bench import aka_cli, aka_rows
from bench.aka_rows import Written
from bench.backends import Database
from bench.context import Context, human
from bench.errors import BenchError
from bench.figures import Figure, Goal, Status, Target, unavailable
from bench.people import Key, People, transactions

# The targets (issue 13), identifiers per second: (batch, import).
TARGETS: Final = {"sqlite": (50_000, 40_000), "postgres": (30_000, 30_000)}


@dataclass
class _Way:
    """One way in (batch or import): its figures, filled run by run."""

    ids: Figure  # identifiers/s beside the floor of aka's own rows; the target
    scratch: Figure  # the same runs beside the scratch-table floor
    people: Figure  # people (rows) per second

    def all(self) -> list[Figure]:
        return [self.ids, self.scratch, self.people]


def _way(ctx: Context, scenario: str, label: str, per_tx: int, target: int, note: str) -> _Way:
    name = ctx.backend.name
    floor = f"aka's own rows raw into aka's schema ({ctx.backend.raw_write}), {per_tx:,} people/tx"
    return _Way(
        ids=Figure(
            scenario,
            label,
            name,
            "ids/s",
            floor_label=floor,
            target=Target(Goal.AT_LEAST, target, "ids/s"),
            note=note,
        ),
        scratch=Figure(f"{scenario}.scratch", label, name, "ids/s", note=note),
        people=Figure(f"{scenario}.people", f"{label}, people", name, "people/s", note=note),
    )


def run(ctx: Context) -> list[Figure]:
    s, name = ctx.sizes, ctx.backend.name
    people = ctx.datasets.people(s.people)
    n = human(s.people)
    batch_target, import_target = TARGETS[name]
    batch = _way(
        ctx,
        "ingest-people.batch",
        f"ingest {n} people via POST /v1/batch ({s.people_per_request:,} creates/request)",
        s.people_per_request,
        batch_target,
        "one request in flight; bodies encoded before the clock starts",
    )
    imported = _way(
        ctx,
        "ingest-people.import",
        f"ingest {n} people via aka import (--chunk-size {s.people_import_chunk:,})",
        s.people_import_chunk,
        import_target,
        "wall clock of the whole process, interpreter start included",
    )
    rss = Figure("ingest-people.import.rss", f"aka import peak RSS, {n} people", name, "MB")
    if not aka_cli.import_available():
        why = "this checkout has no `aka import` command yet"
        imported = _Way(*(unavailable(f.scenario, f.label, name, why) for f in imported.all()))
        rss = unavailable(rss.scenario, rss.label, name, why)
    ctx.say(
        f"ingest-people: {s.people:,} people, {people.accepted_identifiers:,} identifiers "
        f"to store, {people.refused:,} rows to refuse"
    )
    importing = imported.ids.status is Status.OK
    for run_no in range(1, s.runs + 1):
        _batch_run(ctx, people, batch, run_no)
        if importing:
            try:
                _import_run(ctx, people, imported, rss, run_no)
            except BenchError as exc:  # the batch figures still stand
                importing = False
                for f in (*imported.all(), rss):
                    f.status, f.note = Status.ERROR, str(exc)
                ctx.say(f"ingest-people run {run_no}: aka import FAILED: {exc}")
    return [*batch.all(), *imported.all(), rss]


def _batch_run(ctx: Context, people: People, way: _Way, run_no: int) -> None:
    s = ctx.sizes
    bodies = ctx.datasets.people_bodies(people.n, s.people_per_request)
    with ctx.backend.database("people-raw") as fresh:
        aka_cli.prepare_store(fresh.url)
        with ctx.store("people") as store:
            before = ctx.backend.table_counts(store.db)
            seconds, answers = store.aka.post_batches(bodies)
            written = aka_rows.read_written(ctx.backend, store.db, before=before)
        refused = {p: a.code for p, a in enumerate(answers) if a.status != 201}
        if len(answers) != people.n:
            raise BenchError(f"{len(answers)} batch answers for {people.n} operations")
        _check_refused(people, refused, "POST /v1/batch")
        _check_store(people, written)
        codes = Counter(str(code) for code in refused.values())
        _record(ctx, people, way, seconds, written, fresh, s.people_per_request, run_no)
        way.ids.details.setdefault("refused_codes", []).append(dict(codes))
        ctx.say(f"ingest-people run {run_no}: batch refusals by code {dict(codes)}")


def _import_run(ctx: Context, people: People, way: _Way, rss: Figure, run_no: int) -> None:
    s = ctx.sizes
    rejects = ctx.log("people-import-rejects").with_suffix(".jsonl")
    with ctx.backend.database("people-raw") as fresh:
        aka_cli.prepare_store(fresh.url)
        with ctx.backend.database("people-import") as db:
            aka_cli.prepare_store(db.url)
            before = ctx.backend.table_counts(db)
            done = aka_cli.timed_import(
                db.url,
                people.jsonl,
                chunk_size=s.people_import_chunk,
                log=ctx.log("people-import"),
                errors=rejects,
            )
            written = aka_rows.read_written(ctx.backend, db, before=before)
        summary = done.summary or {}
        if summary.get("rows") != people.n or summary.get("created") != people.accepted:
            raise BenchError(f"aka import summed up {summary}; expected {people.n} rows, "
                             f"{people.accepted} created")  # fmt: skip
        refused = _rejected_lines(rejects)
        _check_refused(people, refused, "aka import")
        _check_store(people, written)
        _record(ctx, people, way, done.seconds, written, fresh, s.people_import_chunk, run_no)
        rss.aka_runs.append(done.peak_rss_mb)
        way.ids.details.setdefault("summaries", []).append(summary)
        codes = Counter(str(code) for code in refused.values())
        way.ids.details.setdefault("refused_codes", []).append(dict(codes))
        ctx.say(
            f"ingest-people run {run_no}: import refusals by code {dict(codes)}, "
            f"peak RSS {done.peak_rss_mb:,.0f} MB"
        )


def _record(
    ctx: Context,
    people: People,
    way: _Way,
    seconds: float,
    written: Written,
    fresh: Database,
    per_tx: int,
    run_no: int,
) -> None:
    """The run's figures, then its two floors on the same rows."""
    ids = people.accepted_identifiers
    way.ids.aka_runs.append(ids / seconds)
    way.scratch.aka_runs.append(ids / seconds)
    way.people.aka_runs.append(people.n / seconds)
    count = transactions(people.n, per_tx)
    raw = aka_rows.write_raw(
        ctx.backend, fresh, written, lambda key: people.position_of(key) // per_tx, count
    )
    way.ids.floor_runs.append(ids / raw)
    way.ids.details.setdefault("rows_written", []).append(written.counts())
    rows = people.floor_rows
    label, scratch = ctx.backend.scratch_floor(rows, transactions(len(rows), count))
    way.scratch.floor_label = f"scratch table, {label} ({count:,} transactions, as aka)"
    way.scratch.floor_runs.append(scratch)
    ctx.say(
        f"ingest-people run {run_no}: {way.ids.label}: {ids / seconds:,.0f} ids/s "
        f"({people.n / seconds:,.0f} people/s); floors: aka's rows raw "
        f"{ids / raw:,.0f} ids/s ({written.rows():,} rows), scratch {scratch:,.0f} ids/s"
    )


def _rejected_lines(path: Path) -> dict[int, str]:
    """Position (0-based) -> code, from `aka import`'s error file."""
    if not path.exists():
        return {}
    found: dict[int, str] = {}
    for line in path.read_text().splitlines():
        entry = json.loads(line)
        found[int(entry["line"]) - 1] = str(entry["code"])
    return found


def _check_refused(people: People, refused: dict[int, Any], way: str) -> None:
    planned = set(people.conflicts)
    if set(refused) != planned:
        extra = sorted(set(refused) - planned)[:5]
        missed = sorted(planned - set(refused))[:5]
        raise BenchError(
            f"{way} refused {len(refused)} rows, {len(planned)} planned; refused but not "
            f"planned (first 5): {[(p, refused[p]) for p in extra]}; planned but accepted "
            f"(first 5): {missed}"
        )


def _check_store(people: People, written: Written) -> None:
    stored: set[Key] = written.identifier_keys()
    expected = people.accepted_keys
    if stored != expected:
        raise BenchError(
            f"the store holds {len(stored)} identifiers, {len(expected)} acknowledged: "
            f"{len(expected - stored)} missing, {len(stored - expected)} never acknowledged"
        )
    profiles = written.table("profiles")
    held = 0 if profiles is None else len(profiles.values)
    if held != people.accepted:
        raise BenchError(f"the store holds {held} profiles, {people.accepted} created")
