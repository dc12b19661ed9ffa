"""A writer that cannot get the workspace's write lock in time gets "busy", not a crash.

Nothing was written, so the answer is a retryable 503 (`store_busy`, `Retry-After`).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from starlette.testclient import TestClient

from aka.app import build_app
from aka.config import Settings
from aka.core.errors import AkaError, Code
from aka.core.ports import Store
from aka.core.settings import WorkspaceSettings
from aka.storage.postgres import PostgresStore
from aka.storage.sqlite import SqliteStore
from tests.backends import reset_postgres

ADMIN = "busy-admin-key"


@pytest.fixture
def sqlite_busy(tmp_path: Path) -> Iterator[tuple[SqliteStore, sqlite3.Connection]]:
    """A SQLite store with a 50 ms busy timeout, and another connection holding the
    database's write lock."""
    db = tmp_path / "aka.db"
    store = SqliteStore(f"sqlite:///{db}", busy_timeout_ms=50)
    store.migrate()
    holder = sqlite3.connect(db, isolation_level=None)
    yield store, holder
    holder.close()
    store.close()


@pytest.fixture
def postgres_busy() -> Iterator[tuple[PostgresStore, sa.Connection]]:
    """A PostgreSQL store with a 50 ms lock timeout, and another connection that can
    hold workspace rows locked."""
    url = reset_postgres()
    store = PostgresStore(url, lock_timeout_ms=50)
    engine = sa.create_engine(url.set(drivername="postgresql+psycopg"))
    holder = engine.connect()
    yield store, holder
    holder.close()
    engine.dispose()
    store.close()


def _assert_busy(store: Store, workspace: str) -> None:
    with pytest.raises(AkaError) as refused, store.transaction(workspace):
        pass
    assert refused.value.code is Code.STORE_BUSY
    assert refused.value.details["retry_after"] == 1


def test_sqlite_answers_busy_when_another_writer_holds_the_database(
    sqlite_busy: tuple[SqliteStore, sqlite3.Connection],
) -> None:
    """BEGIN IMMEDIATE waits the busy timeout, then the store says busy."""
    store, holder = sqlite_busy
    store.create_workspace("acme", WorkspaceSettings())
    holder.execute("BEGIN IMMEDIATE")
    _assert_busy(store, "acme")
    holder.execute("ROLLBACK")
    with store.transaction("acme", write=False):
        pass  # reads never needed the lock


def test_postgres_answers_busy_when_another_writer_holds_the_workspace(
    postgres_busy: tuple[PostgresStore, sa.Connection],
) -> None:
    """The workspace row lock waits lock_timeout, then the store says busy; another
    workspace is not held up."""
    store, holder = postgres_busy
    store.create_workspace("acme", WorkspaceSettings())
    store.create_workspace("other", WorkspaceSettings())
    with holder.begin():
        holder.execute(sa.text("SELECT id FROM workspaces WHERE id = 'acme' FOR UPDATE"))
        _assert_busy(store, "acme")
        with store.transaction("other"):
            pass


def test_the_api_answers_503_with_retry_after_when_the_store_is_busy(
    sqlite_busy: tuple[SqliteStore, sqlite3.Connection],
) -> None:
    """A write during a held lock is a problem+json 503 `store_busy` with Retry-After;
    after the lock is released the same request succeeds."""
    store, holder = sqlite_busy
    app = build_app(Settings(database_url="sqlite:///unused.db", admin_key=ADMIN), store=store)
    with TestClient(app) as client:
        auth = {"Authorization": f"Bearer {ADMIN}"}
        holder.execute("BEGIN IMMEDIATE")
        busy = client.post("/v1/profiles", json={}, headers=auth)
        holder.execute("ROLLBACK")
        assert busy.status_code == 503
        assert busy.headers["retry-after"] == "1"
        assert busy.json()["code"] == "store_busy"
        assert client.post("/v1/profiles", json={}, headers=auth).status_code == 201
