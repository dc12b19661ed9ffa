"""Every store backend a suite runs on, and the one rule for when PostgreSQL is missing.

A suite adopts all three backends with one fixture:

    from tests.backends import backend_params, open_backend

    @pytest.fixture(params=backend_params())
    def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
        store = open_backend(request.param, tmp_path)
        yield store
        store.close()

or, when the code under test opens the store itself from a URL (the app),
`backend_url(name, tmp_path)`.

PostgreSQL: the server named by `AKA_TEST_POSTGRES_URL` (an admin URL, default
`postgresql://postgres@127.0.0.1:5432/test`) gets one fresh database per test run,
`aka_test_<pid>_<random>`, created and migrated on first use. Every `open_backend` /
`backend_url` empties its tables first, so each test starts empty whatever the one
before it left. `tests/conftest.py` drops the database when the session ends.

When the server cannot be reached, a test that needs it is skipped, naming the URL and
what to do, and the run still passes; with `CI=true` it fails instead: CI must never
pass by skipping the PostgreSQL half of the suite.
"""

from __future__ import annotations

import itertools
import os
import secrets
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Final, NoReturn

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import URL, Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import NullPool

from aka.core.ports import Store
from aka.core.settings import WorkspaceSettings
from aka.storage import open_store
from aka.storage.memory import MemoryStore
from aka.storage.postgres import PostgresStore, postgres_engine, postgres_url

ADMIN_URL_ENV: Final = "AKA_TEST_POSTGRES_URL"
DEFAULT_ADMIN_URL: Final = "postgresql://postgres@127.0.0.1:5432/test"
BACKENDS: Final = ("memory", "sqlite", "postgres")
# Rows the migrations made, which a test starts from as a new database would: the schema
# revision, and the cache generation's one row (deleted, it would come back at the time
# in µs, not counting from 0: `storage/cache_generation.BUMP`).
KEPT_TABLES: Final = frozenset({"alembic_version", "cache_generation"})
SQL_BACKENDS: Final = ("sqlite", "postgres")


def backend_params() -> list[str]:
    """Every backend's name, for `@pytest.fixture(params=backend_params())`."""
    return list(BACKENDS)


def sql_backend_params() -> list[str]:
    """The backends that speak SQL (for what only a database can show)."""
    return list(SQL_BACKENDS)


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"true", "1", "yes"}


def admin_url() -> URL:
    return postgres_url(os.environ.get(ADMIN_URL_ENV) or DEFAULT_ADMIN_URL)


def shown(url: URL) -> str:
    """A URL as messages may print it: password hidden, the scheme as users write it."""
    return url.set(drivername="postgresql").render_as_string(hide_password=True)


# SQLite's reflection skips expression indexes, warning once for each: the shared-value
# indexes (ADR 0018) are the only ones, and no reflecting test reads indexes.
SKIPPED_EXPRESSION_INDEX: Final = (
    "Skipped unsupported reflection of expression-based index "
    "ix_profiles_workspace_id_(email|phone)$"
)


def reflected(conn: sa.Connection) -> sa.MetaData:
    """Every table of the database behind `conn`, as the database describes it."""
    schema = sa.MetaData()
    with warnings.catch_warnings():
        warnings.filterwarnings(
            "ignore", message=SKIPPED_EXPRESSION_INDEX, category=sa.exc.SAWarning
        )
        schema.reflect(conn)
    return schema


# --- the run's PostgreSQL database ---------------------------------------------------


@dataclass
class _Run:
    url: URL
    tables: tuple[str, ...]  # children first (foreign keys), without `KEPT_TABLES`
    resetter: Engine  # one pooled connection that empties the tables before each test


_lock = threading.Lock()
_run: _Run | None = None
_unreachable: str | None = None  # why the server could not be reached, once known
_probed = False
_scratch = itertools.count(1)
_skipped = 0  # tests skipped for want of a server, for the run's closing summary


def _admin_engine() -> Engine:
    # AUTOCOMMIT: CREATE/DROP DATABASE cannot run inside a transaction block.
    return sa.create_engine(
        admin_url(),
        poolclass=NullPool,
        isolation_level="AUTOCOMMIT",
        connect_args={"connect_timeout": 3},
    )


def _probe() -> str | None:
    """None when the admin URL answers, else the first line of why not (cached)."""
    global _probed, _unreachable  # noqa: PLW0603 - one probe per test session
    if not _probed:
        engine = _admin_engine()
        try:
            with engine.connect() as conn:
                conn.execute(sa.text("SELECT 1"))
        except OperationalError as err:
            _unreachable = str(err.orig or err).strip().splitlines()[0]
        finally:
            engine.dispose()
        _probed = True
    return _unreachable


def _unavailable(reason: str) -> NoReturn:
    """The skipping rule, in one place: skip on a laptop, fail in CI."""
    global _skipped  # noqa: PLW0603 - counted for the summary line
    message = (
        f"PostgreSQL not reachable at {shown(admin_url())} ({reason}):"
        f" set {ADMIN_URL_ENV} or start it"
    )
    if in_ci():
        pytest.fail(f"{message} [CI=true: the PostgreSQL tests are required]", pytrace=False)
    _skipped += 1
    pytest.skip(message)


def _create_run() -> _Run:
    name = f"aka_test_{os.getpid()}_{secrets.token_hex(4)}"
    admin = _admin_engine()
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    url = admin_url().set(database=name)
    store = PostgresStore(url, pool_size=1, max_overflow=0)
    try:
        store.migrate()
        with store.engine.connect() as conn:
            schema = reflected(conn)
        # Children before parents, so each DELETE meets no foreign key still pointing in.
        names = tuple(t.name for t in reversed(schema.sorted_tables) if t.name not in KEPT_TABLES)
    except BaseException:
        store.close()
        _drop_database(name)
        raise
    store.close()
    return _Run(url, names, postgres_engine(url, pool_size=1, max_overflow=0))


def _drop_database(name: str) -> None:
    admin = _admin_engine()
    try:
        with admin.connect() as conn:
            # DROP DATABASE refuses while anyone is connected (WITH (FORCE) needs 13+).
            conn.execute(
                sa.text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE datname = :name AND pid <> pg_backend_pid()"
                ),
                {"name": name},
            )
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
    finally:
        admin.dispose()


@contextmanager
def scratch_database() -> Iterator[URL]:
    """A new, empty PostgreSQL database of its own (no schema at all), dropped after:
    for what needs a whole database, not a schema (`pg_restore`, several processes
    migrating it). Skips (or fails in CI) without a server."""
    reason = _probe()
    if reason is not None:
        _unavailable(reason)
    name = f"aka_scratch_{os.getpid()}_{secrets.token_hex(4)}"
    admin = _admin_engine()
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    try:
        yield admin_url().set(database=name)
    finally:
        _drop_database(name)


def postgres_database() -> URL:
    """The URL of this run's migrated database; skips (or fails in CI) without a server."""
    global _run  # noqa: PLW0603 - one database per test session
    with _lock:
        if _run is None:
            reason = _probe()
            if reason is not None:
                _unavailable(reason)
            _run = _create_run()
        return _run.url


def reset_postgres() -> URL:
    """Empty every table of the run's database (not `KEPT_TABLES`); its URL.

    DELETE, not TRUNCATE: a test leaves a handful of rows, and TRUNCATE's new files
    per table cost 28 ms a test here against 0.5 ms for DELETE. The schema has no
    sequences, so there is no identity to restart. The store's lock_timeout (5 s) makes
    a connection an earlier test leaked mid-transaction fail this loudly, not hang.
    """
    url = postgres_database()
    assert _run is not None
    with _run.resetter.begin() as conn:
        for table in _run.tables:
            conn.execute(sa.text(f'DELETE FROM "{table}"'))  # noqa: S608 - names from the catalog
    return url


def drop_postgres_database() -> None:
    """Drop the run's database, ending any connection a test left behind first."""
    global _run
    with _lock:
        run, _run = _run, None
    if run is None:
        return
    run.resetter.dispose()
    assert run.url.database is not None
    _drop_database(run.url.database)


def skipped_summary() -> str | None:
    """The run's last word when PostgreSQL tests were skipped, else None."""
    if not _skipped:
        return None
    return (
        f"{_skipped} PostgreSQL tests SKIPPED: cannot connect to {shown(admin_url())}"
        f" ({_unreachable}); set {ADMIN_URL_ENV} or start PostgreSQL to run them"
        " (CI=true makes them fail)"
    )


def report_header() -> str:
    """One line for pytest's header: where PostgreSQL tests run, or why they will not."""
    reason = _probe()
    if reason is None:
        return f"postgres: {shown(admin_url())} (a fresh database per run)"
    outcome = "FAIL (CI=true)" if in_ci() else "be SKIPPED"
    return f"postgres: NOT reachable at {shown(admin_url())} ({reason}); its tests will {outcome}"


# --- stores and URLs per backend -----------------------------------------------------


def backend_url(name: str, tmp_path: Path) -> str:
    """The URL of an empty database at the newest schema revision for this backend."""
    if name == "memory":
        return "memory://"
    if name == "sqlite":
        url = f"sqlite:///{tmp_path / 'aka.db'}"
        store = open_store(url)
        try:
            store.migrate()
        finally:
            store.close()
        return url
    if name == "postgres":
        return reset_postgres().render_as_string(hide_password=False)
    raise ValueError(f"unknown backend {name!r}: one of {', '.join(BACKENDS)}")


def server_env(name: str, tmp_path: Path) -> dict[str, str]:
    """The variables that point an `aka serve` or `aka` CLI process at an empty, migrated
    database of this backend (callers add the rest of the environment)."""
    if name == "memory":
        # A second process (a server worker, `aka check`) would see another, empty store.
        raise ValueError("memory:// lives inside one process: use sqlite or postgres")
    return {"AKA_DATABASE_URL": backend_url(name, tmp_path)}


def open_backend(name: str, tmp_path: Path, *, workspace: str | None = None) -> Store:
    """A migrated store on this backend, with no workspace or with `workspace` on default
    settings; the caller closes it."""
    store: Store = MemoryStore() if name == "memory" else open_store(backend_url(name, tmp_path))
    if workspace is not None:
        store.create_workspace(workspace, WorkspaceSettings())
    return store


@contextmanager
def empty_database(name: str, tmp_path: Path) -> Iterator[str]:
    """The URL of a database with no schema at all (for migration tests).

    PostgreSQL: a fresh schema in the run's database, made the connections' only
    `search_path` entry (much cheaper than a database, which checkpoints on DROP),
    dropped afterwards; stores opened on it must be closed before the block ends.
    """
    if name == "memory":
        yield "memory://"
    elif name == "sqlite":
        yield f"sqlite:///{tmp_path / f'empty_{next(_scratch)}.db'}"
    elif name == "postgres":
        url = postgres_database()
        schema = f"scratch_{next(_scratch)}"
        assert _run is not None
        with _run.resetter.begin() as conn:
            conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
        try:
            scoped = url.update_query_dict({"options": f"-csearch_path={schema}"})
            yield scoped.render_as_string(hide_password=False)
        finally:
            with _run.resetter.begin() as conn:
                conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
    else:
        raise ValueError(f"unknown backend {name!r}: one of {', '.join(BACKENDS)}")
