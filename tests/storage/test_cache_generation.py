"""Keys and workspace settings kept in process memory, on both SQL backends
(`storage/cache_generation.py`, ADR 0021): kept while the cache generation is unchanged,
and never served after a change committed by anyone, in any process.

Two store objects on one database stand for two processes (a server and another server,
or the CLI): neither hears of the other's changes except through the database.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from aka.core.ports import KeyRecord
from aka.core.settings import MergePolicy, WorkspaceSettings
from aka.storage import open_store
from aka.storage.cache_generation import READ, generation_of
from aka.storage.sql_store import SqlStore
from tests.backends import backend_url, sql_backend_params

from .builders import key_record

WS = "acme"


def database_with_workspace(backend: str, tmp_path: Path) -> str:
    """The URL of a migrated, empty database of `backend` holding workspace `acme`."""
    url = backend_url(backend, tmp_path)
    setup = open_store(url)
    try:
        setup.create_workspace(WS, WorkspaceSettings())
    finally:
        setup.close()
    return url


@pytest.fixture(params=sql_backend_params())
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A migrated database of each SQL backend, with workspace `acme`."""
    return database_with_workspace(request.param, tmp_path)


def _open(url: str) -> SqlStore:
    store = open_store(url)
    assert isinstance(store, SqlStore)
    return store


@pytest.fixture
def here(url: str) -> Iterator[SqlStore]:
    """The process under test (a server)."""
    store = _open(url)
    yield store
    store.close()


@pytest.fixture
def elsewhere(url: str) -> Iterator[SqlStore]:
    """Another process on the same database (another server, `aka keys`)."""
    store = _open(url)
    yield store
    store.close()


def generation(store: SqlStore) -> int:
    with store.engine.connect() as conn:
        return generation_of(conn.exec_driver_sql(READ).first())


def a_key() -> KeyRecord:
    """Key `key-h1`, whose secret hashes to `h1`."""
    return key_record("key-h1", secret_hash="h1", workspace_id=WS)


def settings_behind_the_caches_back(store: SqlStore, policy: MergePolicy) -> None:
    """Change the stored settings without bumping the generation: what no aka writer
    does, and so a way to tell a read from memory from a read of the row."""
    settings = WorkspaceSettings(merge_policy=policy).to_json()
    with store.engine.begin() as conn:
        conn.execute(
            sa.text("UPDATE workspaces SET settings = :s WHERE id = :id").bindparams(
                sa.bindparam("s", type_=sa.JSON)
            ),
            {"s": settings, "id": WS},
        )


def read_policy(store: SqlStore) -> MergePolicy:
    with store.transaction(WS, write=False) as tx:
        return tx.settings().merge_policy


def test_every_change_to_a_key_or_to_settings_bumps_the_generation_once_it_commits(
    here: SqlStore,
) -> None:
    """Through the store's own calls (the CLI's) and inside a request's transaction
    alike; a rolled-back change, a revocation that matched no key, and graph writes do
    not bump it."""
    start = generation(here)
    here.create_key(a_key())
    assert generation(here) == start + 1
    assert here.revoke_key(WS, "key-h1")
    assert generation(here) == start + 2
    with here.transaction(WS) as tx:
        tx.keys.add(key_record("key-h2", secret_hash="h2", workspace_id=WS))
        tx.keys.revoke("key-h2")
        tx.save_settings(WorkspaceSettings(merge_policy=MergePolicy.AUTO))
    assert generation(here) == start + 5
    assert not here.revoke_key(WS, "key-missing")

    def change_then_fail() -> None:
        with here.transaction(WS) as tx:
            tx.save_settings(WorkspaceSettings())
            raise RuntimeError("the request failed")

    with pytest.raises(RuntimeError):
        change_then_fail()
    assert generation(here) == start + 5


def test_a_key_revoked_elsewhere_is_refused_by_the_very_next_lookup(
    here: SqlStore, elsewhere: SqlStore
) -> None:
    here.create_key(a_key())
    assert here.key_by_hash("h1") is not None
    assert here.key_by_hash("h1") is not None  # kept now
    assert elsewhere.revoke_key(WS, "key-h1")
    revoked = here.key_by_hash("h1")
    assert revoked is not None
    assert revoked.revoked_at is not None


def test_a_key_created_elsewhere_works_at_once(here: SqlStore, elsewhere: SqlStore) -> None:
    """An unknown hash is never kept: a key made a moment later is found."""
    assert here.key_by_hash("h1") is None
    elsewhere.create_key(a_key())
    assert here.key_by_hash("h1") is not None


def test_settings_saved_elsewhere_apply_to_the_next_read_and_write(
    here: SqlStore, elsewhere: SqlStore
) -> None:
    assert read_policy(here) is MergePolicy.REFUSE
    with elsewhere.transaction(WS) as tx:
        tx.save_settings(WorkspaceSettings(merge_policy=MergePolicy.AUTO))
    assert read_policy(here) is MergePolicy.AUTO
    with here.transaction(WS) as writer:
        assert writer.settings().merge_policy is MergePolicy.AUTO


def test_a_workspace_created_elsewhere_can_be_read_at_once(
    here: SqlStore, elsewhere: SqlStore
) -> None:
    """Only workspaces that exist are kept (they are never deleted)."""
    with pytest.raises(Exception, match="does not exist"), here.transaction("later", write=False):
        pass
    elsewhere.create_workspace("later", WorkspaceSettings())
    with here.transaction("later", write=False) as tx:
        assert tx.settings() == WorkspaceSettings()


def test_sqlite_keeps_keys_and_settings_until_the_generation_changes(tmp_path: Path) -> None:
    """On SQLite every lookup and read checks the file first (`PRAGMA data_version`),
    then serves from memory: a row changed without a bump is not read again, and any
    key or settings change by anyone makes the next read fetch it. (PostgreSQL serves
    from memory only to validated requests: `test_postgres_caches.py`.)"""
    url = backend_url("sqlite", tmp_path)
    here, elsewhere = _open(url), _open(url)
    try:
        here.migrate()
        here.create_workspace(WS, WorkspaceSettings())
        here.create_key(a_key())
        first = here.key_by_hash("h1")
        assert here.key_by_hash("h1") is first  # from memory, not decoded again
        assert read_policy(here) is MergePolicy.REFUSE
        settings_behind_the_caches_back(elsewhere, MergePolicy.AUTO)
        assert read_policy(here) is MergePolicy.REFUSE  # kept: the generation did not move
        elsewhere.create_key(key_record("key-h2", secret_hash="h2", workspace_id=WS))
        assert read_policy(here) is MergePolicy.AUTO  # any bump drops everything kept
        again = here.key_by_hash("h1")
        assert again == first
        assert again is not first
    finally:
        here.close()
        elsewhere.close()


def test_a_deleted_generation_row_comes_back_above_every_count(
    here: SqlStore, elsewhere: SqlStore
) -> None:
    """Deleting the row by hand loses no change: the next one recreates it at a value
    above anything a process keeps."""
    here.create_key(a_key())
    assert here.key_by_hash("h1") is not None
    kept = generation(here)
    with elsewhere.engine.begin() as conn:
        conn.exec_driver_sql("DELETE FROM cache_generation")
    assert elsewhere.revoke_key(WS, "key-h1")
    assert generation(here) > kept
    revoked = here.key_by_hash("h1")
    assert revoked is not None
    assert revoked.revoked_at is not None


def test_a_requests_key_check_holds_for_its_reads_and_the_next_request_checks_again(
    tmp_path: Path,
) -> None:
    """On SQLite a request's key lookup checks the file once (after the request
    arrived); its reads then take settings from memory without checking again (each
    statement hands the GIL away). A change committed elsewhere meanwhile reaches the
    next request, which checks again."""
    import contextvars  # noqa: PLC0415

    from aka.core import consistency  # noqa: PLC0415

    url = f"sqlite:///{tmp_path / 'aka.db'}"
    here, elsewhere = _open(url), _open(url)
    try:
        here.migrate()
        here.create_workspace(WS, WorkspaceSettings())
        key = a_key()
        here.create_key(key)

        def request(change_meanwhile: MergePolicy | None = None) -> MergePolicy:
            assert here.key_by_hash(key.secret_hash) == key
            assert consistency.caches_validated_by() is here
            if change_meanwhile is not None:  # committed after this request's check
                with elsewhere.transaction(WS) as tx:
                    tx.save_settings(WorkspaceSettings(merge_policy=change_meanwhile))
            return here.read(WS, lambda view: view.settings().merge_policy)

        assert contextvars.copy_context().run(request) is MergePolicy.REFUSE
        changed = contextvars.copy_context().run(request, MergePolicy.AUTO)
        assert changed is MergePolicy.REFUSE  # as of its check
        assert contextvars.copy_context().run(request) is MergePolicy.AUTO
    finally:
        here.close()
        elsewhere.close()
