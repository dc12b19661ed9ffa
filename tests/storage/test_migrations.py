"""Migrations: the revisions build exactly `tables.metadata`, and run on seeded data."""

from __future__ import annotations

import re
from collections.abc import Iterator
from importlib import resources
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from aka.core.settings import WorkspaceSettings
from aka.storage import migrate
from aka.storage.sqlite import SqliteStore
from aka.storage.tables import metadata

from .changes import the_merge


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqliteStore]:
    """An unmigrated SQLite store."""
    store = SqliteStore(f"sqlite:///{tmp_path / 'aka.db'}")
    yield store
    store.close()


def schema_diff(engine: sa.Engine) -> list[object]:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return list(compare_metadata(context, metadata))


def test_the_migrated_schema_is_exactly_the_table_definitions(store: SqliteStore) -> None:
    """Autogenerate finds nothing to change between the migrated database and
    `tables.metadata`: tables, columns, types, nullability, indexes, unique constraints
    and foreign keys all agree."""
    assert schema_diff(store.engine)  # the comparison does see an empty database
    store.migrate()
    assert schema_diff(store.engine) == []


def test_current_is_head_only_after_upgrade(store: SqliteStore) -> None:
    """An empty database is behind; after `upgrade` it is at the single head."""
    assert migrate.current_is_head(store.engine) is False
    migrate.upgrade(store.engine)
    assert migrate.current_is_head(store.engine) is True
    assert migrate.current_revisions(store.engine) == migrate.head_revisions()
    assert len(migrate.head_revisions()) == 1


def test_revision_files_are_date_prefixed() -> None:
    """`versions/` sorts in the order revisions were written (polar's convention)."""
    versions = resources.files("aka.storage") / "migrations" / "versions"
    names = sorted(p.name for p in versions.iterdir() if p.name.endswith(".py"))
    assert names
    for name in names:
        assert re.fullmatch(r"\d{4}_\d{2}_\d{2}_[0-9a-f]{12}_\w+\.py", name), name


def test_upgrading_again_keeps_the_data(store: SqliteStore) -> None:
    """Re-running migrations on a seeded database changes nothing it holds."""
    store.migrate()
    store.create_workspace("acme", WorkspaceSettings())
    with store.transaction("acme") as tx:
        for change in the_merge():
            tx.append(change)
        before = tx.graph()
    store.migrate()
    with store.transaction("acme", write=False) as tx:
        assert tx.graph() == before


def test_downgrade_to_base_and_back(store: SqliteStore) -> None:
    """Every revision can be undone and redone, leaving the same schema."""
    store.migrate()
    with store.engine.connect() as conn, conn.begin():
        command.downgrade(migrate.alembic_config(conn), "base")
    assert set(sa.inspect(store.engine).get_table_names()) == {"alembic_version"}
    store.migrate()
    assert schema_diff(store.engine) == []


def sqlite_ddl(engine: sa.Engine) -> dict[tuple[str, str], str]:
    """Every table's and index's CREATE statement, whitespace-normalised."""
    with engine.connect() as conn:
        rows = conn.exec_driver_sql(
            "SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL"
            " AND name != 'alembic_version'"
        ).all()
    return {(kind, name): " ".join(sql.split()) for kind, name, sql in rows}


def test_the_migrated_ddl_is_what_create_all_would_emit(store: SqliteStore, tmp_path: Path) -> None:
    """Autogenerate ignores CHECK constraints and constraint names, so also compare
    the SQLite DDL itself with a database built straight from `tables.metadata`."""
    store.migrate()
    declared = sa.create_engine(f"sqlite:///{tmp_path / 'declared.db'}")
    try:
        metadata.create_all(declared)
        assert sqlite_ddl(store.engine) == sqlite_ddl(declared)
    finally:
        declared.dispose()
