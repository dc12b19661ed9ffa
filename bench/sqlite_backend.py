"""SQLite: one file per store under the run's temporary directory; floors through the
stdlib driver with aka's own pragmas (imported, so the two cannot drift apart)."""

from __future__ import annotations

import itertools
import json
import sqlite3
import time
from collections.abc import Iterator, Sequence
from contextlib import closing, contextmanager
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

from aka import config
from aka.core.settings import WorkspaceSettings
from aka.storage.sqlite import BUSY_TIMEOUT_MS, SqliteStore, pragmas
from bench import scratch
from bench.aka_rows import Chunk, Table
from bench.backends import Backend, Database, Measured
from bench.data import WORKSPACE, Row
from bench.errors import BenchError

_INSERT = f"INSERT INTO {scratch.TABLE} ({scratch.COLUMNS}) VALUES (?, ?, ?, ?)"
# aka's own tables (storage/tables.py), for the floor of the rows aka writes.
_AKA_PROFILE = (
    "INSERT INTO profiles (workspace_id, id, external_id, attributes, merged_into,"
    " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)"
)
_AKA_IDENTIFIER = (
    "INSERT INTO identifiers (workspace_id, namespace, value, profile_id, kind, is_primary,"
    " disabled, attributes, created_at, seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_AKA_EVENT = (
    "INSERT INTO events (workspace_id, seq, type, profile_id, actor, at, payload)"
    " VALUES (?, ?, ?, ?, ?, ?, ?)"
)


def _remove(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


@cache
def _stamp(value: datetime) -> str:
    """A time as aka's `UtcDateTime` stores it on SQLite: naive UTC text, microseconds."""
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")


def connect(path: Path) -> sqlite3.Connection:
    """A connection set up as aka's engine sets up each of its own."""
    conn = sqlite3.connect(path, isolation_level=None)  # we say BEGIN, as aka does
    # The durability the servers under test run with (AKA_SQLITE_SYNCHRONOUS), so a
    # floor pays the same fsyncs as aka.
    for pragma in pragmas(config.load().sqlite_synchronous):
        conn.execute(pragma)
    conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    return conn


class SqliteBackend(Backend):
    name = "sqlite"
    raw_write = "executemany"

    def __init__(self, workdir: Path) -> None:
        self._dir = workdir / "sqlite"
        self._dir.mkdir(parents=True, exist_ok=True)
        self._counter = itertools.count(1)

    def _path(self, label: str) -> Path:
        return self._dir / f"{label}-{next(self._counter)}.db"

    @contextmanager
    def database(self, label: str) -> Iterator[Database]:
        path = self._path(label)
        try:
            yield Database(url=f"sqlite:///{path.resolve()}", name=str(path))
        finally:
            _remove(path)

    @contextmanager
    def _scratch(self, *, profile_index: bool = False) -> Iterator[sqlite3.Connection]:
        path = self._path("floor")
        try:
            with closing(connect(path)) as conn:
                for statement in scratch.create_statements(profile_index=profile_index):
                    conn.execute(statement)
                yield conn
        finally:
            _remove(path)

    def close(self) -> None:
        """Nothing to do: each floor removes its own file."""

    def count_identifiers(self, db: Database, namespace: str) -> int:
        with closing(sqlite3.connect(db.name)) as conn:
            row = conn.execute(
                "SELECT count(*) FROM identifiers WHERE workspace_id = ? AND namespace = ?",
                (WORKSPACE, namespace),
            ).fetchone()
        return int(row[0])

    def version(self) -> str:
        return sqlite3.sqlite_version

    def bulk_insert(
        self, db: Database, table: str, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]
    ) -> None:
        if not rows:
            return
        stamps = {i for i, value in enumerate(rows[0]) if isinstance(value, datetime)}
        texts = (tuple(_stamp(v) if i in stamps else v for i, v in enumerate(r)) for r in rows)
        marks = ", ".join("?" * len(columns))
        statement = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"
        with closing(connect(Path(db.name))) as conn:
            conn.execute("BEGIN IMMEDIATE")
            conn.executemany(statement, texts)
            conn.execute("COMMIT")

    def set_last_seq(self, db: Database, workspace: str, seq: int) -> None:
        with closing(connect(Path(db.name))) as conn:
            conn.execute("UPDATE workspaces SET last_seq = ? WHERE id = ?", (seq, workspace))

    def ingest_floors(self, rows: Sequence[Row], rows_per_tx: int) -> Measured:
        return [
            self.scratch_floor(rows, rows_per_tx),
            (
                f"executemany of aka's own rows into aka's schema, {rows_per_tx:,} ids/tx",
                self._aka_rows_floor(rows, rows_per_tx),
            ),
        ]

    def scratch_floor(self, rows: Sequence[Row], rows_per_tx: int) -> tuple[str, float]:
        with self._scratch() as conn:
            start = time.perf_counter()
            for at in range(0, len(rows), rows_per_tx):
                conn.execute("BEGIN IMMEDIATE")  # aka's writers take the lock up front too
                conn.executemany(_INSERT, rows[at : at + rows_per_tx])
                conn.execute("COMMIT")
            elapsed = time.perf_counter() - start
        return f"executemany, {rows_per_tx:,} rows/tx", len(rows) / elapsed

    def table_counts(self, db: Database) -> dict[str, int]:
        with closing(sqlite3.connect(db.name)) as conn:
            names = [
                str(r[0])
                for r in conn.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table'"
                    " AND name NOT LIKE 'sqlite_%' AND name != 'alembic_version' ORDER BY name"
                )
            ]
            return {
                n: int(conn.execute(f'SELECT count(*) FROM "{n}"').fetchone()[0]) for n in names
            }

    def read_table(self, db: Database, table: str) -> Table:
        with closing(sqlite3.connect(db.name)) as conn:
            try:  # rowid order is insertion order (there is none WITHOUT ROWID)
                cursor = conn.execute(f'SELECT * FROM "{table}" ORDER BY rowid')
            except sqlite3.OperationalError:
                cursor = conn.execute(f'SELECT * FROM "{table}"')
            columns = [d[0] for d in cursor.description]
            rows = [tuple(r) for r in cursor]
        # The values as SQLite holds them (timestamps and JSON as text, booleans as
        # 0/1) are what goes back in: nothing is re-encoded.
        return Table(table, columns, rows, rows)

    def last_seq(self, db: Database, workspace: str) -> int:
        with closing(sqlite3.connect(db.name)) as conn:
            row = conn.execute("SELECT last_seq FROM workspaces WHERE id = ?", (workspace,))
            return int(row.fetchone()[0])

    def write_chunks(self, db: Database, tables: Sequence[Table], chunks: Sequence[Chunk]) -> float:
        inserts = {
            t.name: f'INSERT INTO "{t.name}" ({", ".join(t.columns)}) '
            f"VALUES ({', '.join('?' * len(t.columns))})"
            for t in tables
        }
        with closing(connect(Path(db.name))) as conn:
            start = time.perf_counter()
            for chunk in chunks:
                conn.execute("BEGIN IMMEDIATE")
                for name, rows in chunk.rows.items():
                    conn.executemany(inserts[name], rows)
                conn.execute(
                    "UPDATE workspaces SET last_seq = ? WHERE id = ?", (chunk.last_seq, WORKSPACE)
                )
                conn.execute("COMMIT")
            return time.perf_counter() - start

    def _aka_rows_floor(self, rows: Sequence[Row], rows_per_tx: int) -> float:
        """Identifiers per second when the database alone writes what aka writes for each:
        a profile row, an identifier row and two events (`profile.created`,
        `identifier.linked`), into aka's migrated schema with its indexes and foreign
        keys. What aka's schema costs, apart from any of aka's code.

        These rows are spelled out as aka wrote them before issue 13 (one event per
        command changes them); the `ingest-people` floor (bench/aka_rows.py) instead
        reads back whatever aka wrote, and is the one to trust once they differ."""
        path = self._path("aka-rows")
        store = SqliteStore(
            f"sqlite:///{path.resolve()}", synchronous=config.load().sqlite_synchronous
        )
        try:
            store.migrate()
            store.create_workspace(WORKSPACE, WorkspaceSettings())
        finally:
            store.close()
        at = datetime.now(UTC).replace(tzinfo=None).isoformat(sep=" ")
        created = json.dumps({"external_id": None, "attributes": {}})
        try:
            with closing(connect(path)) as conn:
                seq = 0
                start = time.perf_counter()
                for first in range(0, len(rows), rows_per_tx):
                    profiles, idents, events = [], [], []
                    for ws, namespace, value, pid in rows[first : first + rows_per_tx]:
                        profiles.append((ws, pid, None, "{}", None, at, at))
                        linked = json.dumps(
                            {"namespace": namespace, "value": value, "kind": "USER",
                             "primary": False, "attributes": {}}
                        )  # fmt: skip
                        events.append((ws, seq + 1, "profile.created", pid, "bench", at, created))
                        events.append((ws, seq + 2, "identifier.linked", pid, "bench", at, linked))
                        idents.append((ws, namespace, value, pid, "USER", 0, 0, "{}", at, seq + 2))
                        seq += 2
                    conn.execute("BEGIN IMMEDIATE")
                    conn.executemany(_AKA_PROFILE, profiles)
                    conn.executemany(_AKA_IDENTIFIER, idents)
                    conn.executemany(_AKA_EVENT, events)
                    conn.execute(
                        "UPDATE workspaces SET last_seq = ? WHERE id = ?", (seq, WORKSPACE)
                    )
                    conn.execute("COMMIT")
                elapsed = time.perf_counter() - start
        finally:
            _remove(path)
        return len(rows) / elapsed

    def commit_per_row(self, seconds: int, concurrency: int) -> Measured:
        # SQLite admits one writer at a time, and aka on SQLite runs its writes inline on
        # the server's one event loop: whatever the number of clients, the commits are
        # serial. More writer threads here would only add lock-wait back-off.
        del concurrency
        with self._scratch() as conn:
            n = 0
            start = time.perf_counter()
            deadline = start + seconds
            while time.perf_counter() < deadline:
                conn.execute("BEGIN IMMEDIATE")
                conn.execute(_INSERT, (WORKSPACE, "link", f"floor-{n}", "p"))
                conn.execute("COMMIT")
                n += 1
            elapsed = time.perf_counter() - start
        return [("one row per commit, 1 writer (SQLite's one-writer model)", n / elapsed)]

    def repoint(self, rows: Sequence[Row], to_profile: str) -> tuple[float, float]:
        origin = rows[0][3]
        with self._scratch(profile_index=True) as conn:
            conn.execute("BEGIN IMMEDIATE")
            conn.executemany(_INSERT, rows)
            conn.execute("COMMIT")
            times = []
            for old, new in ((origin, to_profile), (to_profile, origin)):
                start = time.perf_counter()
                conn.execute("BEGIN IMMEDIATE")
                moved = conn.execute(scratch.repoint_sql("?"), (new, WORKSPACE, old)).rowcount
                conn.execute("COMMIT")
                times.append(time.perf_counter() - start)
                if moved != len(rows):
                    raise BenchError(f"the floor moved {moved} of {len(rows)} rows")
        return times[0], times[1]
