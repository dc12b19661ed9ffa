"""What every SQL store shares: transactions, workspaces, keys, schema status.

A backend subclass supplies the engine (with its connection hooks) and its
`SqlTransaction` subclass; the rest is portable Core.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, ClassVar, TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError, OperationalError, SQLAlchemyError
from sqlalchemy.pool import PoolProxiedConnection

from aka.core.errors import AkaError, Code
from aka.core.ports import KeyRecord, ReadView, WorkspaceRecord
from aka.core.settings import WorkspaceSettings
from aka.storage import migrate
from aka.storage.sql_driver import WRITE_OPTION, DbHandle, NeedsSnapshot, run
from aka.storage.sql_keys import SqlKeys
from aka.storage.sql_plain import plain_sql
from aka.storage.sql_rows import to_key, to_workspace
from aka.storage.sql_writer import SqlTransaction
from aka.storage.tables import api_keys, workspaces

T = TypeVar("T")


def _is_lock_timeout(err: OperationalError) -> bool:
    sqlstate = getattr(err.orig, "sqlstate", None)
    if sqlstate == "55P03":  # PostgreSQL lock_not_available (lock_timeout)
        return True
    return "database is locked" in str(err.orig) or "database table is locked" in str(err.orig)


POSTGRES_BUSY = (
    "another transaction held a lock this write needs (its workspace's, or a row's) "
    "for longer than lock_timeout"
)


@contextmanager
def busy_as_error(why: str = POSTGRES_BUSY) -> Iterator[None]:
    """A lock wait that ran out (SQLite busy timeout, PostgreSQL lock_timeout) is load,
    not a bug: nothing was committed, so the caller may simply retry (STORE_BUSY).

    The message names the true cause: the database's own words and `why` (who holds
    what), so a log or a 503 points at the other writer rather than at aka."""
    try:
        yield
    except OperationalError as err:
        if not _is_lock_timeout(err):
            raise
        said = str(err.orig).strip().splitlines()[0] if err.orig is not None else "lock timeout"
        raise AkaError(
            Code.STORE_BUSY,
            f"the store is busy ({said}): {why}; retry shortly",
            details={"retry_after": 1},
        ) from err


def workspace_settings_text(conn: Connection, workspace_id: str) -> str | None:
    """The workspace's settings as stored JSON text; None when there is no such workspace."""
    sql = plain_sql(conn.dialect.name).settings
    cursor_of = conn.connection.driver_connection
    row = run(cursor_of, sql, (workspace_id,), conn.dialect, conn.invalidate).fetchone()
    return None if row is None else str(row[0] if row[0] is not None else "{}")


def workspace_not_found(workspace_id: str) -> AkaError:
    return AkaError(
        Code.WORKSPACE_NOT_FOUND, f"workspace {workspace_id!r} does not exist", field="workspace"
    )


@dataclass
class ReadCounts:
    """How this process's `SqlStore.read`s were answered (since it started)."""

    in_one_statement: int = 0  # outside a transaction, one statement
    again_in_transaction: int = 0  # tried so, needed more, answered in a transaction
    in_transaction: int = 0  # in a read transaction (those above included)


class SqlStore:
    """A `Store` over a SQLAlchemy engine. Subclasses set `transaction_class`."""

    transaction_class: ClassVar[type[SqlTransaction]]
    busy_cause: str = POSTGRES_BUSY  # who holds the lock when a write times out waiting

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._plain = plain_sql(engine.dialect.name)
        self.reads = ReadCounts()

    @contextmanager
    def _connect(self, *, write: bool, workspace_id: str | None = None) -> Iterator[Connection]:
        """A connection inside one transaction, committed on normal exit. A read of a
        workspace's graph (`workspace_id` given) goes where `_read_engine` says; every
        other read (keys, the list of workspaces) and every write, to the primary."""
        if write or workspace_id is None:
            opened = self.engine.connect()
        else:
            opened = self._read_connection(workspace_id)
        with opened as conn:
            conn.execution_options(**self._transaction_options(write=write))
            with conn.begin():
                yield conn

    @contextmanager
    def _autocommit(
        self, pooled: PoolProxiedConnection | None = None
    ) -> Iterator[PoolProxiedConnection]:
        """A pooled DBAPI connection (`pooled`, else one of the primary's) in autocommit
        mode, for a single-statement read (one statement is its own snapshot: no BEGIN
        or COMMIT needed); returned to its pool at the end."""
        if pooled is None:
            pooled = self.engine.raw_connection()
        try:
            yield pooled
        finally:
            pooled.close()

    # --- backend hooks ---------------------------------------------------------------
    def _read_engine(self, workspace_id: str) -> Engine:
        """Where a read transaction of the workspace goes: the one database here; a
        backend with read replicas picks one that is recent enough (PostgreSQL)."""
        del workspace_id
        return self.engine

    def _read_connection(self, workspace_id: str) -> Connection:
        """A connection for a read transaction of the workspace (`_read_engine`)."""
        return self._read_engine(workspace_id).connect()

    def _transaction_options(self, *, write: bool) -> dict[str, Any]:
        """Execution options set on a connection before its transaction begins."""
        return {WRITE_OPTION: write}

    def _enter_workspace(self, conn: Connection, workspace_id: str, *, write: bool) -> bool:
        """True when the workspace exists. The first statement of every `transaction`;
        a backend whose `begin` does not serialise writers locks the workspace here."""
        del write  # SQLite's writers already hold the database (`BEGIN IMMEDIATE`)
        return workspace_settings_text(conn, workspace_id) is not None

    def _settings_for_read(self, conn: Connection, workspace_id: str) -> str | None:
        """A reader's first statement: the workspace's settings as stored JSON text, or
        None when there is no such workspace."""
        return workspace_settings_text(conn, workspace_id)

    @contextmanager
    def transaction(self, workspace_id: str, *, write: bool = True) -> Iterator[SqlTransaction]:
        with (
            busy_as_error(self.busy_cause),
            self._connect(write=write, workspace_id=workspace_id) as conn,
        ):
            # A reader's existence check also fetches the settings, so its first
            # `settings()` costs no second statement.
            settings_text = None if write else self._settings_for_read(conn, workspace_id)
            if (write and not self._enter_workspace(conn, workspace_id, write=write)) or (
                not write and settings_text is None
            ):
                raise workspace_not_found(workspace_id)
            yield self.transaction_class(
                conn, workspace_id, write=write, settings_text=settings_text
            )

    def read(self, workspace_id: str, work: Callable[[ReadView], T], *, several: bool = False) -> T:
        """`work` on one snapshot of the workspace (the `Store.read` contract).

        When the workspace's settings are known without a statement
        (`_settings_known`), `work` first runs outside any transaction, allowed ONE
        statement, which is its own snapshot: a resolve then costs that statement alone
        (on PostgreSQL one round trip instead of BEGIN, the read, the read ahead and
        COMMIT; docs/performance.md, "Resolve (issue 15)"). Work that asks for a second
        statement stops there (`NeedsSnapshot`) and runs again in a read transaction;
        work that says it makes `several` (a resolve as of a moment) skips the first
        try, whose one statement would be thrown away."""
        settings_text = None if several else self._settings_known(workspace_id)
        if settings_text is not None:
            with busy_as_error(self.busy_cause), self._one_statement(workspace_id) as db:
                if db is not None:
                    tx = self.transaction_class(
                        db, workspace_id, write=False, settings_text=settings_text
                    )
                    try:
                        answer = work(tx)
                    except NeedsSnapshot:
                        self.reads.again_in_transaction += 1
                    else:
                        self.reads.in_one_statement += 1
                        return answer
        self.reads.in_transaction += 1
        with self.transaction(workspace_id, write=False) as tx:
            return work(tx)

    def _settings_known(self, workspace_id: str) -> str | None:
        """The workspace's settings text when known without a statement (cached and
        still valid); None sends every read to a transaction."""
        del workspace_id
        return None

    @contextmanager
    def _one_statement(self, workspace_id: str) -> Iterator[DbHandle | None]:
        """A handle outside any transaction that runs at most one statement, for a read
        of `workspace_id` (None: not available now; the read takes a transaction)."""
        del workspace_id  # every read is on the primary here
        with self._autocommit() as pooled:
            yield DbHandle(
                pooled.driver_connection, self.engine.dialect, pooled.invalidate, statements=1
            )

    # --- schema ----------------------------------------------------------------------
    def migrate(self) -> list[str]:
        return migrate.upgrade(self.engine)

    def readiness(self) -> str | None:
        try:
            # A later release's schema serves this code too (expand-only, ADR 0029): an
            # old replica stays in the load balancer's rotation during a rolling upgrade.
            if migrate.schema_of(self.engine) != "behind":
                return None
        except SQLAlchemyError as err:
            # The first line only: the rest repeats the SQL, which /readyz need not show.
            reason = str(err).splitlines()[0] if str(err) else type(err).__name__
            return f"database unreachable: {reason}"
        return "database schema is not at the newest revision; run `aka migrate`"

    # --- workspaces ------------------------------------------------------------------
    def create_workspace(self, workspace_id: str, settings: WorkspaceSettings) -> WorkspaceRecord:
        record = WorkspaceRecord(
            id=workspace_id, settings=settings, created_at=datetime.now(UTC), last_seq=0
        )
        try:
            with self._connect(write=True) as conn:
                conn.execute(
                    sa.insert(workspaces).values(
                        id=record.id,
                        settings=settings.to_json(),
                        last_seq=0,
                        created_at=record.created_at,
                    )
                )
        except IntegrityError:
            raise AkaError(
                Code.WORKSPACE_EXISTS,
                f"workspace {workspace_id!r} already exists",
                field="id",
            ) from None
        return record

    def workspace(self, workspace_id: str) -> WorkspaceRecord | None:
        with self._connect(write=False) as conn:
            row = conn.execute(
                sa.select(workspaces).where(workspaces.c.id == workspace_id)
            ).one_or_none()
        return None if row is None else to_workspace(row)

    def workspaces(self) -> list[WorkspaceRecord]:
        with self._connect(write=False) as conn:
            rows = conn.execute(sa.select(workspaces)).all()
        return sorted((to_workspace(r) for r in rows), key=lambda w: w.id)

    # --- keys ------------------------------------------------------------------------
    def create_key(self, key: KeyRecord) -> None:
        with self._connect(write=True) as conn:
            SqlKeys(conn, key.workspace_id).add(key)

    def key_by_hash(self, secret_hash: str) -> KeyRecord | None:
        # Every authenticated request asks: one statement on the driver's cursor.
        sql, dialect = self._plain.key_by_hash, self.engine.dialect
        with self._autocommit() as pooled:
            cursor = run(pooled.driver_connection, sql, (secret_hash,), dialect, pooled.invalidate)
            row = cursor.fetchone()
        return None if row is None else self._plain.to_key(row)

    def key_by_id(self, key_id: str) -> KeyRecord | None:
        with self._connect(write=False) as conn:
            row = conn.execute(sa.select(api_keys).where(api_keys.c.id == key_id)).one_or_none()
        return None if row is None else to_key(row)

    def keys(self, workspace_id: str) -> list[KeyRecord]:
        with self._connect(write=False) as conn:
            return SqlKeys(conn, workspace_id).all()

    def revoke_key(self, workspace_id: str, key_id: str) -> bool:
        with self._connect(write=True) as conn:
            return SqlKeys(conn, workspace_id).revoke(key_id)

    def close(self) -> None:
        self.engine.dispose()
