"""One SQLite connection per thread for read-only transactions, outside the pool.

Why: a read that resolves one identifier costs a few µs of SQLite work, but checking a
connection out of SQLAlchemy's pool, wrapping it in a `Connection`, beginning and
committing through its events and returning it costs ~40 µs (docs/performance.md). A
thread that reads keeps its own connection instead and says `BEGIN`/`COMMIT` on it
directly. SQLite connections are cheap, reads never take the write lock under WAL, and
`BEGIN` starts a fresh snapshot, so a reader sees every write committed before it began
(the very next read sees a write), exactly as a pooled one does.

Core statements (all but those written as plain SQL, `sql_plain`) still need a SQLAlchemy
`Connection`. Each reader has a small engine of its own whose one connection *is* the
reader's (a `StaticPool` over it); a transaction opens a `Connection` on it only when it
runs a Core statement, and that statement runs inside the reader's open transaction
(pysqlite says no `BEGIN` of its own: `isolation_level` is None).
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.pool import StaticPool

from aka.storage import json_text
from aka.storage.sql_driver import DbHandle, run


class Reader:
    """A thread's reading connection and the engine that wraps it for Core statements."""

    def __init__(self, raw: sqlite3.Connection, engine: Engine) -> None:
        self.raw = raw
        self.engine = engine
        self.broken = False
        # The file's `data_version` as this connection last saw it, for the store's
        # key and settings caches (`SqliteStore`); the counter is per connection.
        self.seen_version: int | None = None

    @property
    def busy(self) -> bool:
        """In a transaction already (a read nested in another read on this thread)."""
        return self.raw.in_transaction

    def handle(self, *, statements: int | None = None) -> DbHandle:
        """A `DbHandle` on this connection (`statements`: at most that many, outside a
        transaction: `SqlStore.read`)."""
        return DbHandle(
            self.raw,
            self.engine.dialect,
            self._invalidate,
            open_sa=self.engine.connect,
            statements=statements,
        )

    @contextmanager
    def transaction(self) -> Iterator[DbHandle]:
        """`BEGIN` ... `COMMIT` on this connection; the `DbHandle` reaches it both ways."""
        db = self.handle()
        run(self.raw, "BEGIN", (), self.engine.dialect, self._invalidate)
        try:
            yield db
            self._end(db, commit=True)
        except BaseException:
            try:
                self._end(db, commit=False)
            except BaseException:
                self.broken = True  # not in a known state: `Readers` opens another
            raise

    def _end(self, db: DbHandle, *, commit: bool) -> None:
        # COMMIT on success, as a pooled reader's transaction ends (a reader has nothing
        # to commit, but that is not this class's to decide). A Core connection opened
        # meanwhile believes it began the transaction: it ends it.
        opened = db.opened
        if opened is not None:
            if commit:
                opened.commit()
            else:
                opened.rollback()
            opened.close()
        if self.raw.in_transaction and not self.broken:
            if commit:
                self.raw.commit()
            else:
                self.raw.rollback()

    def one(self, sql: str, params: tuple[object, ...]) -> object:
        """The first row of a single statement run on its own (its own snapshot)."""
        return self.execute(sql, params).fetchone()

    def execute(self, sql: str, params: tuple[object, ...]) -> Any:
        """The cursor of a single statement run on its own (its own snapshot)."""
        return run(self.raw, sql, params, self.engine.dialect, self._invalidate)

    def _invalidate(self, _error: BaseException) -> None:
        self.broken = True  # not handed out again; `Readers` opens a new one

    def close(self) -> None:
        self.engine.dispose()  # closes `raw`, the engine's one connection
        self.raw.close()


class Readers:
    """Each thread's `Reader`, opened on first use and all closed by `close`."""

    def __init__(self, engine: Engine, on_connect: Callable[[sqlite3.Connection], None]) -> None:
        self._engine = engine
        self._on_connect = on_connect
        self._local = threading.local()
        self._lock = threading.Lock()
        self._open: list[Reader] = []
        self._closed = False

    def idle(self) -> Reader | None:
        """This thread's reader, or None when it is already in a transaction (the
        caller then uses a pooled connection, as any nested transaction would)."""
        reader: Reader | None = getattr(self._local, "reader", None)
        if reader is None or reader.broken:
            reader = self._new()
        return None if reader.busy else reader

    def _new(self) -> Reader:
        old: Reader | None = getattr(self._local, "reader", None)
        if old is not None:
            self._forget(old)
        cargs, cparams = self._engine.dialect.create_connect_args(self._engine.url)
        # Used by this thread only, but closed by whichever thread closes the store.
        cparams["check_same_thread"] = False
        raw: sqlite3.Connection = self._engine.dialect.loaded_dbapi.connect(*cargs, **cparams)
        self._on_connect(raw)
        engine = sa.create_engine(
            "sqlite://",
            creator=lambda: raw,
            poolclass=StaticPool,
            hide_parameters=True,
            json_serializer=json_text.dumps,
            json_deserializer=json_text.loads,
        )
        # SQLAlchemy initialises a dialect on an engine's first connection and then
        # rolls back: done now, while no transaction is open on `raw`.
        engine.connect().close()
        reader = Reader(raw, engine)
        with self._lock:
            self._open.append(reader)
        self._local.reader = reader
        return reader

    def _forget(self, reader: Reader) -> None:
        with self._lock:
            if reader in self._open:
                self._open.remove(reader)
        reader.close()

    def close(self) -> None:
        with self._lock:
            readers, self._open = self._open, []
        for reader in readers:
            reader.close()
