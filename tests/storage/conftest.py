"""Store fixtures: one contract suite, every backend (`tests/backends.py`).

`store` runs each test on memory, SQLite and PostgreSQL; `sql_store` on the two SQL
backends only, for what only a database can show (locks, snapshots, the schema).
PostgreSQL tests skip when no server answers, and fail instead when CI=true.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from aka.core.ports import Store
from aka.core.settings import WorkspaceSettings
from aka.storage import open_store
from aka.storage.sql_store import SqlStore
from aka.storage.sqlite import SqliteStore
from tests.backends import empty_database, open_backend, sql_backend_params

WORKSPACE = "acme"


@pytest.fixture
def unmigrated_store(backend: str, tmp_path: Path) -> Iterator[Store]:
    """A store on an empty database whose schema has not been created."""
    with empty_database(backend, tmp_path) as url:
        store = open_store(url)
        try:
            yield store
        finally:
            store.close()


@pytest.fixture
def store(backend: str, tmp_path: Path) -> Iterator[Store]:
    """A migrated store with no workspaces."""
    store = open_backend(backend, tmp_path)
    try:
        yield store
    finally:
        store.close()


@pytest.fixture
def ws(store: Store) -> str:
    """The id of one empty workspace in `store`, with default settings."""
    store.create_workspace(WORKSPACE, WorkspaceSettings())
    return WORKSPACE


@pytest.fixture(params=sql_backend_params())
def sql_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SqlStore]:
    """A migrated SQL store (SQLite, then PostgreSQL) with workspace `acme`."""
    store = open_backend(request.param, tmp_path)
    assert isinstance(store, SqlStore)
    try:
        store.create_workspace(WORKSPACE, WorkspaceSettings())
        yield store
    finally:
        store.close()


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[SqliteStore]:
    """A migrated SQLite store with workspace `acme`, for SQLite-only behaviour."""
    store = SqliteStore(f"sqlite:///{tmp_path / 'aka.db'}")
    store.migrate()
    store.create_workspace(WORKSPACE, WorkspaceSettings())
    yield store
    store.close()
