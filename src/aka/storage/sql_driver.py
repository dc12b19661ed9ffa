"""Reaching a transaction's database connection: through SQLAlchemy, and on the
driver's own cursor.

Statements on the driver's cursor (`sql_plain`) run on the very connection, and inside
the very transaction, that SQLAlchemy opened, so they see exactly what a Core statement
would (a write transaction's own changes included), and fail as SQLAlchemy would (`run`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.exc import DBAPIError

from aka.storage.sql_plain import plain_sql

# Execution option read by a backend's "begin" hook: True asks for a transaction that
# holds the write lock from its first statement (SQLite `BEGIN IMMEDIATE`).
WRITE_OPTION: Final = "aka_write"


class NeedsSnapshot(BaseException):
    """Raised by a handle limited to one statement when a second is asked for: the work
    needs a transaction's snapshot and is run again in one (`SqlStore.read`). A
    BaseException, so that no `except Exception` in a use case swallows it."""


class DbHandle:
    """How a transaction reaches its database connection, two ways: the driver's own
    connection, for the statements written as plain SQL (`sql_plain`), and a SQLAlchemy
    `Connection` on that same driver connection (and so in the same transaction) for
    everything else. A transaction begun on the driver's connection directly
    (`SqliteStore`'s readers) opens the latter on first use only."""

    __slots__ = ("_open", "_sa", "cursor_of", "dialect", "invalidate", "statements_left")

    def __init__(
        self,
        cursor_of: Any,
        dialect: Dialect,
        invalidate: Callable[[BaseException], None],
        *,
        sa: Connection | None = None,
        open_sa: Callable[[], Connection] | None = None,
        statements: int | None = None,
    ) -> None:
        self.cursor_of = cursor_of
        self.dialect = dialect
        self.invalidate = invalidate
        self._sa = sa
        self._open = open_sa
        # None: any number (a transaction). A number: outside a transaction, where each
        # statement is its own snapshot, only that many may run (`NeedsSnapshot`).
        self.statements_left = statements

    @classmethod
    def of(cls, conn: Connection) -> DbHandle:
        return cls(conn.connection.driver_connection, conn.dialect, conn.invalidate, sa=conn)

    @property
    def opened(self) -> Connection | None:
        """The SQLAlchemy connection, if one was opened."""
        return self._sa

    def connection(self) -> Connection:
        if self.statements_left is not None:
            raise NeedsSnapshot  # a Core statement: not counted, so never outside one
        if self._sa is None:
            if self._open is None:
                raise RuntimeError("this handle has no SQLAlchemy connection")
            self._sa = self._open()
        return self._sa

    def execute(self, sql: str, params: tuple[Any, ...]) -> Any:
        if self.statements_left is not None:
            if self.statements_left <= 0:
                raise NeedsSnapshot
            self.statements_left -= 1
        return run(self.cursor_of, sql, params, self.dialect, self.invalidate)


def run(
    cursor_of: Any,
    sql: str,
    params: tuple[Any, ...],
    dialect: Dialect,
    invalidate: Callable[[BaseException], None],
) -> Any:
    """`cursor_of.execute(sql, params)`, failing as SQLAlchemy would: a driver error
    becomes the matching `sqlalchemy.exc.DBAPIError` (so "database is locked" and lock
    timeouts still read as such upstream), and a lost connection is invalidated so the
    pool never hands it out again."""
    try:
        return cursor_of.execute(sql, params)
    except dialect.loaded_dbapi.Error as err:
        disconnected = dialect.is_disconnect(err, cursor_of, None) or _connection_lost(err)
        if disconnected:
            invalidate(err)
        raise DBAPIError.instance(
            sql,
            params,
            err,
            dialect.loaded_dbapi.Error,
            connection_invalidated=disconnected,
            dialect=dialect,
        ) from err


def _connection_lost(err: BaseException) -> bool:
    """A PostgreSQL error that ends the session: a connection exception (SQLSTATE class
    08) or an operator's (57P: the server shut down, crashed or terminated this backend).
    psycopg may not have marked the connection broken yet when the error arrives, which
    is all SQLAlchemy's own check asks."""
    state = getattr(err, "sqlstate", None) or ""
    return state.startswith(("08", "57P"))


class SqlPart:
    """One part of a SQL transaction (its graph reads, event log, effects, pages): the
    transaction's connection, the workspace it works in, and the dialect's plain SQL."""

    def __init__(self, db: DbHandle, workspace_id: str) -> None:
        self.workspace_id = workspace_id
        self._db = db
        self._plain = plain_sql(db.dialect.name)

    @property
    def _conn(self) -> Connection:
        """The SQLAlchemy connection every Core statement runs on."""
        return self._db.connection()

    def _rows(self, sql: str, *params: Any) -> list[Any]:
        """Every row of a plain SQL statement run on the driver's cursor."""
        return self._db.execute(sql, params).fetchall()  # type: ignore[no-any-return]

    def _row(self, sql: str, *params: Any) -> Any:
        """The first row (or None) of a plain SQL statement run on the driver's cursor."""
        return self._db.execute(sql, params).fetchone()
