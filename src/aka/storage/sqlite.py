"""The embedded default store: one SQLite file, WAL, one writer at a time.

Writers open with `BEGIN IMMEDIATE`, which takes SQLite's write lock before the first
read, so a service's read-decide-write can never race another writer (invariant 5):
the second writer waits (up to `busy_timeout`) and then reads the first one's result.
Readers open with a plain `BEGIN` and, under WAL, never block or get blocked.

Durability (`AKA_SQLITE_SYNCHRONOUS`): `normal` (default) survives a killed process
but may lose the last commits on power loss or an OS crash; `full` fsyncs the WAL at
every commit and survives both (its cost: docs/performance.md; the choice: ADR 0011).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Final, Literal, get_args

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import OperationalError

from aka.core import consistency
from aka.core.ports import KeyRecord
from aka.storage import json_text
from aka.storage.cache_generation import (
    NOTHING_SEEN,
    READ,
    GenerationCaches,
    Kept,
    generation_of,
)
from aka.storage.sql_driver import WRITE_OPTION, DbHandle, run
from aka.storage.sql_store import SqlStore, busy_as_error, workspace_not_found
from aka.storage.sql_writer import SqlTransaction
from aka.storage.sqlite_readers import Reader, Readers

BUSY_TIMEOUT_MS: Final = 5000
_DATA_VERSION: Final = "PRAGMA data_version"

Synchronous = Literal["normal", "full"]
"""SQLite's `synchronous` levels aka offers. `off` would lose commits to a killed
process; `extra` differs from `full` only for rollback journals, never under WAL."""
SYNCHRONOUS_LEVELS: Final[tuple[Synchronous, ...]] = get_args(Synchronous)
DEFAULT_SYNCHRONOUS: Final[Synchronous] = "normal"


def pragmas(synchronous: Synchronous = DEFAULT_SYNCHRONOUS) -> tuple[str, ...]:
    """The pragmas every connection to an aka SQLite file runs first."""
    if synchronous not in SYNCHRONOUS_LEVELS:
        raise ValueError(
            f"synchronous must be one of {', '.join(SYNCHRONOUS_LEVELS)}, not {synchronous!r}"
        )
    return (
        "PRAGMA journal_mode=WAL",
        # NORMAL: a commit is durable once the process has written it to the WAL (safe
        # from a killed process); FULL also fsyncs the WAL, safe from power loss.
        f"PRAGMA synchronous={synchronous.upper()}",
        "PRAGMA foreign_keys=ON",  # off by default in SQLite, and our invariants need them
        # Erasure: a deleted or rewritten row is overwritten with zeros, not left readable
        # in the file's free space. Debian's SQLite does this by default; others do not.
        "PRAGMA secure_delete=ON",
    )


def _prepare(
    dbapi_connection: sqlite3.Connection, busy_timeout_ms: int, pragma_list: tuple[str, ...]
) -> None:
    # pysqlite's own transaction handling delays BEGIN and breaks SAVEPOINT; switch
    # it off and let `_on_begin` say BEGIN (SQLAlchemy's documented SQLite recipe).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        for pragma in pragma_list:
            cursor.execute(pragma)
        # How long a writer waits for another; then the store answers "busy".
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
    finally:
        cursor.close()


def _connect_hook(busy_timeout_ms: int, pragma_list: tuple[str, ...]) -> Any:
    def on_connect(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
        _prepare(dbapi_connection, busy_timeout_ms, pragma_list)

    return on_connect


def _on_begin(conn: Connection) -> None:
    write = bool(conn.get_execution_options().get(WRITE_OPTION, False))
    # On the driver's cursor: through `exec_driver_sql` this costs more than the read
    # that follows it (docs/performance.md).
    sql = "BEGIN IMMEDIATE" if write else "BEGIN"
    run(conn.connection.driver_connection, sql, (), conn.dialect, conn.invalidate)


def sqlite_engine(
    url: str,
    *,
    busy_timeout_ms: int = BUSY_TIMEOUT_MS,
    synchronous: Synchronous = DEFAULT_SYNCHRONOUS,
) -> Engine:
    """An engine for a SQLite file with aka's pragmas and transaction control."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        raise ValueError(f"not a SQLite URL: scheme {parsed.drivername!r}")
    if parsed.database in (None, "", ":memory:") or parsed.query.get("mode") == "memory":
        # Each pooled connection would get its own empty database.
        raise ValueError("in-memory SQLite is not supported: use a file, or memory:// instead")
    # hide_parameters: an error's text (and its logged traceback) must not quote the
    # identifiers a statement was given; logs are beyond erasure's reach.
    engine = sa.create_engine(
        parsed,
        hide_parameters=True,
        json_serializer=json_text.dumps,
        json_deserializer=json_text.loads,
    )
    event.listen(engine, "connect", _connect_hook(busy_timeout_ms, pragmas(synchronous)))
    event.listen(engine, "begin", _on_begin)
    return engine


class SqliteTransaction(SqlTransaction):
    def lock_profiles(self, profile_ids: Sequence[str]) -> None:
        """A no-op: `BEGIN IMMEDIATE` already holds the whole database for this writer."""

    _dialect_insert = staticmethod(sqlite_insert)


class SqliteStore(SqlStore):
    """The `Store` on a SQLite file, e.g. `SqliteStore("sqlite:///./aka.db")`.

    Read-only transactions and key lookups run on the calling thread's own connection
    (`sqlite_readers`), writers on the pool's. Keys and, for readers, workspace
    settings are kept in memory while the cache generation is unchanged; whether it
    changed is asked of the file first (`_kept`, ADR 0021)."""

    transaction_class = SqliteTransaction

    def __init__(
        self,
        url: str,
        *,
        busy_timeout_ms: int = BUSY_TIMEOUT_MS,
        synchronous: Synchronous = DEFAULT_SYNCHRONOUS,
    ) -> None:
        super().__init__(
            sqlite_engine(url, busy_timeout_ms=busy_timeout_ms, synchronous=synchronous)
        )
        # SQLite locks the whole file for one writer at a time: the holder may be any
        # other connection to it, in any workspace.
        self.busy_cause = (
            "another connection (another aka process, an `aka import`, a backup) held the "
            f"database's one write lock for over the {busy_timeout_ms} ms busy timeout"
        )
        setup = pragmas(synchronous)
        self._readers = Readers(self.engine, lambda raw: _prepare(raw, busy_timeout_ms, setup))
        self._caches = GenerationCaches()

    def _kept(self, reader: Reader, db: DbHandle | None = None) -> Kept:
        """What this process keeps, made good for `reader`'s view of the file.

        `PRAGMA data_version` changes when any other connection, of any process,
        committed to the file since this connection last asked (a few µs, no I/O); only
        then is the generation row read, and only a new generation drops what is kept.
        Inside a transaction (`db`) both answer for its snapshot, so the settings kept
        are exactly those of the rows it reads. The `Kept` is taken before asking: what
        the reads that follow put in it is never older than it (`cache_generation`)."""
        kept = self._caches.current
        execute = db.execute if db is not None else reader.execute
        version = execute(_DATA_VERSION, ()).fetchone()[0]
        if version != reader.seen_version:
            try:
                row = execute(READ, ()).fetchone()
            except OperationalError as err:
                if "no such table" not in str(err.orig):
                    raise
                # A file not yet migrated to the generation (read by a tool before
                # `aka migrate`): nothing is kept, every read goes to the rows.
                return Kept(NOTHING_SEEN)
            kept = self._caches.seen(generation_of(row))
            reader.seen_version = version
        return kept

    @contextmanager
    def transaction(self, workspace_id: str, *, write: bool = True) -> Iterator[SqlTransaction]:
        reader = None if write else self._readers.idle()
        if reader is None:
            with super().transaction(workspace_id, write=write) as tx:
                yield tx
            return
        with busy_as_error(self.busy_cause), reader.transaction() as db:
            kept = self._kept(reader, db)
            text = kept.settings.get(workspace_id)
            if text is None:
                row = db.execute(self._plain.settings, (workspace_id,)).fetchone()
                if row is None:
                    raise workspace_not_found(workspace_id)
                text = row[0] or "{}"
                kept.keep_settings(workspace_id, text)
            yield self.transaction_class(db, workspace_id, write=False, settings_text=text)

    def _settings_known(self, workspace_id: str) -> str | None:
        # Checked against the generation first (`_kept`: the file's data_version, a few
        # µs), on the reader the one statement then runs on.
        if consistency.caches_validated_by() is self:
            # This request's key lookup checked the file after the request arrived
            # (`key_by_hash`): that check holds for its reads too. One statement fewer,
            # and each statement hands the GIL to granian's threads and waits to get it
            # back (docs/performance.md, "Resolve (issue 15)").
            return self._caches.current.settings.get(workspace_id)
        reader = self._readers.idle()
        if reader is None:
            return None
        with busy_as_error(self.busy_cause):
            return self._kept(reader).settings.get(workspace_id)

    @contextmanager
    def _one_statement(self, workspace_id: str) -> Iterator[DbHandle | None]:  # noqa: ARG002
        # This thread's reader, outside a transaction: a statement is its own snapshot.
        reader = self._readers.idle()
        yield None if reader is None else reader.handle(statements=1)

    def key_by_hash(self, secret_hash: str) -> KeyRecord | None:
        reader = self._readers.idle()
        if reader is None:
            return super().key_by_hash(secret_hash)
        with busy_as_error(self.busy_cause):
            kept = self._kept(reader)
            consistency.validated_by(self)  # for the rest of the request (`_settings_known`)
            found = kept.keys.get(secret_hash)
            if found is not None:
                return found
            row = reader.one(self._plain.key_by_hash, (secret_hash,))
        if row is None:
            return None  # not kept: a key created a moment later must work at once
        record = self._plain.to_key(row)
        kept.keep_key(secret_hash, record)
        return record

    def close(self) -> None:
        self._readers.close()
        super().close()
