"""Store fixtures: one contract suite, every backend.

`store` is parametrized over `BACKENDS`; adding PostgreSQL is one more entry there (a
URL to a fresh database, skipped when no server is configured).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from aka.core.ports import Store
from aka.core.settings import WorkspaceSettings
from aka.storage import open_store
from aka.storage.sqlite import SqliteStore

BACKENDS: dict[str, Callable[[Path], str]] = {
    "memory": lambda _tmp: "memory://",
    "sqlite": lambda tmp: f"sqlite:///{tmp / 'aka.db'}",
}

WORKSPACE = "acme"


@pytest.fixture(params=sorted(BACKENDS))
def backend(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    return name


@pytest.fixture
def unmigrated_store(backend: str, tmp_path: Path) -> Iterator[Store]:
    """A store on an empty database whose schema has not been created."""
    store = open_store(BACKENDS[backend](tmp_path))
    yield store
    store.close()


@pytest.fixture
def store(unmigrated_store: Store) -> Store:
    """A migrated store with no workspaces."""
    unmigrated_store.migrate()
    return unmigrated_store


@pytest.fixture
def ws(store: Store) -> str:
    """The id of one empty workspace in `store`, with default settings."""
    store.create_workspace(WORKSPACE, WorkspaceSettings())
    return WORKSPACE


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[SqliteStore]:
    """A migrated SQLite store with workspace `acme`, for SQLite-only behaviour."""
    store = SqliteStore(f"sqlite:///{tmp_path / 'aka.db'}")
    store.migrate()
    store.create_workspace(WORKSPACE, WorkspaceSettings())
    yield store
    store.close()
