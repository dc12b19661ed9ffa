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
import logging
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Final, TypeVar

import psycopg
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import ConnectionPoolEntry, PoolProxiedConnection

from aka.core import consistency
from aka.core.errors import AkaError, Code
from aka.core.ports import KeyRecord, ReadView
from aka.storage import json_text, replicas
from aka.storage.cache_generation import GenerationCaches
from aka.storage.postgres_generation import GenerationProbe
from aka.storage.sql_driver import WRITE_OPTION, DbHandle
from aka.storage.sql_store import SqlStore
from aka.storage.sql_writer import SqlTransaction
from aka.storage.tables import workspaces

log = logging.getLogger("aka.store")
T = TypeVar("T")

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
# A pooled connection idle this long is pinged before it is handed out (`ping_when_idle`).
IDLE_PING_S: Final = 5.0
_IDLE_SINCE: Final = "aka_idle_since"
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


def ping_when_idle(engine: Engine, idle_s: float = IDLE_PING_S) -> None:
    """Ping a pooled connection on checkout when it sat idle in the pool `idle_s` or
    longer, or when the pool lost a connection since it was last used; replace it when
    the ping fails.

    Instead of `pool_pre_ping`, which pings on every checkout: that ping was one of the
    five round trips of a resolve (docs/performance.md, "Resolve on PostgreSQL"). A
    connection in steady use was just used, so it is handed out as it is; one that sat
    idle long enough for a server restart, an idle timeout or a proxy to drop it is
    checked first, as `pool_pre_ping` would have. A connection that breaks while in
    steady use fails its statement and is invalidated (`sql_driver.run`); from then on
    every connection last used before that moment is pinged before it is handed out, so
    a server restart costs one failed statement, not one per pooled connection (and a
    read is run again on a fresh connection: `PostgresStore.read`)."""
    clock = time.monotonic
    lost = [float("-inf")]  # when the pool last invalidated a connection

    def checkin(_dbapi: Any, record: ConnectionPoolEntry) -> None:
        record.info[_IDLE_SINCE] = clock()

    def invalidated(_dbapi: Any, _record: ConnectionPoolEntry, _error: Any) -> None:
        lost[0] = clock()

    def checkout(dbapi: Any, record: ConnectionPoolEntry, _proxy: Any) -> None:
        since = record.info.get(_IDLE_SINCE)
        if since is None or (clock() - since < idle_s and lost[0] < since):
            return  # new, or just used and nothing was lost since
        try:
            engine.dialect.do_ping(dbapi)
        except engine.dialect.loaded_dbapi.Error as err:
            # The pool discards this connection and checks out another (SQLAlchemy's
            # documented pessimistic-disconnect recipe).
            raise sa.exc.DisconnectionError(f"idle connection failed its ping: {err}") from err

    event.listen(engine, "checkin", checkin)
    event.listen(engine, "invalidate", invalidated)
    event.listen(engine, "checkout", checkout)


def postgres_engine(
    url: str | URL,
    *,
    pool_size: int = POOL_SIZE,
    max_overflow: int = MAX_OVERFLOW,
    lock_timeout_ms: int = LOCK_TIMEOUT_MS,
    idle_ping_s: float = IDLE_PING_S,
    connect_timeout_s: int = CONNECT_TIMEOUT_S,
) -> Engine:
    """An engine for aka's PostgreSQL store (not connected until first used)."""
    parsed = postgres_url(url)
    engine = sa.create_engine(
        parsed,
        # A failed statement's error (and so its logged traceback) must not quote the
        # identifiers it was given: logs are beyond erasure's reach.
        hide_parameters=True,
        json_serializer=json_text.dumps,
        json_deserializer=json_text.loads,
        pool_size=pool_size,
        max_overflow=max_overflow,
        pool_timeout=POOL_TIMEOUT_S,
        # Said explicitly: the write path is correct *because* each statement after the
        # workspace lock sees the latest commit; a server-wide default of REPEATABLE READ
        # or SERIALIZABLE would instead fail the second writer with a serialization error.
        isolation_level="READ COMMITTED",
        connect_args=_connect_args(parsed, lock_timeout_ms, connect_timeout_s),
    )
    ping_when_idle(engine, idle_ping_s)
    return engine


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
    def lock_profiles(self, profile_ids: Sequence[str]) -> None:
        """`FOR UPDATE` row locks in id order. The workspace lock already serialises this
        workspace's writers, so these never wait today; they are where finer-grained
        locking (one workspace, many concurrent writers) starts."""
        self._lock_rows_in_id_order(profile_ids)

    _dialect_insert = staticmethod(pg_insert)


class PostgresStore(SqlStore):
    """The `Store` on PostgreSQL, e.g. `PostgresStore("postgresql://aka@db/aka")`;
    `read_urls`: its read replicas, if any (module doc).

    Keys and workspace settings are kept in memory while the cache generation is
    unchanged (`cache_generation`, ADR 0021). `validate_caches` brings them up to date
    with one shared round trip; until a request has awaited it, nothing is taken from
    memory: `key_by_hash` always reads the key (and keeps it), a read transaction
    reads its workspace's settings."""

    transaction_class = PostgresTransaction

    def __init__(
        self,
        url: str | URL,
        *,
        read_urls: Sequence[str | URL] = (),
        pool_size: int = POOL_SIZE,
        max_overflow: int = MAX_OVERFLOW,
        lock_timeout_ms: int = LOCK_TIMEOUT_MS,
    ) -> None:
        super().__init__(
            postgres_engine(
                url,
                pool_size=pool_size,
                max_overflow=max_overflow,
                lock_timeout_ms=lock_timeout_ms,
            )
        )
        self._caches = GenerationCaches()
        # Keys are checked against the database this store writes to, never a replica:
        # a replica may not have applied the revocation yet.
        parsed = postgres_url(url)
        self._probe = GenerationProbe(
            parsed.set(drivername="postgresql").render_as_string(hide_password=False),
            _connect_args(parsed, lock_timeout_ms, CONNECT_TIMEOUT_S),
            self._caches.seen,
        )
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

    async def validate_caches(self) -> None:
        """Return once what this process keeps reflects every key and settings change
        committed before the call (a round trip shared with concurrent callers; raises
        what the database raised when it cannot be asked)."""
        await self._probe.read()
        # Only a context so marked takes settings from memory (`_settings_for_read`): any
        # other caller (a background job, the CLI, a test) reads them afresh, so a read is
        # never older than its caller. Long-lived tasks do not start from a request's
        # context (`read_batch` and `group_commit` start theirs in an empty one; a read
        # round carries the mark only if all its requests had it).
        consistency.validated_by(self)

    def _settings_known(self, workspace_id: str) -> str | None:
        # Only in a request that validated (as `_settings_for_read`): no caller reads
        # settings older than itself.
        if consistency.caches_validated_by() is not self:
            return None
        return self._caches.current.settings.get(workspace_id)

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
    def _one_statement(self, workspace_id: str) -> Iterator[DbHandle | None]:
        # On a replica as any graph read (`_read_engine`), in autocommit (`_autocommit`).
        engine = self._read_engine(workspace_id)
        pooled = self.replicas.open(engine, Engine.raw_connection, self.engine)
        with self._autocommit(pooled) as conn:
            yield DbHandle(
                conn.driver_connection, self.engine.dialect, conn.invalidate, statements=1
            )

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

    def read(self, workspace_id: str, work: Callable[[ReadView], T], *, several: bool = False) -> T:
        """`SqlStore.read`, once more on a fresh connection when the one it drew had
        died in the pool (a server restart, a replica stopped): a read only reads, so
        running it again is safe, and the pool now pings what it hands out."""
        try:
            return super().read(workspace_id, work, several=several)
        except DBAPIError as err:
            if not err.connection_invalidated:
                raise
            said = (str(err.orig or err).strip().splitlines() or ["?"])[0]
            log.warning("a pooled connection had died (%s); reading again", said)
            return super().read(workspace_id, work, several=several)

    def cached_key(self, secret_hash: str) -> KeyRecord | None:
        """The key as this process keeps it, as good as the last `validate_caches` (None:
        not kept, ask `key_by_hash`)."""
        return self._caches.current.keys.get(secret_hash)

    def key_by_hash(self, secret_hash: str) -> KeyRecord | None:
        kept = self._caches.current  # taken before the read: see `cache_generation.Kept`
        found = super().key_by_hash(secret_hash)
        # An unknown hash is not kept: a key created a moment later must work at once.
        if found is not None:
            kept.keep_key(secret_hash, found)
        return found

    def _settings_for_read(self, conn: Connection, workspace_id: str) -> str | None:
        kept = self._caches.current
        if consistency.caches_validated_by() is self:
            text = kept.settings.get(workspace_id)
            if text is not None:
                return text
        text = super()._settings_for_read(conn, workspace_id)
        # Only what the primary said is kept: a replica's settings may predate the
        # generation the kept ones answer for.
        if text is not None and conn.engine is self.engine:
            kept.keep_settings(workspace_id, text)
        return text

    def close(self) -> None:
        self._probe.close()
        super().close()
        self.replicas.close()

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

    @contextmanager
    def _autocommit(
        self, pooled: PoolProxiedConnection | None = None
    ) -> Iterator[PoolProxiedConnection]:
        # psycopg otherwise opens a transaction (BEGIN, then COMMIT: two more round
        # trips) around a single read that needs none.
        with super()._autocommit(pooled) as held:
            driver = held.driver_connection
            driver.autocommit = True  # type: ignore[union-attr]
            try:
                yield held
            finally:
                with contextlib.suppress(psycopg.Error):  # closed: the pool drops it anyway
                    driver.autocommit = False  # type: ignore[union-attr]
