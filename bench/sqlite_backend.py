"""SQLite: one file per store under the run's temporary directory; floors through the
stdlib driver with aka's own pragmas (imported, so the two cannot drift apart)."""

from __future__ import annotations

import itertools
import sqlite3
import time
from collections.abc import Iterator, Sequence
from contextlib import closing, contextmanager
from pathlib import Path

from aka.storage.sqlite import _PRAGMAS, BUSY_TIMEOUT_MS
from bench import scratch
from bench.backends import Backend, Database, Measured
from bench.data import WORKSPACE, Row
from bench.errors import BenchError

_INSERT = f"INSERT INTO {scratch.TABLE} ({scratch.COLUMNS}) VALUES (?, ?, ?, ?)"


def _remove(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def connect(path: Path) -> sqlite3.Connection:
    """A connection set up as aka's engine sets up each of its own."""
    conn = sqlite3.connect(path, isolation_level=None)  # we say BEGIN, as aka does
    for pragma in _PRAGMAS:
        conn.execute(pragma)
    conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    return conn


class SqliteBackend(Backend):
    name = "sqlite"

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

    def ingest_floors(self, rows: Sequence[Row], rows_per_tx: int) -> Measured:
        with self._scratch() as conn:
            start = time.perf_counter()
            for at in range(0, len(rows), rows_per_tx):
                conn.execute("BEGIN IMMEDIATE")  # aka's writers take the lock up front too
                conn.executemany(_INSERT, rows[at : at + rows_per_tx])
                conn.execute("COMMIT")
            elapsed = time.perf_counter() - start
        return [(f"executemany, {rows_per_tx:,} rows/tx", len(rows) / elapsed)]

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
