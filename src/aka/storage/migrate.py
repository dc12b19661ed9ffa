"""Schema migrations with Alembic, configured in code.

The revisions ship inside the package (`aka/storage/migrations/`), so an installed wheel
can migrate its database without an `alembic.ini` or a source checkout.
"""

from __future__ import annotations

from typing import Final

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection, Engine

from aka.storage.sql_common import WRITE_OPTION

SCRIPT_LOCATION: Final = "aka.storage:migrations"
# ConfigParser interpolation: `%%` here is a single `%` for Alembic. Date-prefixed
# names keep `versions/` in the order revisions were written.
FILE_TEMPLATE: Final = "%%(year)d_%%(month).2d_%%(day).2d_%%(rev)s_%%(slug)s"


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
    """Bring the schema to `revision` in one write transaction (idempotent)."""
    with engine.connect() as conn:
        # Take the write lock up front: two processes starting at once then migrate
        # one after the other, and the second finds nothing left to do.
        conn.execution_options(**{WRITE_OPTION: True})
        with conn.begin():
            command.upgrade(alembic_config(conn), revision)


def new_revision(engine: Engine, message: str, *, autogenerate: bool = True) -> None:
    """Write a new date-prefixed revision into `migrations/versions/` (for developers).

    `engine` must be at head: autogenerate writes the difference between it and
    `tables.metadata`. Review the file, wrap constraint names in `op.f()`, and keep it
    free of imports from `aka.storage.tables` (revisions are frozen).
    """
    with engine.connect() as conn, conn.begin():
        command.revision(alembic_config(conn), message=message, autogenerate=autogenerate)
