"""What a PostgreSQL store keeps in memory for a short time (`postgres._Caches`): API keys
and, for readers, workspace settings. A change made through this store applies at once;
one made through another process (another store on the same database) within the
cache's time, and not before it: both halves are the documented behaviour."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from aka.core.ports import KeyRecord
from aka.core.settings import MergePolicy, WorkspaceSettings
from aka.storage.postgres import KEY_CACHE_S, SETTINGS_CACHE_S, PostgresStore
from tests.backends import backend_url

from .builders import key_record

WS = "acme"
SHORT = 0.3  # seconds: the caches' time in these tests


@pytest.fixture
def url(tmp_path: Path) -> str:
    url = backend_url("postgres", tmp_path)
    setup = PostgresStore(url)
    try:
        setup.create_workspace(WS, WorkspaceSettings())
    finally:
        setup.close()
    return url


@pytest.fixture
def server(url: str) -> Iterator[PostgresStore]:
    """The store a server process would hold, caching for `SHORT` seconds."""
    store = PostgresStore(url, key_cache_s=SHORT, settings_cache_s=SHORT)
    yield store
    store.close()


@pytest.fixture
def elsewhere(url: str) -> Iterator[PostgresStore]:
    """Another process on the same database (another server, the CLI)."""
    store = PostgresStore(url)
    yield store
    store.close()


def a_key() -> KeyRecord:
    """Key `key-h1`, whose secret hashes to `h1`."""
    return key_record("key-h1", secret_hash="h1", workspace_id=WS)


def test_the_documented_times() -> None:
    assert (KEY_CACHE_S, SETTINGS_CACHE_S) == (2.0, 2.0)


def test_a_key_is_read_once_then_served_from_memory(server: PostgresStore) -> None:
    assert server.cached_key("h1") is None
    server.create_key(a_key())
    assert server.cached_key("h1") is None  # nothing cached before it was asked for
    first = server.key_by_hash("h1")
    assert first is not None
    assert server.cached_key("h1") is first
    assert server.key_by_hash("h1") is first


def test_an_unknown_key_is_not_remembered(server: PostgresStore, elsewhere: PostgresStore) -> None:
    """A key created a moment ago (by anyone) works at once."""
    assert server.key_by_hash("h1") is None
    elsewhere.create_key(a_key())
    assert server.key_by_hash("h1") is not None


def test_a_key_revoked_here_is_refused_at_once(server: PostgresStore) -> None:
    server.create_key(a_key())
    assert server.key_by_hash("h1") is not None
    assert server.revoke_key(WS, "key-h1")
    revoked = server.key_by_hash("h1")
    assert revoked is not None
    assert revoked.revoked_at is not None


def test_a_key_revoked_in_a_transaction_here_is_refused_once_it_commits(
    server: PostgresStore,
) -> None:
    """`DELETE /v1/keys/{id}` revokes inside a write transaction."""
    server.create_key(a_key())
    assert server.key_by_hash("h1") is not None
    with server.transaction(WS) as tx:
        assert tx.keys.revoke("key-h1")
    assert server.cached_key("h1") is None
    revoked = server.key_by_hash("h1")
    assert revoked is not None
    assert revoked.revoked_at is not None


def test_a_key_revoked_elsewhere_is_refused_within_the_cache_time(
    server: PostgresStore, elsewhere: PostgresStore
) -> None:
    server.create_key(a_key())
    assert server.key_by_hash("h1") is not None
    assert elsewhere.revoke_key(WS, "key-h1")
    still = server.key_by_hash("h1")
    assert still is not None
    assert still.revoked_at is None  # the bounded delay
    time.sleep(SHORT + 0.1)
    later = server.key_by_hash("h1")
    assert later is not None
    assert later.revoked_at is not None


def test_settings_saved_here_apply_to_the_next_read(server: PostgresStore) -> None:
    with server.transaction(WS, write=False) as tx:
        assert tx.settings().merge_policy is MergePolicy.REFUSE
    with server.transaction(WS) as tx:
        tx.save_settings(WorkspaceSettings(merge_policy=MergePolicy.AUTO))
    with server.transaction(WS, write=False) as tx:
        assert tx.settings().merge_policy is MergePolicy.AUTO


def test_settings_saved_elsewhere_apply_to_reads_within_the_cache_time_and_to_writes_at_once(
    server: PostgresStore, elsewhere: PostgresStore
) -> None:
    with server.transaction(WS, write=False) as tx:
        assert tx.settings().merge_policy is MergePolicy.REFUSE
    with elsewhere.transaction(WS) as tx:
        tx.save_settings(WorkspaceSettings(merge_policy=MergePolicy.AUTO))
    with server.transaction(WS) as writer:
        assert writer.settings().merge_policy is MergePolicy.AUTO
    with server.transaction(WS, write=False) as reader:
        assert reader.settings().merge_policy is MergePolicy.REFUSE  # the bounded delay
    time.sleep(SHORT + 0.1)
    with server.transaction(WS, write=False) as reader:
        assert reader.settings().merge_policy is MergePolicy.AUTO


def test_a_rolled_back_change_evicts_nothing_and_changes_nothing(server: PostgresStore) -> None:
    server.create_key(a_key())
    cached = server.key_by_hash("h1")

    def revoke_then_fail() -> None:
        with server.transaction(WS) as tx:
            tx.keys.revoke("key-h1")
            raise RuntimeError("the work failed")

    with pytest.raises(RuntimeError):
        revoke_then_fail()
    assert server.key_by_hash("h1") is cached
