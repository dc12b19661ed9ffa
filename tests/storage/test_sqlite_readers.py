"""SQLite's readers: one connection per thread for read-only transactions and key
lookups (`sqlite_readers`), beside the pool the writers use."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from aka.core.errors import AkaError, Code
from aka.core.model import IdentifierKey
from aka.core.ports import KeyRecord
from aka.core.settings import WorkspaceSettings
from aka.storage.sqlite import SqliteStore

from .builders import key_record
from .changes import created, linked
from .conftest import WORKSPACE

K = IdentifierKey


def key(secret_hash: str, *, revoked: bool = False) -> KeyRecord:
    return key_record(f"key-{secret_hash}", secret_hash=secret_hash, revoked=revoked)


def test_a_read_nested_in_another_on_one_thread_gets_its_own_snapshot(
    sqlite_store: SqliteStore,
) -> None:
    """The thread's connection is busy with the outer read, so the inner one takes a
    pooled connection, and sees what committed after the outer one began."""
    with sqlite_store.transaction(WORKSPACE) as tx:
        tx.append(created("p1"))
    with sqlite_store.transaction(WORKSPACE, write=False) as outer:
        assert outer.identifiers_of("p1") == []
        with sqlite_store.transaction(WORKSPACE) as tx:
            tx.append(linked("p1", "a@x.io"))
        with sqlite_store.transaction(WORKSPACE, write=False) as inner:
            assert [i.value for i in inner.identifiers_of("p1")] == ["a@x.io"]
        assert sqlite_store.key_by_hash("h1") is None
        assert outer.identifier(K("email", "a@x.io")) is None


def test_each_thread_reads_on_its_own_connection(sqlite_store: SqliteStore) -> None:
    with sqlite_store.transaction(WORKSPACE) as tx:
        tx.append(created("p1"))
        tx.append(linked("p1", "a@x.io"))
    seen: list[object] = []

    def read() -> None:
        with sqlite_store.transaction(WORKSPACE, write=False) as tx:
            seen.append(tx.identifier(K("email", "a@x.io")))

    threads = [threading.Thread(target=read) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(seen) == 4
    assert all(s is not None and s == seen[0] for s in seen)


def test_a_failed_read_leaves_the_connection_usable(sqlite_store: SqliteStore) -> None:
    with pytest.raises(AkaError) as missing, sqlite_store.transaction("nowhere", write=False):
        pass
    assert missing.value.code is Code.WORKSPACE_NOT_FOUND

    def read_then_fail() -> None:
        with sqlite_store.transaction(WORKSPACE, write=False) as tx:
            tx.identifier(K("email", "a@x.io"))
            raise RuntimeError("the work failed")

    with pytest.raises(RuntimeError):
        read_then_fail()
    with sqlite_store.transaction(WORKSPACE, write=False) as tx:
        assert tx.settings() is not None


def test_a_revoked_key_reads_as_revoked_at_once(sqlite_store: SqliteStore) -> None:
    """Keys are read on every lookup (only their decoding is remembered), so another
    store on the same file (the CLI) revoking one shows on the very next lookup."""
    sqlite_store.create_key(key("h1"))
    first = sqlite_store.key_by_hash("h1")
    assert first is not None
    assert sqlite_store.key_by_hash("h1") is first  # unchanged row: decoded once
    other = SqliteStore(str(sqlite_store.engine.url))
    try:
        assert other.revoke_key(WORKSPACE, "key-h1")
    finally:
        other.close()
    revoked = sqlite_store.key_by_hash("h1")
    assert revoked is not None
    assert revoked.revoked_at is not None


def test_closing_the_store_closes_every_readers_connection(tmp_path: Path) -> None:
    store = SqliteStore(f"sqlite:///{tmp_path / 'aka.db'}")
    store.migrate()
    store.create_workspace(WORKSPACE, WorkspaceSettings())
    with store.transaction(WORKSPACE, write=False):
        pass
    reader = store._readers.idle()
    assert reader is not None
    store.close()
    with pytest.raises(sqlite3.ProgrammingError):
        reader.raw.execute("SELECT 1")
