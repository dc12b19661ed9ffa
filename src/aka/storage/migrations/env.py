"""Alembic's entry point, driven only by `aka.storage.migrate` (no alembic.ini).

The caller hands over a connection already inside its transaction, so the whole
upgrade commits or rolls back as one (SQLite runs DDL transactionally too), and two
processes migrating at once are serialised by the database, not by luck.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from alembic import context
from alembic.runtime.migration import MigrationContext, MigrationInfo
from sqlalchemy.engine import Connection

from aka.storage.tables import exists_on, metadata

connection = context.config.attributes.get("connection")
if not isinstance(connection, Connection):
    raise RuntimeError("run migrations through aka.storage.migrate, which passes a connection")
dialect_name = connection.dialect.name
# Where `aka.storage.migrate.upgrade` collects the revisions this run applies.
applied = context.config.attributes.get("applied")


def _note_applied(
    ctx: MigrationContext, step: MigrationInfo, heads: Collection[str], run_args: Mapping[str, Any]
) -> None:
    del ctx, heads, run_args  # Alembic passes them by these names
    if applied is not None and step.is_upgrade:
        applied.extend(step.up_revision_ids)


context.configure(
    connection=connection,
    target_metadata=metadata,
    # SQLite cannot ALTER most constraints; batch mode rebuilds the table instead.
    render_as_batch=True,
    compare_type=True,
    include_object=lambda item, _name, _type, _reflected, _compared: exists_on(dialect_name, item),
    on_version_apply=_note_applied,
)
with context.begin_transaction():
    context.run_migrations()
