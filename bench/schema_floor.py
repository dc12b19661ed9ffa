"""aka's own rows written raw into aka's schema, at two schema revisions side by side.

What the schema's indexes cost a write, apart from any of aka's code: for each
identifier, the rows aka's bulk path writes (a profile, an identifier and two events,
`profile.created` and `identifier.linked`), `--rows` identifiers in transactions of
`--per-tx`, into a store migrated to `--before` and into one migrated to head. SQLite
through `executemany` with aka's pragmas, PostgreSQL through COPY (as aka's bulk path
writes there) of text encoded before the clock starts. The two revisions take turns,
run after run, so a noisy neighbour on a shared machine weighs on both alike; medians
are printed, with each index's size after the last run.

    .venv/bin/python -m bench.schema_floor --rows 200000 --runs 5

(ADR 0013 records what this printed when the partial indexes came in.)
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
import uuid_utils
from psycopg import sql

from aka.core.settings import WorkspaceSettings
from aka.storage import migrate
from aka.storage.postgres import PostgresStore
from aka.storage.sql_store import SqlStore
from aka.storage.sqlite import SqliteStore
from bench.data import NAMESPACE, WORKSPACE, shuffled, value
from bench.postgres_backend import DEFAULT_URL, with_database
from bench.sqlite_backend import connect as sqlite_connect

# The revision before the partial indexes (2026_12_06_b8d7ca4ba4a7_partial_indexes).
BEFORE = "8c3f2a6d9e14"

_PROFILE_COLUMNS = "workspace_id, id, external_id, attributes, merged_into, created_at, updated_at"
_IDENTIFIER_COLUMNS = (
    "workspace_id, namespace, value, profile_id, kind, is_primary, disabled, attributes,"
    " created_at, seq"
)
_EVENT_COLUMNS = (
    "workspace_id, seq, type, profile_id, other_profile_id, ref_seq, actor, at, payload"
)
_TABLES = (
    ("profiles", _PROFILE_COLUMNS),
    ("identifiers", _IDENTIFIER_COLUMNS),
    ("events", _EVENT_COLUMNS),
)

Rows = dict[str, list[tuple[Any, ...]]]  # table -> rows, for one transaction


@dataclass
class Result:
    """One backend at one revision: identifiers per second of each run, index sizes."""

    runs: list[float] = field(default_factory=list)
    index_kib: dict[str, float] = field(default_factory=dict)
    upgrade_s: list[float] = field(default_factory=list)  # the loaded store to head


def transactions(n: int, per_tx: int, at: datetime) -> list[Rows]:
    """The rows of `n` one-identifier profiles, `per_tx` identifiers a transaction, in
    the bench's shuffled order, on UUIDv7 profile ids (what aka mints)."""
    created = json.dumps({"external_id": None, "attributes": {}})
    order = shuffled(n)
    out: list[Rows] = []
    seq = 0
    for first in range(0, n, per_tx):
        rows: Rows = {"profiles": [], "identifiers": [], "events": []}
        for i in order[first : first + per_tx]:
            pid = str(uuid_utils.uuid7())
            linked = json.dumps(
                {"namespace": NAMESPACE, "value": value(i), "kind": "USER", "primary": False,
                 "attributes": {}}
            )  # fmt: skip
            rows["profiles"].append((WORKSPACE, pid, None, "{}", None, at, at))
            rows["identifiers"].append(
                (WORKSPACE, NAMESPACE, value(i), pid, "USER", False, False, "{}", at, seq + 2)
            )
            rows["events"].append(
                (WORKSPACE, seq + 1, "profile.created", pid, None, None, "bench", at, created)
            )
            rows["events"].append(
                (WORKSPACE, seq + 2, "identifier.linked", pid, None, None, "bench", at, linked)
            )
            seq += 2
        out.append(rows)
    return out


def upgraded(store: SqlStore, revision: str, result: Result) -> None:
    """Time bringing a loaded store from an older `revision` to head (nothing for head)."""
    try:
        if revision != "head":
            start = time.perf_counter()
            migrate.upgrade(store.engine)
            result.upgrade_s.append(elapsed(start))
    finally:
        store.close()


def prepared(store: SqlStore, revision: str) -> None:
    """Migrate the empty store to `revision` and create the bench's workspace."""
    try:
        migrate.upgrade(store.engine, revision)
        store.create_workspace(WORKSPACE, WorkspaceSettings())
    finally:
        store.close()


# --- SQLite ---------------------------------------------------------------------------


def _sqlite_text(row: tuple[Any, ...]) -> tuple[Any, ...]:
    # Times as aka's `UtcDateTime` stores them on SQLite: naive UTC text.
    return tuple(
        v.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ") if isinstance(v, datetime) else v
        for v in row
    )


def sqlite_run(workdir: Path, revision: str, txs: Sequence[Rows], result: Result) -> None:
    path = workdir / f"floor-{revision}.db"
    prepared(SqliteStore(f"sqlite:///{path}"), revision)
    batches = [{t: [_sqlite_text(r) for r in rows] for t, rows in tx.items()} for tx in txs]
    inserts = {
        table: f"INSERT INTO {table} ({columns}) VALUES"
        f" ({', '.join('?' * len(columns.split(',')))})"
        for table, columns in _TABLES
    }
    try:
        with closing(sqlite_connect(path)) as conn:
            seq = 0
            start = time.perf_counter()
            for tx in batches:
                conn.execute("BEGIN IMMEDIATE")
                for table, _ in _TABLES:
                    conn.executemany(inserts[table], tx[table])
                seq += len(tx["events"])
                conn.execute("UPDATE workspaces SET last_seq = ? WHERE id = ?", (seq, WORKSPACE))
                conn.execute("COMMIT")
            result.runs.append(sum(len(tx["identifiers"]) for tx in txs) / elapsed(start))
            result.index_kib = {
                str(name): int(size) / 1024
                for name, size in conn.execute(
                    "SELECT name, sum(pgsize) FROM dbstat WHERE name IN"
                    " (SELECT name FROM sqlite_master WHERE type = 'index'"
                    "  AND tbl_name IN ('profiles', 'identifiers', 'events')) GROUP BY name"
                )
            }
        upgraded(SqliteStore(f"sqlite:///{path}"), revision, result)
    finally:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)


# --- PostgreSQL -----------------------------------------------------------------------


@contextmanager
def postgres_database(admin_url: str, label: str) -> Iterator[str]:
    name = f"aka_bench_schema_floor_{label}_p{os.getpid()}"
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield with_database(admin_url, name)
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)")
            admin.execute(drop.format(sql.Identifier(name)))


def _copy_text(value: Any) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, datetime):
        return value.isoformat()
    text = str(value)
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")


def _copy_data(rows: Sequence[tuple[Any, ...]]) -> bytes:
    """Rows in COPY's text format, encoded before the clock starts (as the bench's COPY
    floor does): what is timed is the server's work, not Python formatting rows."""
    return "".join("\t".join(map(_copy_text, row)) + "\n" for row in rows).encode()


def postgres_run(admin_url: str, revision: str, txs: Sequence[Rows], result: Result) -> None:
    data = [{table: _copy_data(tx[table]) for table, _ in _TABLES} for tx in txs]
    with postgres_database(admin_url, revision) as url:
        prepared(PostgresStore(url), revision)
        with psycopg.connect(url) as conn:
            seq = 0
            start = time.perf_counter()
            for tx, encoded in zip(txs, data, strict=True):
                with conn.cursor() as cur:
                    for table, columns in _TABLES:
                        with cur.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                            copy.write(encoded[table])
                    seq += len(tx["events"])
                    cur.execute(
                        "UPDATE workspaces SET last_seq = %s WHERE id = %s", (seq, WORKSPACE)
                    )
                conn.commit()
            result.runs.append(sum(len(tx["identifiers"]) for tx in txs) / elapsed(start))
            result.index_kib = {
                str(name): int(str(size)) / 1024
                for name, size in conn.execute(
                    "SELECT indexrelid::regclass::text, pg_relation_size(indexrelid)"
                    " FROM pg_index JOIN pg_class c ON c.oid = indrelid"
                    " WHERE c.relnamespace = 'public'::regnamespace"
                    " AND c.relname IN ('profiles', 'identifiers', 'events')"
                ).fetchall()
            }
        upgraded(PostgresStore(url), revision, result)


def elapsed(start: float) -> float:
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.schema_floor", description=__doc__)
    p.add_argument("--rows", type=int, default=200_000, help="identifiers a run (200,000)")
    p.add_argument("--per-tx", type=int, default=10_000, help="identifiers a transaction")
    p.add_argument("--runs", type=int, default=5, help="runs per backend and revision")
    p.add_argument("--before", default=BEFORE, help=f"the older revision ({BEFORE})")
    p.add_argument("--backend", choices=("sqlite", "postgres", "all"), default="all")
    args = p.parse_args(argv)
    url = os.environ.get("AKA_BENCH_POSTGRES_URL", DEFAULT_URL)
    txs = transactions(args.rows, args.per_tx, datetime.now(UTC))
    revisions = (args.before, "head")
    runners: dict[str, Callable[[str, Result], None]] = {}
    with tempfile.TemporaryDirectory(prefix="aka-schema-floor-") as workdir:
        if args.backend in ("sqlite", "all"):
            runners["sqlite"] = lambda rev, res: sqlite_run(Path(workdir), rev, txs, res)
        if args.backend in ("postgres", "all"):
            runners["postgres"] = lambda rev, res: postgres_run(url, rev, txs, res)
        results = {(b, r): Result() for b in runners for r in revisions}
        for run in range(1, args.runs + 1):
            for backend, runner in runners.items():
                for revision in revisions:
                    runner(revision, results[backend, revision])
                    rate = results[backend, revision].runs[-1]
                    print(f"run {run} {backend} {revision}: {rate:,.0f} ids/s", file=sys.stderr)
    print(f"\n{args.rows:,} identifiers, {args.per_tx:,} a transaction, median of {args.runs}")
    print("| backend | revision | ids/s (median) | runs |")
    print("|---|---|---:|---|")
    for (backend, revision), result in results.items():
        runs = ", ".join(f"{r:,.0f}" for r in result.runs)
        print(f"| {backend} | {revision} | {statistics.median(result.runs):,.0f} | {runs} |")
    for (backend, revision), result in results.items():
        if result.upgrade_s:
            took = statistics.median(result.upgrade_s)
            print(f"\n{backend}: upgrading the loaded store from {revision} to head: {took:.2f} s")
    print("\nindex sizes after the last run (KiB)")
    for (backend, revision), result in results.items():
        for name, kib in sorted(result.index_kib.items()):
            print(f"{backend} {revision} {name}: {kib:,.0f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
