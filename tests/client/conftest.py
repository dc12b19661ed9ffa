"""One real `aka serve` (SQLite) for every aka-client spec: the client only talks HTTP."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from aka_client import AuthenticatedClient, connect
from tests.backends import server_env
from tests.servers import running_server

ADMIN_KEY = "aka_client_admin_key"


@pytest.fixture(scope="session")
def aka_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The base URL of a server on an empty SQLite store, admin key `ADMIN_KEY`."""
    env = {
        **server_env("sqlite", tmp_path_factory.mktemp("aka-client")),
        "AKA_ADMIN_KEY": ADMIN_KEY,
    }
    with running_server(env) as base:
        yield base


@pytest.fixture
def aka(aka_server: str) -> Iterator[AuthenticatedClient]:
    """A client holding the admin key (every scope)."""
    with connect(aka_server, ADMIN_KEY) as client:
        yield client
