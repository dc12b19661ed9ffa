"""The PostgreSQL store: psycopg 3 under SQLAlchemy Core, for several aka processes.

Writers are serialised per workspace, as SQLite's `BEGIN IMMEDIATE` serialises them per
file (ADR 0004): a write transaction's first statement locks its workspace row, and
runs at READ COMMITTED, so every later statement takes a fresh snapshot that already
holds whatever the previous writer committed. Two writers racing for one identifier or
one external id therefore cannot both decide "free" (invariant 5); the unique indexes
stay as the backstop. Writers of different workspaces never wait for each other.

Readers take no lock and run at REPEATABLE READ, READ ONLY: one snapshot for the whole
transaction, as a SQLite reader gets under WAL, so a reader never sees half of a merge
that committed between two of its statements.

With read replicas (`AKA_READ_DATABASE_URL`), a read transaction of a workspace's graph
goes to a replica that has applied the events the read needs, else to the primary
(`_read_engine`, `storage/replicas.py`, ADR 0022). Writes, reads inside them, keys and
the list of workspaces always use the primary.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import cached_property
from typing import Any, Final

import psycopg
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.pool import PoolProxiedConnection

from aka.core import consistency
from aka.core.errors import AkaError, Code
from aka.core.ports import KeyRecord
from aka.core.settings import WorkspaceSettings
from aka.storage import json_text, replicas
from aka.storage.sql_driver import WRITE_OPTION
from aka.storage.sql_keys import SqlKeys
from aka.storage.sql_store import SqlStore
from aka.storage.sql_writer import SqlTransaction
from aka.storage.tables import workspaces
from aka.storage.ttl_cache import TtlCache

DRIVER: Final = "postgresql+psycopg"
# `postgres://` is what Heroku-style platforms hand out; SQLAlchemy dropped the alias.
SCHEMES: Final = frozenset({"postgres", "postgresql", DRIVER})

# The engine's runtime runs PostgreSQL store calls in 16 worker threads per process
# (`engine/runtime.py`), each holding one connection at a time; the overflow covers what
# runs beside them (a /readyz probe, a purge). At most 24 per process: four processes fit
# under the server's default `max_connections` of 100.
POOL_SIZE: Final = 16
MAX_OVERFLOW: Final = 8
POOL_TIMEOUT_S: Final = 30
CONNECT_TIMEOUT_S: Final = 5
# How long a process trusts what it read of a key and of a workspace's settings (`_Caches`).
KEY_CACHE_S: Final = 2.0
SETTINGS_CACHE_S: Final = 2.0
# The bound on waiting for a lock (another writer of the workspace), as SQLite's
# busy_timeout bounds waiting for its write lock: a stuck writer turns into an error,
# not a pile-up of requests that wait forever.
LOCK_TIMEOUT_MS: Final = 5000


def postgres_url(url: str | URL) -> URL:
    """The URL with the psycopg 3 driver: `postgres://` and `postgresql://` are rewritten
    to `postgresql+psycopg://`; any other scheme is a ValueError naming it."""
    parsed = make_url(url)
    if parsed.drivername.lower() not in SCHEMES:
        raise ValueError(
            f"not a PostgreSQL URL for psycopg 3: scheme {parsed.drivername!r}"
            " (use postgresql://user@host/db)"
        )
    return parsed.set(drivername=DRIVER)


def _connect_args(url: URL, lock_timeout_ms: int, connect_timeout_s: int) -> dict[str, Any]:
    """libpq parameters aka sets unless the URL already sets them."""
    args: dict[str, Any] = {}
    if "connect_timeout" not in url.query:
        args["connect_timeout"] = connect_timeout_s
    if "application_name" not in url.query:
        args["application_name"] = "aka"
    # Connection options, not a SET per transaction: no extra round trip. Kept next to
    # any `options` the URL brings (e.g. a search_path); a setting the URL names wins.
    options = str(url.query.get("options", ""))
    extra = []
    if "lock_timeout" not in options:
        extra.append(f"-c lock_timeout={lock_timeout_ms}")
    if "plan_cache_mode" not in options:
        # psycopg prepares a statement it has run 5 times, and PostgreSQL may then keep
        # one generic plan for it. A plan made while a table was nearly empty stays
        # after a bulk load has filled it, until the next ANALYZE (autovacuum: a minute
        # or more): a batched resolve planned as a nested loop over every identifier
        # times every profile ran for minutes (docs/performance.md). Custom plans are
        # made for each execution from the table's current size: ~0.05 ms of planning.
        extra.append("-c plan_cache_mode=force_custom_plan")
    if extra:
        args["options"] = " ".join([options, *extra]).strip()
    return args


def postgres_engine(
    url: str | URL,
    *,
    pool_size: int = POOL_SIZE,
    max_overflow: int = MAX_OVERFLOW,
    lock_timeout_ms: int = LOCK_TIMEOUT_MS,
    connect_timeout_s: int = CONNECT_TIMEOUT_S,
) -> Engine:
    """An engine for aka's PostgreSQL store (not connected until first used)."""
    parsed = postgres_url(url)
    return sa.create_engine(
        parsed,
        # A failed statement's error (and so its logged traceback) must not quote the
        # identifiers it was given: logs are beyond erasure's reach.
        hide_parameters=True,
        json_serializer=json_text.dumps,
        json_deserializer=json_text.loads,
        pool_size=pool_size,
        max_overflow=max_overflow,
        pool_timeout=POOL_TIMEOUT_S,
        # A connection the server or a proxy dropped while idle is replaced on checkout
        # instead of failing the request that drew it. A round trip per checkout, but
        # the hot paths check out once per round of many requests (`read_batch`, group
        # commit) and keys and settings come from `_Caches`.
        pool_pre_ping=True,
        # Said explicitly: the write path is correct *because* each statement after the
        # workspace lock sees the latest commit; a server-wide default of REPEATABLE READ
        # or SERIALIZABLE would instead fail the second writer with a serialization error.
        isolation_level="READ COMMITTED",
        connect_args=_connect_args(parsed, lock_timeout_ms, connect_timeout_s),
    )


def lock_workspace(conn: Connection, workspace_id: str) -> bool:
    """Lock the workspace row until the transaction ends; False when there is none.

    `FOR NO KEY UPDATE` rather than `FOR UPDATE`: it conflicts with itself, so writers of
    one workspace queue here, and it is the lock `UPDATE workspaces SET last_seq` takes
    anyway, so appending needs no upgrade. Unlike `FOR UPDATE` it does not block the
    `FOR KEY SHARE` locks that foreign-key checks take, so creating an API key (or a
    row in any table referencing `workspaces`) from outside the transaction is not held
    up behind a long write such as a bulk import.
    """
    found = conn.execute(
        sa.select(workspaces.c.id)
        .where(workspaces.c.id == workspace_id)
        .with_for_update(key_share=True)
    ).one_or_none()
    return found is not None


class PostgresTransaction(SqlTransaction):
    # What this transaction changed of what the store caches (`_Caches`): the store
    # evicts it once the transaction committed.
    _settings_saved = False
    _keys_removed: tuple[str, ...] = ()

    def save_settings(self, settings: WorkspaceSettings) -> None:
        super().save_settings(settings)
        self._settings_saved = True

    @cached_property
    def keys(self) -> SqlKeys:
        # Told of each revocation, so the store evicts the key once this commits.
        return SqlKeys(self._conn, self.workspace_id, revoked=self._key_revoked)

    def _key_revoked(self, key_id: str) -> None:
        self._keys_removed = (*self._keys_removed, key_id)

    def lock_profiles(self, profile_ids: Sequence[str]) -> None:
        """`FOR UPDATE` row locks in id order. The workspace lock already serialises this
        workspace's writers, so these never wait today; they are where finer-grained
        locking (one workspace, many concurrent writers) starts."""
        self._lock_rows_in_id_order(profile_ids)

    _dialect_insert = staticmethod(pg_insert)


class _Caches:
    """What a process keeps of rarely changing rows, each for a short time: a lookup is
    a round trip here (not a local read, as on SQLite), and every request makes one.

    - API keys by secret hash (`KEY_CACHE_S`): a key revoked through another process
      (another server, `aka keys revoke`) is refused within that time; one revoked
      through this process at once.
    - Workspace settings as stored JSON text, for read-only transactions only
      (`SETTINGS_CACHE_S`): a change made through another process applies to this
      process's reads within that time; writers always read them afresh. Workspaces are
      never deleted, so a cached entry also proves that the workspace exists.
    """

    def __init__(self, key_s: float, settings_s: float) -> None:
        self.keys: TtlCache[str, KeyRecord] = TtlCache(key_s)
        self.settings: TtlCache[str, str] = TtlCache(settings_s)

    def forget_key(self, key_id: str) -> None:
        self.keys.evict_where(lambda key: key.id == key_id)

    def forget_changes_of(self, tx: PostgresTransaction) -> None:
        """After `tx` committed. A reader that read the old rows before the commit
        does not cache them after it (`TtlCache.put(since=)`)."""
        if tx._settings_saved:
            self.settings.evict(tx.workspace_id)
        for key_id in tx._keys_removed:
            self.forget_key(key_id)


class PostgresStore(SqlStore):
    """The `Store` on PostgreSQL, e.g. `PostgresStore("postgresql://aka@db/aka")`;
    `read_urls`: its read replicas, if any (module doc).

    Keys and, for readers, workspace settings are cached briefly (`_Caches`)."""

    transaction_class = PostgresTransaction

    def __init__(
        self,
        url: str | URL,
        *,
        read_urls: Sequence[str | URL] = (),
        pool_size: int = POOL_SIZE,
        max_overflow: int = MAX_OVERFLOW,
        lock_timeout_ms: int = LOCK_TIMEOUT_MS,
        key_cache_s: float = KEY_CACHE_S,
        settings_cache_s: float = SETTINGS_CACHE_S,
    ) -> None:
        super().__init__(
            postgres_engine(
                url,
                pool_size=pool_size,
                max_overflow=max_overflow,
                lock_timeout_ms=lock_timeout_ms,
            )
        )
        self._caches = _Caches(key_cache_s, settings_cache_s)
        self.replicas = replicas.ReplicaSet(
            [
                postgres_engine(
                    read_url,
                    pool_size=min(pool_size, replicas.POOL_SIZE),
                    max_overflow=min(max_overflow, replicas.MAX_OVERFLOW),
                    lock_timeout_ms=lock_timeout_ms,
                    connect_timeout_s=replicas.CONNECT_TIMEOUT_S,
                )
                for read_url in read_urls
            ]
        )

    def _read_engine(self, workspace_id: str) -> Engine:
        """The primary, or a replica that has applied the events this context's reads
        need (`consistency.read_floor()`); replicas in turn."""
        if not self.replicas:
            return self.engine
        floor = consistency.read_floor()
        if floor >= consistency.PRIMARY_ONLY:
            return self.engine
        return self.replicas.choose(workspace_id, floor) or self.engine

    def _read_connection(self, workspace_id: str) -> Connection:
        # A replica that cannot be reached now: the primary answers this read.
        engine = self._read_engine(workspace_id)
        return self.replicas.open(engine, Engine.connect, self.engine)

    @contextmanager
    def transaction(
        self, workspace_id: str, *, write: bool = True
    ) -> Iterator[PostgresTransaction]:
        if not write and self.replicas:
            with self._replica_read(workspace_id) as read:
                yield read
            return
        with super().transaction(workspace_id, write=write) as tx:
            assert isinstance(tx, PostgresTransaction)
            yield tx
        self._caches.forget_changes_of(tx)

    @contextmanager
    def _replica_read(self, workspace_id: str) -> Iterator[PostgresTransaction]:
        entered = False
        try:
            with super().transaction(workspace_id, write=False) as tx:
                assert isinstance(tx, PostgresTransaction)
                entered = True
                yield tx
        except AkaError as error:
            if entered or error.code is not Code.WORKSPACE_NOT_FOUND:
                raise
            # A replica does not hold a workspace created a moment ago (no event
            # sequence covers that): the primary says whether it exists.
            with consistency.on_primary(), super().transaction(workspace_id, write=False) as tx:
                assert isinstance(tx, PostgresTransaction)
                yield tx

    def _settings_for_read(self, conn: Connection, workspace_id: str) -> str | None:
        cache = self._caches.settings
        cached = cache.get(workspace_id)
        if cached is not None:
            return cached
        since = cache.mark()
        text = super()._settings_for_read(conn, workspace_id)
        if text is not None:
            cache.put(workspace_id, text, since=since)
        return text

    def cached_key(self, secret_hash: str) -> KeyRecord | None:
        """The key if this process read it in the last `KEY_CACHE_S` seconds, without
        touching the database (None: ask `key_by_hash`)."""
        return self._caches.keys.get(secret_hash)

    def key_by_hash(self, secret_hash: str) -> KeyRecord | None:
        cache = self._caches.keys
        cached = cache.get(secret_hash)
        if cached is not None:
            return cached
        since = cache.mark()
        found = super().key_by_hash(secret_hash)
        # An unknown hash is not cached: a key created a moment ago works at once.
        if found is not None:
            cache.put(secret_hash, found, since=since)
        return found

    def revoke_key(self, workspace_id: str, key_id: str) -> bool:
        revoked = super().revoke_key(workspace_id, key_id)
        self._caches.forget_key(key_id)
        return revoked

    def _transaction_options(self, *, write: bool) -> dict[str, Any]:
        if write:
            return {WRITE_OPTION: True}  # READ COMMITTED, the engine's level
        # psycopg folds both into its BEGIN, so a read costs no extra round trip; the
        # pool resets them when the connection is returned.
        return {
            WRITE_OPTION: False,
            "isolation_level": "REPEATABLE READ",
            "postgresql_readonly": True,
        }

    def _enter_workspace(self, conn: Connection, workspace_id: str, *, write: bool) -> bool:
        if write:
            return lock_workspace(conn, workspace_id)
        return super()._enter_workspace(conn, workspace_id, write=write)

    def close(self) -> None:
        super().close()
        self.replicas.close()

    @contextmanager
    def _autocommit(self) -> Iterator[PoolProxiedConnection]:
        # psycopg otherwise opens a transaction (BEGIN, then COMMIT: two more round
        # trips) around a single read that needs none.
        with super()._autocommit() as pooled:
            driver = pooled.driver_connection
            driver.autocommit = True  # type: ignore[union-attr]
            try:
                yield pooled
            finally:
                with contextlib.suppress(psycopg.Error):  # closed: the pool drops it anyway
                    driver.autocommit = False  # type: ignore[union-attr]
