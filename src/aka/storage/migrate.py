"""Schema migrations with Alembic, configured in code.

The revisions ship inside the package (`aka/storage/migrations/`), so an installed wheel
can migrate its database without an `alembic.ini` or a source checkout.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from typing import Final, Literal

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection, Engine

from aka.storage.sql_driver import WRITE_OPTION

SCRIPT_LOCATION: Final = "aka.storage:migrations"
# ConfigParser interpolation: `%%` here is a single `%` for Alembic. Date-prefixed
# names keep `versions/` in the order revisions were written.
FILE_TEMPLATE: Final = "%%(year)d_%%(month).2d_%%(day).2d_%%(rev)s_%%(slug)s"
# PostgreSQL advisory lock key taken by `upgrade`: fixed, so every aka process agrees on
# it ("aka_mig" in ASCII). Advisory locks are per database, so this serialises aka's
# migrations of one database and nothing else.
MIGRATION_LOCK_KEY: Final = 0x616B615F6D6967
# How long a process waits for another's migration of a SQLite file (ms): the PostgreSQL
# wait is unbounded; SQLite's busy handler needs a number. An hour is "as long as it takes"
# for any migration aka ships (ADR 0013's index rebuild: about a second per million events).
SQLITE_MIGRATION_WAIT_MS: Final = 3_600_000

log = logging.getLogger("aka.migrate")


def alembic_config(connection: Connection | None = None) -> Config:
    """Alembic's configuration; `connection` is what `env.py` migrates through."""
    config = Config()
    config.set_main_option("script_location", SCRIPT_LOCATION)
    config.set_main_option("file_template", FILE_TEMPLATE)
    # Without it, Alembic warns (an error under our test settings) about legacy splitting.
    config.set_main_option("path_separator", "os")
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revisions() -> set[str]:
    return set(_revisions()[0])


@cache
def _revisions() -> tuple[frozenset[str], frozenset[str]]:
    """This code's heads and every revision it knows. Read once per process: they ship
    with the code, and /readyz asks on every probe (reading them parses every file)."""
    script = ScriptDirectory.from_config(alembic_config())
    return frozenset(script.get_heads()), frozenset(r.revision for r in script.walk_revisions())


def current_revisions(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        return _current(conn)


def _current(conn: Connection) -> set[str]:
    return set(MigrationContext.configure(conn).get_current_heads())


Schema = Literal["current", "behind", "newer"]
"""Where a database's schema stands against this aka's revisions: `newer` is a revision
this code does not know, so one a later release wrote (ADR 0029)."""


def schema_of(engine: Engine) -> Schema:
    """Where the database's schema stands against this code's newest revision."""
    with engine.connect() as conn:
        return _standing(_current(conn))


def _standing(current: set[str]) -> Schema:
    if current == head_revisions():
        return "current"
    if _unknown(current):
        return "newer"
    return "behind"


def _unknown(current: set[str]) -> list[str]:
    """The database's revisions this code does not know (a later release's)."""
    return sorted(current - _revisions()[1])


def current_is_head(engine: Engine) -> bool:
    """True when the database is at the newest revision this code knows."""
    return schema_of(engine) == "current"


def upgrade(engine: Engine, revision: str = "head") -> list[str]:
    """Bring the schema to `revision` in one write transaction (idempotent); the
    revisions this call applied, oldest first (none when another process had done it).

    Safe when several processes start at once: they take turns under one lock
    (PostgreSQL: an advisory lock; SQLite: the file's write lock, waited for as long as
    a migration takes), and the later ones find nothing left to do, so each revision
    runs exactly once. A database already at a revision this code does not know was
    migrated by a later release: its schema only added to this one's (expand-only,
    ADR 0029), so it is left as it is, with a warning, and this code runs on it."""
    applied: list[str] = []
    with engine.connect() as conn:
        # SQLite: the write option makes this `BEGIN IMMEDIATE`, the database-wide lock.
        conn.execution_options(**{WRITE_OPTION: True})
        with _waiting_for_other_migrations(conn), conn.begin():
            if conn.dialect.name == "postgresql":
                _take_migration_lock(conn)
            newer = _unknown(_current(conn))
            if newer:
                log.warning(
                    "the database schema is at revision %s, which this aka (newest revision"
                    " %s) does not know: a later release migrated it. Running on it"
                    " unchanged: within a release line migrations only add (ADR 0029)",
                    ", ".join(newer),
                    ", ".join(sorted(head_revisions())),
                )
                return applied
            config = alembic_config(conn)
            config.attributes["applied"] = applied
            command.upgrade(config, revision)
    return applied


@contextmanager
def _waiting_for_other_migrations(conn: Connection) -> Iterator[None]:
    """SQLite: let this connection wait for the write lock as long as a migration may
    take, not the store's `busy_timeout` (5 s): a process starting while another one
    migrates a large store waits its turn instead of failing. Put back afterwards, as
    the connection returns to the pool. PostgreSQL waits in `_take_migration_lock`."""
    if conn.dialect.name != "sqlite":
        yield
        return
    # On the driver's connection: a statement through SQLAlchemy would open the
    # transaction (`BEGIN IMMEDIATE`) before the longer wait is set.
    raw = conn.connection.driver_connection
    assert isinstance(raw, sqlite3.Connection)
    previous = int(raw.execute("PRAGMA busy_timeout").fetchone()[0])
    raw.execute(f"PRAGMA busy_timeout={SQLITE_MIGRATION_WAIT_MS}")
    try:
        yield
    finally:
        raw.execute(f"PRAGMA busy_timeout={previous}")


def _take_migration_lock(conn: Connection) -> None:
    """Hold PostgreSQL's migration lock until this transaction ends.

    PostgreSQL has no database-wide write lock: without this, two processes would both
    read "no alembic_version yet" and both CREATE TABLE, and one would fail. The waiting
    one reads the version table only after the first committed (READ COMMITTED), so it
    finds the schema at head. The wait is unbounded (a long migration is worth waiting
    for, one that hangs is the operator's to see); the store's lock_timeout is back for
    the DDL itself, so a migration never queues forever behind a long request.
    """
    previous = conn.execute(sa.text("SELECT current_setting('lock_timeout')")).scalar_one()
    conn.execute(sa.text("SELECT set_config('lock_timeout', '0', true)"))
    conn.execute(sa.select(sa.func.pg_advisory_xact_lock(MIGRATION_LOCK_KEY)))
    conn.execute(sa.text("SELECT set_config('lock_timeout', :v, true)"), {"v": previous})


def new_revision(engine: Engine, message: str, *, autogenerate: bool = True) -> None:
    """Write a new date-prefixed revision into `migrations/versions/` (for developers).

    `engine` must be at head: autogenerate writes the difference between it and
    `tables.metadata`. Review the file, wrap constraint names in `op.f()`, and keep it
    free of imports from `aka.storage.tables` (revisions are frozen).
    """
    with engine.connect() as conn, conn.begin():
        command.revision(alembic_config(conn), message=message, autogenerate=autogenerate)
