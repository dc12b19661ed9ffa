"""What the engine's specs share: a store of each backend holding one workspace, `WS`,
and the runtime as the app builds it over that store. (`test_housekeeper` asks for the
app's own store instead, as the suite's conftest makes it.)"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from aka.config import Settings
from aka.core.ports import Store
from aka.engine.runtime import Runtime
from tests.backends import open_backend

WS = "w"


@pytest.fixture
def store(backend: str, tmp_path: Path) -> Iterator[Store]:
    opened = open_backend(backend, tmp_path, workspace=WS)
    yield opened
    opened.close()


@pytest.fixture
def rt(store: Store, backend: str) -> Runtime:
    """The runtime as the app builds it: store calls offloaded for PostgreSQL only."""
    return Runtime(store, Settings(database_url="memory://"), offload=backend == "postgres")
