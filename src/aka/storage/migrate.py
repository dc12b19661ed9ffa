"""Schema migrations with Alembic, configured in code.

The revisions ship inside the package (`aka/storage/migrations/`), so an installed wheel
can migrate its database without an `alembic.ini` or a source checkout.
"""

from __future__ import annotations

from typing import Final

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
    return set(ScriptDirectory.from_config(alembic_config()).get_heads())


def current_revisions(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        return set(MigrationContext.configure(conn).get_current_heads())


def current_is_head(engine: Engine) -> bool:
    """True when the database is at the newest revision (what /readyz reports)."""
    return current_revisions(engine) == head_revisions()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to `revision` in one write transaction (idempotent).

    Safe when several processes start at once: they migrate one after the other, and
    the later ones find nothing left to do."""
    with engine.connect() as conn:
        # SQLite: the write option makes this `BEGIN IMMEDIATE`, the database-wide lock.
        conn.execution_options(**{WRITE_OPTION: True})
        with conn.begin():
            if conn.dialect.name == "postgresql":
                _wait_for_other_migrations(conn)
            command.upgrade(alembic_config(conn), revision)


def _wait_for_other_migrations(conn: Connection) -> None:
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
