"""What only the SQLite store promises: its pragmas, its one-writer lock, and a file
that keeps the graph across reopening. (The schema and the port are tested on every SQL
backend: test_sql_schema.py, test_store_contract*.py.)"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from aka.core.settings import WorkspaceSettings
from aka.storage.sqlite import SqliteStore

from .changes import created, the_merge

WS = "acme"


@pytest.fixture
def engine(sqlite_store: SqliteStore) -> sa.Engine:
    return sqlite_store.engine


def test_connections_use_wal_foreign_keys_and_a_busy_timeout(engine: sa.Engine) -> None:
    """Every pooled connection gets aka's pragmas."""
    with engine.connect() as conn:
        pragma = {
            name: conn.exec_driver_sql(f"PRAGMA {name}").scalar()
            for name in ("journal_mode", "foreign_keys", "synchronous", "busy_timeout")
        }
    assert pragma == {
        "journal_mode": "wal",
        "foreign_keys": 1,
        "synchronous": 1,
        "busy_timeout": 5000,
    }


def test_deleted_content_is_overwritten_in_the_file(engine: sa.Engine) -> None:
    """`secure_delete` is on whatever SQLite build runs aka: an erased value must not
    survive in the file's free pages (a build's default may be off)."""
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA secure_delete").scalar() == 1


def test_a_writer_waits_for_the_writer_before_it(sqlite_store: SqliteStore) -> None:
    """`BEGIN IMMEDIATE`: a second writer blocks until the first commits, then reads
    the first one's result; a reader meanwhile is not blocked at all."""
    first_in = threading.Event()
    timeline: list[str] = []

    def first() -> None:
        with sqlite_store.transaction(WS) as tx:
            tx.append(created("a"))
            first_in.set()
            time.sleep(0.3)
            timeline.append("first commits")

    thread = threading.Thread(target=first)
    thread.start()
    first_in.wait()
    with sqlite_store.transaction(WS, write=False) as reader:
        assert reader.profile("a") is None
        timeline.append("reader done")
    with sqlite_store.transaction(WS) as tx:
        timeline.append("second starts")
        assert tx.profile("a") is not None
        assert tx.append(created("b")).seq == 2
    thread.join()
    assert timeline == ["reader done", "first commits", "second starts"]


def test_the_graph_survives_reopening_the_file(tmp_path: Path) -> None:
    """What one store committed, a new store on the same file reads back whole."""
    url = f"sqlite:///{tmp_path / 'aka.db'}"
    first = SqliteStore(url)
    try:
        first.migrate()
        first.create_workspace(WS, WorkspaceSettings())
        with first.transaction(WS) as tx:
            for change in the_merge():
                tx.append(change)
            before = tx.graph()
    finally:
        first.close()
    second = SqliteStore(url)
    try:
        with second.transaction(WS, write=False) as tx:
            assert tx.graph() == before
    finally:
        second.close()
