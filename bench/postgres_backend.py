"""PostgreSQL: a fresh database per store (`aka_bench_*`, dropped after), and floors on
the same server: COPY and `INSERT ... SELECT unnest` for ingest, pgbench for the
one-commit-per-row rate (a C client, so the floor is the server's and not Python's)."""

from __future__ import annotations

import itertools
import os
import re
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

from aka.storage.postgres import postgres_engine
from bench import scratch
from bench.aka_rows import Chunk, Table
from bench.backends import Backend, Database, Measured
from bench.data import WORKSPACE, Row
from bench.errors import BenchError

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
PREFIX = "aka_bench_"
_INSERT = f"INSERT INTO {scratch.TABLE} ({scratch.COLUMNS}) VALUES (%s, %s, %s, %s)"
_UNNEST = (
    f"INSERT INTO {scratch.TABLE} ({scratch.COLUMNS}) "
    "SELECT * FROM unnest(%s::varchar[], %s::varchar[], %s::varchar[], %s::varchar[]) "
    "ON CONFLICT DO NOTHING"
)
_SEQUENCE = "bench_floor_seq"
_PGBENCH_INSERT = (
    f"INSERT INTO {scratch.TABLE} ({scratch.COLUMNS}) "
    f"VALUES ('{WORKSPACE}', 'link', 'floor-' || nextval('{_SEQUENCE}'), 'p');\n"
)


# COPY's text format: the escapes it writes (PostgreSQL docs, COPY, "Text Format").
_COPY_ESCAPES = {"b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v"}
_COPY_ESCAPE = re.compile(r"\\(.)")
# The columns placing a row needs (bench/aka_rows.py); the others stay undecoded.
_PLACING = frozenset({"id", "namespace", "value", "profile_id", "seq"})


def copy_field(raw: bytes) -> str | None:
    """One field of a COPY text line as the value it stands for (NULL: None)."""
    if raw == b"\\N":
        return None
    text = raw.decode()
    if "\\" not in text:
        return text
    return _COPY_ESCAPE.sub(lambda m: _COPY_ESCAPES.get(m.group(1), m.group(1)), text)


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class PostgresBackend(Backend):
    name = "postgres"
    raw_write = "COPY"

    def __init__(self, admin_url: str, workdir: Path) -> None:
        self._admin_url = admin_url
        self._dir = workdir / "postgres"
        self._dir.mkdir(parents=True, exist_ok=True)
        self._counter = itertools.count(1)
        self._floor_db: str | None = None
        try:
            with self._admin() as conn:
                row = conn.execute("SHOW server_version").fetchone()
        except psycopg.OperationalError as exc:
            raise BenchError(f"PostgreSQL at {admin_url} is unreachable: {exc}") from exc
        self._version = str(row[0]) if row else "?"
        self._drop_leftovers()

    def _admin(self) -> psycopg.Connection[tuple[object, ...]]:
        return psycopg.connect(self._admin_url, autocommit=True, connect_timeout=5)

    def _drop_leftovers(self) -> None:
        """Drop databases of earlier bench runs that died before cleaning up."""
        with self._admin() as conn:
            names = [
                str(r[0])
                for r in conn.execute(
                    "SELECT datname FROM pg_database WHERE datname LIKE %s", (PREFIX + "%",)
                )
            ]
            for name in names:
                pid = re.search(r"_p(\d+)_", name)
                if pid and not _alive(int(pid.group(1))):
                    conn.execute(
                        sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                            sql.Identifier(name)
                        )
                    )

    def _create(self, label: str) -> str:
        slug = re.sub(r"[^a-z0-9]+", "_", label.lower())
        name = f"{PREFIX}{slug}_p{os.getpid()}_{next(self._counter)}"
        with self._admin() as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return name

    def _drop(self, name: str) -> None:
        with self._admin() as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )

    @contextmanager
    def database(self, label: str) -> Iterator[Database]:
        name = self._create(label)
        try:
            yield Database(url=with_database(self._admin_url, name), name=name)
        finally:
            self._drop(name)

    def _floor_url(self) -> str:
        if self._floor_db is None:
            self._floor_db = self._create("floor")
        return with_database(self._admin_url, self._floor_db)

    @contextmanager
    def _scratch(
        self, *, profile_index: bool = False
    ) -> Iterator[psycopg.Connection[tuple[object, ...]]]:
        with psycopg.connect(self._floor_url(), autocommit=True) as conn:
            for statement in scratch.create_statements(profile_index=profile_index):
                conn.execute(statement)
            try:
                yield conn
            finally:
                conn.execute(f"DROP TABLE IF EXISTS {scratch.TABLE}")

    def close(self) -> None:
        """Drop the floors' database."""
        if self._floor_db is not None:
            self._drop(self._floor_db)
            self._floor_db = None

    def count_identifiers(self, db: Database, namespace: str) -> int:
        with psycopg.connect(db.url) as conn:
            row = conn.execute(
                "SELECT count(*) FROM identifiers WHERE workspace_id = %s AND namespace = %s",
                (WORKSPACE, namespace),
            ).fetchone()
        return int(str(row[0])) if row else 0

    def version(self) -> str:
        return self._version

    def bulk_insert(
        self, db: Database, table: str, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]
    ) -> None:
        if not rows:
            return
        copy_sql = sql.SQL("COPY {} ({}) FROM STDIN").format(
            sql.Identifier(table), sql.SQL(", ").join(map(sql.Identifier, columns))
        )
        with psycopg.connect(db.url) as conn, conn.cursor() as cur, cur.copy(copy_sql) as copy:
            for row in rows:
                copy.write_row(row)

    def set_last_seq(self, db: Database, workspace: str, seq: int) -> None:
        with psycopg.connect(db.url, autocommit=True) as conn:
            conn.execute("UPDATE workspaces SET last_seq = %s WHERE id = %s", (seq, workspace))
            # The statistics autovacuum would gather on a store filled over time.
            conn.execute("ANALYZE")

    # --- floors ---------------------------------------------------------------------

    def ingest_floors(self, rows: Sequence[Row], rows_per_tx: int) -> Measured:
        return [
            (f"COPY, {rows_per_tx:,} rows/tx", self._copy(rows, rows_per_tx)),
            (
                f"INSERT ... SELECT unnest ON CONFLICT DO NOTHING, {rows_per_tx:,} rows/tx",
                self._unnest(rows, rows_per_tx),
            ),
        ]

    def scratch_floor(self, rows: Sequence[Row], rows_per_tx: int) -> tuple[str, float]:
        return f"COPY, {rows_per_tx:,} rows/tx", self._copy(rows, rows_per_tx)

    def _copy(self, rows: Sequence[Row], rows_per_tx: int) -> float:
        # Encoded before the clock starts, as aka's request bodies are.
        chunks = [
            "".join("\t".join(r) + "\n" for r in rows[at : at + rows_per_tx]).encode()
            for at in range(0, len(rows), rows_per_tx)
        ]
        with self._scratch() as conn:
            conn.autocommit = False
            start = time.perf_counter()
            for chunk in chunks:
                with (
                    conn.cursor() as cur,
                    cur.copy(f"COPY {scratch.TABLE} ({scratch.COLUMNS}) FROM STDIN") as copy,
                ):
                    copy.write(chunk)
                conn.commit()
            elapsed = time.perf_counter() - start
            conn.autocommit = True
        return len(rows) / elapsed

    def _unnest(self, rows: Sequence[Row], rows_per_tx: int) -> float:
        columns = [
            [list(col) for col in zip(*rows[at : at + rows_per_tx], strict=True)]
            for at in range(0, len(rows), rows_per_tx)
        ]
        with self._scratch() as conn:
            conn.autocommit = False
            start = time.perf_counter()
            for cols in columns:
                conn.execute(_UNNEST, cols)
                conn.commit()
            elapsed = time.perf_counter() - start
            conn.autocommit = True
        return len(rows) / elapsed

    # --- aka's own rows ---------------------------------------------------------------

    def table_counts(self, db: Database) -> dict[str, int]:
        with psycopg.connect(db.url, autocommit=True) as conn:
            names = [
                str(r[0])
                for r in conn.execute(
                    "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
                    " AND tablename != 'alembic_version' ORDER BY tablename"
                )
            ]
            counts = {}
            for name in names:
                query = sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(name))
                row = conn.execute(query).fetchone()
                counts[name] = int(str(row[0])) if row else 0
        return counts

    def read_table(self, db: Database, table: str) -> Table:
        """The rows as COPY writes them, kept byte for byte to be copied back in; ctid
        order is insertion order in a table that was only ever appended to."""
        name = sql.Identifier(table)
        with psycopg.connect(db.url, autocommit=True) as conn, conn.cursor() as cur:
            cur.execute(sql.SQL("SELECT * FROM {} LIMIT 0").format(name))
            columns = [d.name for d in cur.description or ()]
            data = bytearray()
            query = sql.SQL("COPY (SELECT * FROM {} ORDER BY ctid) TO STDOUT").format(name)
            with cur.copy(query) as copy:
                for block in copy:
                    data += block
        placing = [n for n, c in enumerate(columns) if c in _PLACING]
        found = Table(table, columns)
        for line in bytes(data).split(b"\n")[:-1]:  # a newline ends every row
            fields = line.split(b"\t")
            values: list[str | None] = [None] * len(columns)
            for n in placing:
                values[n] = copy_field(fields[n])
            found.values.append(tuple(values))
            found.payload.append(line + b"\n")
        return found

    def last_seq(self, db: Database, workspace: str) -> int:
        with psycopg.connect(db.url, autocommit=True) as conn:
            row = conn.execute("SELECT last_seq FROM workspaces WHERE id = %s", (workspace,))
            found = row.fetchone()
        if found is None:
            raise BenchError(f"no workspace {workspace!r}")
        return int(str(found[0]))

    def write_chunks(self, db: Database, tables: Sequence[Table], chunks: Sequence[Chunk]) -> float:
        copies = {
            t.name: sql.SQL("COPY {} ({}) FROM STDIN").format(
                sql.Identifier(t.name), sql.SQL(", ").join(map(sql.Identifier, t.columns))
            )
            for t in tables
        }
        # Joined before the clock starts, as the scratch floor's COPY data is.
        data = [{name: b"".join(rows) for name, rows in c.rows.items() if rows} for c in chunks]
        # A connection set up as aka's own are (its engine's connect arguments), above
        # all `plan_cache_mode=force_custom_plan`: the foreign-key checks' cached plans,
        # made while the tables were empty, would otherwise scan `profiles` for every
        # identifier row (~900 rows/s instead of tens of thousands).
        engine = postgres_engine(db.url, pool_size=1, max_overflow=0)
        raw = engine.raw_connection()
        try:
            conn = raw.driver_connection
            assert isinstance(conn, psycopg.Connection)
            conn.rollback()  # whatever the pool's checkout began
            with conn.cursor() as cur:
                start = time.perf_counter()
                for chunk, blocks in zip(chunks, data, strict=True):
                    for name, block in blocks.items():
                        with cur.copy(copies[name]) as copy:
                            copy.write(block)
                    cur.execute(
                        "UPDATE workspaces SET last_seq = %s WHERE id = %s",
                        (chunk.last_seq, WORKSPACE),
                    )
                    conn.commit()
                return time.perf_counter() - start
        finally:
            raw.close()
            engine.dispose()

    def commit_per_row(self, seconds: int, concurrency: int) -> Measured:
        with self._scratch() as conn:
            conn.execute(f"DROP SEQUENCE IF EXISTS {_SEQUENCE}")
            conn.execute(f"CREATE SEQUENCE {_SEQUENCE}")
            driver = "pgbench" if shutil.which("pgbench") else "Python threads"
            try:
                return [
                    (
                        f"one row per autocommit, {concurrency} concurrent connections ({driver})",
                        self._commits(seconds, concurrency),
                    ),
                    (f"one row per autocommit, 1 connection ({driver})", self._commits(seconds, 1)),
                ]
            finally:
                conn.execute(f"DROP SEQUENCE IF EXISTS {_SEQUENCE}")

    def _commits(self, seconds: int, clients: int) -> float:
        pgbench = shutil.which("pgbench")
        if pgbench is None:
            return self._commits_in_threads(seconds, clients)
        script = self._dir / "insert.sql"
        script.write_text(_PGBENCH_INSERT)
        threads = min(clients, os.cpu_count() or 1)
        done = subprocess.run(
            [
                *(pgbench, "-n", "-M", "prepared", "-c", str(clients), "-j", str(threads)),
                *("-T", str(seconds), "-f", str(script), self._floor_url()),
            ],
            capture_output=True,
            text=True,
            timeout=seconds + 60,
            check=False,
        )
        tps = re.search(r"^tps = ([\d.]+)", done.stdout, re.MULTILINE)
        failed = re.search(r"number of failed transactions: (\d+)", done.stdout)
        if done.returncode != 0 or tps is None or (failed and int(failed.group(1))):
            raise BenchError(f"pgbench failed ({done.returncode}): {done.stdout}{done.stderr}")
        return float(tps.group(1))

    def _commits_in_threads(self, seconds: int, clients: int) -> float:
        """Without pgbench: Python threads, one connection each (client-bound sooner)."""
        counts = [0] * clients
        url = self._floor_url()
        deadline = time.perf_counter() + seconds

        def writer(n: int) -> None:
            with psycopg.connect(url, autocommit=True) as conn:
                while time.perf_counter() < deadline:
                    conn.execute(_INSERT, (WORKSPACE, "link", f"floor-{n}-{counts[n]}", "p"))
                    counts[n] += 1

        start = time.perf_counter()
        threads = [threading.Thread(target=writer, args=(n,)) for n in range(clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return sum(counts) / (time.perf_counter() - start)

    def repoint(self, rows: Sequence[Row], to_profile: str) -> tuple[float, float]:
        origin = rows[0][3]
        with self._scratch(profile_index=True) as conn:
            with conn.transaction(), conn.cursor() as cur:
                cur.executemany(_INSERT, rows)
            conn.execute("ANALYZE " + scratch.TABLE)
            times = []
            for old, new in ((origin, to_profile), (to_profile, origin)):
                start = time.perf_counter()
                with conn.transaction():
                    moved = conn.execute(
                        scratch.repoint_sql("%s"),
                        (new, WORKSPACE, old),
                    ).rowcount
                times.append(time.perf_counter() - start)
                if moved != len(rows):
                    raise BenchError(f"the floor moved {moved} of {len(rows)} rows")
        return times[0], times[1]
