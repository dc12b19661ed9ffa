"""Service specs run on every backend (tests/backends.py: memory, SQLite, and PostgreSQL
when it is reachable). Every test that uses `world` ends with the workspace's
invariants 1-4 checked: `check_workspace` must find nothing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from aka.core.ports import Store
from aka.core.settings import WorkspaceSettings
from tests.backends import backend_params, open_backend

from .builders import World


@pytest.fixture(params=backend_params())
def empty_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """A migrated store with no workspace at all."""
    store = open_backend(request.param, tmp_path)
    try:
        yield store
    finally:
        store.close()


@pytest.fixture
def store(empty_store: Store) -> Store:
    """A store with the workspace `default` on default settings."""
    empty_store.create_workspace("default", WorkspaceSettings())
    return empty_store


@pytest.fixture
def world(store: Store) -> Iterator[World]:
    world = World(store)
    yield world
    assert world.violations() == [], "the test left the workspace breaking invariants 1-4"
