"""`open_store` picks the backend by URL scheme and says clearly what it cannot open.

No database is contacted: opening a store only builds its engine.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from aka.storage import open_store
from aka.storage.memory import MemoryStore
from aka.storage.postgres import PostgresStore
from aka.storage.sqlite import SqliteStore


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("mysql://db/aka", "'mysql'"),
        ("postgresql+psycopg2://db/aka", "'postgresql\\+psycopg2'"),
        ("sqlite:///:memory:", "in-memory SQLite"),
        ("sqlite://", "in-memory SQLite"),
    ],
)
def test_open_store_refuses_what_it_cannot_open(url: str, message: str) -> None:
    """An unsupported scheme (psycopg 2 included), or an in-memory SQLite, is a clear
    ValueError naming it."""
    with pytest.raises(ValueError, match=message):
        open_store(url)


def test_open_store_picks_the_backend_by_scheme(tmp_path: Path) -> None:
    """`sqlite:///path` opens SQLite (without migrating); `memory://` the memory twin."""
    sqlite = open_store(f"sqlite:///{tmp_path / 'x.db'}")
    try:
        assert isinstance(sqlite, SqliteStore)
        assert sqlite.readiness() is not None
    finally:
        sqlite.close()
    assert isinstance(open_store("memory://"), MemoryStore)


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://aka:secret@db.internal:5433/aka",
        "postgres://aka:secret@db.internal:5433/aka",
        "postgresql+psycopg://aka:secret@db.internal:5433/aka",
        "POSTGRESQL://aka:secret@db.internal:5433/aka",
    ],
)
def test_postgres_urls_open_the_postgres_store_with_psycopg_3(url: str) -> None:
    """`postgresql://`, the `postgres://` that hosting platforms hand out, and the
    explicit `postgresql+psycopg://` all open PostgreSQL through psycopg 3, keeping the
    rest of the URL as given."""
    store = open_store(url)
    try:
        assert isinstance(store, PostgresStore)
        opened = store.engine.url
        assert opened.drivername == "postgresql+psycopg"
        assert (opened.username, opened.password) == ("aka", "secret")
        assert (opened.host, opened.port, opened.database) == ("db.internal", 5433, "aka")
    finally:
        store.close()
