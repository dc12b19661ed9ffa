"""What only the PostgreSQL store promises (ADR 0004): its connection settings, a lock
per workspace that serialises that workspace's writers and nothing else, read-only
readers, and profile row locks. The port itself is tested by the contract suite."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.pool import QueuePool

from aka.core.errors import AkaError, Code
from aka.core.settings import MergePolicy, WorkspaceSettings
from aka.storage.postgres import (
    IDLE_PING_S,
    LOCK_TIMEOUT_MS,
    MAX_OVERFLOW,
    POOL_SIZE,
    PostgresStore,
    postgres_engine,
)
from aka.storage.tables import profiles
from tests.backends import backend_url

from .builders import key_record
from .changes import created

WS = "acme"


def open_postgres(tmp_path: Path, **options: int) -> PostgresStore:
    store = PostgresStore(backend_url("postgres", tmp_path), **options)
    store.create_workspace(WS, WorkspaceSettings())
    return store


@pytest.fixture
def pg_store(tmp_path: Path) -> Iterator[PostgresStore]:
    """A migrated, empty PostgreSQL store with workspace `acme`."""
    store = open_postgres(tmp_path)
    yield store
    store.close()


def show(store: PostgresStore, *settings: str) -> list[str]:
    with store.engine.connect() as conn:
        return [str(conn.exec_driver_sql(f"SHOW {name}").scalar()) for name in settings]


def holding_a_write(store: PostgresStore, workspace: str = WS) -> Callable[[], None]:
    """Start a thread that opens a write transaction in `workspace` (so holds its lock)
    and keeps it open; the returned function lets it commit and joins it."""
    inside, release = threading.Event(), threading.Event()

    def hold() -> None:
        with store.transaction(workspace) as tx:
            tx.append(created("held"))
            inside.set()
            release.wait(10)

    thread = threading.Thread(target=hold)
    thread.start()
    assert inside.wait(10)

    def finish() -> None:
        release.set()
        thread.join(10)

    return finish


def test_the_pool_fits_sixteen_threads_and_pings_only_idle_connections(
    pg_store: PostgresStore,
) -> None:
    """A QueuePool of 16 (+8 overflow). Not a ping on every checkout (a round trip of
    every read): only a connection idle for `IDLE_PING_S` is pinged first."""
    pool = pg_store.engine.pool
    assert isinstance(pool, QueuePool)
    assert (pool.size(), pool._max_overflow, pool._pre_ping) == (POOL_SIZE, MAX_OVERFLOW, False)
    assert IDLE_PING_S <= 5


def _backend_pid(engine: sa.Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.text("SELECT pg_backend_pid()")).scalar_one())


def _terminate(pid: int, engine: sa.Engine) -> None:
    """End a backend from another connection to the same database."""
    other = sa.create_engine(engine.url, poolclass=sa.pool.NullPool)
    with other.connect() as conn:
        conn.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    other.dispose()


def test_a_connection_dropped_while_idle_is_replaced_before_it_is_handed_out(
    tmp_path: Path,
) -> None:
    """The server (a restart, an idle timeout, a proxy) dropped a pooled connection that
    sat idle: its checkout pings it and hands out a new one, and the read succeeds."""
    engine = postgres_engine(backend_url("postgres", tmp_path), pool_size=1, idle_ping_s=0)
    try:
        first = _backend_pid(engine)
        _terminate(first, engine)
        assert _backend_pid(engine) != first
    finally:
        engine.dispose()


def test_a_connection_in_steady_use_is_handed_out_without_a_ping(tmp_path: Path) -> None:
    """Used a moment ago, it is trusted: a connection that broke since fails its first
    statement (and is dropped), which is what not pinging every checkout costs."""
    engine = postgres_engine(backend_url("postgres", tmp_path), pool_size=1, idle_ping_s=3600)
    try:
        first = _backend_pid(engine)
        _terminate(first, engine)
        with pytest.raises(DBAPIError):
            _backend_pid(engine)
        assert _backend_pid(engine) != first  # the broken one was not handed out again
    finally:
        engine.dispose()


def test_every_connection_bounds_its_lock_waits(pg_store: PostgresStore) -> None:
    """Each connection names itself `aka` and waits at most 5 s for a lock, as SQLite
    waits at most 5 s for its write lock."""
    assert show(pg_store, "lock_timeout", "application_name") == ["5s", "aka"]
    assert LOCK_TIMEOUT_MS == 5000


def test_every_connection_plans_each_statement_for_the_tables_as_they_are(
    pg_store: PostgresStore,
) -> None:
    """No generic plan is kept for a prepared statement: one made while a table was
    nearly empty would outlive the bulk load that filled it (a batched resolve ran for
    minutes after an import into a fresh store)."""
    assert show(pg_store, "plan_cache_mode") == ["force_custom_plan"]


def test_options_in_the_url_are_kept_and_win(tmp_path: Path) -> None:
    """`options` in the URL are passed on beside aka's own, and a lock_timeout or a
    plan_cache_mode there replaces aka's; so do connect_timeout and application_name."""
    url = sa.make_url(backend_url("postgres", tmp_path))
    kept = PostgresStore(url.update_query_dict({"options": "-c statement_timeout=1234"}))
    replaced = PostgresStore(
        url.update_query_dict(
            {
                "options": "-c lock_timeout=250 -c plan_cache_mode=auto",
                "application_name": "mine",
            }
        )
    )
    try:
        assert show(kept, "statement_timeout", "lock_timeout") == ["1234ms", "5s"]
        assert show(replaced, "lock_timeout", "plan_cache_mode", "application_name") == [
            "250ms",
            "auto",
            "mine",
        ]
    finally:
        kept.close()
        replaced.close()


def test_a_read_transaction_cannot_write_and_leaves_its_connection_clean(
    tmp_path: Path,
) -> None:
    """Readers run READ ONLY (REPEATABLE READ); the pool hands the same connection to
    the next writer at READ COMMITTED, read-write again."""
    store = open_postgres(tmp_path, pool_size=1, max_overflow=0)
    try:
        with (
            pytest.raises(DBAPIError, match="read-only transaction"),
            store.transaction(WS, write=False) as tx,
        ):
            tx.save_settings(WorkspaceSettings(merge_policy=MergePolicy.AUTO))
        with store.transaction(WS) as tx:
            tx.save_settings(WorkspaceSettings(merge_policy=MergePolicy.AUTO))
        assert show(store, "transaction_isolation", "transaction_read_only") == [
            "read committed",
            "off",
        ]
        record = store.workspace(WS)
        assert record is not None
        assert record.settings.merge_policy is MergePolicy.AUTO
    finally:
        store.close()


def test_writers_of_different_workspaces_do_not_wait_for_each_other(
    pg_store: PostgresStore,
) -> None:
    """The lock is the workspace row: a writer of `other` commits while `acme`'s writer
    is still open (on SQLite it would wait: one writer per file)."""
    pg_store.create_workspace("other", WorkspaceSettings())
    finish = holding_a_write(pg_store)
    try:
        started = time.monotonic()
        with pg_store.transaction("other") as tx:
            assert tx.append(created("o")).seq == 1
        assert time.monotonic() - started < 1
    finally:
        finish()


def test_the_workspace_lock_does_not_hold_up_a_new_api_key(pg_store: PostgresStore) -> None:
    """`FOR NO KEY UPDATE`, not `FOR UPDATE`: the foreign-key check of a new key in the
    workspace (`FOR KEY SHARE`) does not queue behind a long write, such as an import."""
    finish = holding_a_write(pg_store)
    try:
        key = key_record("k1", workspace_id=WS)
        started = time.monotonic()
        pg_store.create_key(key)
        assert time.monotonic() - started < 1
    finally:
        finish()
    assert [k.id for k in pg_store.keys(WS)] == ["k1"]


def test_a_writer_that_waits_past_the_lock_timeout_gives_up(tmp_path: Path) -> None:
    """A writer queued behind a stuck one gives up after lock_timeout with a retryable
    `store_busy` instead of waiting forever; nothing of it is kept."""
    store = open_postgres(tmp_path, lock_timeout_ms=200)
    finish = holding_a_write(store)
    try:
        started = time.monotonic()
        with pytest.raises(AkaError) as refused, store.transaction(WS) as tx:
            tx.append(created("late"))
        assert refused.value.code is Code.STORE_BUSY
        assert 0.15 < time.monotonic() - started < 2
    finally:
        finish()
    try:
        with store.transaction(WS, write=False) as tx:
            assert [e.profile_id for e in tx.all_events()] == ["held"]
    finally:
        store.close()


def test_lock_profiles_holds_those_rows_until_the_end(pg_store: PostgresStore) -> None:
    """`lock_profiles` takes row locks (in id order) that another transaction cannot
    take until this one ends; rows it did not name stay free."""
    with pg_store.transaction(WS) as tx:
        for pid in ("a", "b", "c"):
            tx.append(created(pid))

    def try_lock(pid: str) -> bool:
        with pg_store.engine.connect() as conn:
            try:
                conn.execute(
                    sa.select(profiles.c.id)
                    .where(profiles.c.workspace_id == WS, profiles.c.id == pid)
                    .with_for_update(nowait=True)
                ).all()
            except OperationalError:
                return False
            return True

    with pg_store.transaction(WS) as tx:
        tx.lock_profiles(["b", "a", "a", "ghost"])
        assert (try_lock("a"), try_lock("b"), try_lock("c")) == (False, False, True)
    assert (try_lock("a"), try_lock("b")) == (True, True)


def test_readiness_names_an_unreachable_server() -> None:
    """/readyz's reason when nothing listens at the URL, without waiting long."""
    store = PostgresStore("postgresql://aka@127.0.0.1:1/aka")
    try:
        started = time.monotonic()
        reason = store.readiness()
        assert reason is not None
        assert reason.startswith("database unreachable:")
        assert time.monotonic() - started < 10
    finally:
        store.close()


def _pids_of_pool(engine: sa.Engine, size: int) -> list[int]:
    """Check out `size` connections at once (so the pool holds that many), note their
    backends, and return them all to the pool."""
    held = [engine.raw_connection() for _ in range(size)]
    pids = []
    for pooled in held:
        cursor = pooled.driver_connection.cursor()  # type: ignore[union-attr]
        cursor.execute("SELECT pg_backend_pid()")
        pids.append(int(cursor.fetchone()[0]))
        pooled.driver_connection.rollback()  # type: ignore[union-attr]
    for pooled in held:
        pooled.close()
    return pids


def test_once_one_pooled_connection_is_found_dead_the_others_are_pinged(tmp_path: Path) -> None:
    """A server restart kills every pooled connection: the first one used fails its
    statement, and every connection last used before that moment is pinged (and
    replaced) before it is handed out, instead of failing one request each."""
    engine = postgres_engine(backend_url("postgres", tmp_path), pool_size=3, idle_ping_s=3600)
    try:
        pids = _pids_of_pool(engine, 3)
        for pid in pids:
            _terminate(pid, engine)
        with pytest.raises(DBAPIError):
            _backend_pid(engine)  # in steady use: handed out as it is, and fails
        assert all(_backend_pid(engine) not in pids for _ in range(3))
    finally:
        engine.dispose()


def test_a_read_on_a_connection_that_died_in_the_pool_is_answered(tmp_path: Path) -> None:
    """A read only reads: drawn on a dead connection, it runs again on a fresh one."""
    store = open_postgres(tmp_path)
    try:
        for pid in _pids_of_pool(store.engine, 2):
            _terminate(pid, store.engine)
        assert store.read(WS, lambda view: view.settings()) is not None
    finally:
        store.close()
