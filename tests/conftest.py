"""Session-wide plumbing: the PostgreSQL database of this run (see tests/backends.py),
and the fixtures every app-level suite shares (native API and each vendor door)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from bench.pg_pair import PairUnavailable, PgPair, pg_pair

from aka.config import Settings
from aka.core.ports import Store
from aka.storage import open_store
from tests import backends, redis_support


@pytest.fixture(params=backends.backend_params())
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty, migrated store of each backend (memory, SQLite, PostgreSQL)."""
    return backends.backend_url(request.param, tmp_path)


@pytest.fixture(params=backends.backend_params())
def backend(request: pytest.FixtureRequest) -> str:
    """Each backend's name, for specs that open the store themselves (`open_backend`)."""
    return str(request.param)


@pytest.fixture
def anyio_backend() -> str:
    """Async specs (`pytest.mark.anyio`) run on asyncio: what `aka serve` runs."""
    return "asyncio"


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    """Settings a test module changes (override this fixture in the module)."""
    return {}


@pytest.fixture
def store(settings: Settings) -> Iterator[Store]:
    """The store behind the app under test; tests reach it only to arrange and inspect.
    Needs a `settings` fixture from the suite's conftest."""
    yield from app_store(settings)


def app_store(settings: Settings) -> Iterator[Store]:
    """`store`'s body, for a folder whose conftest names another fixture `store`."""
    opened = open_store(settings.database_url)
    try:
        yield opened
    finally:
        opened.close()


@pytest.fixture(scope="session")
def replication() -> Iterator[PgPair]:
    """A PostgreSQL primary and its streaming replica of their own (`bench/pg_pair.py`),
    started once per run by the first test that asks (~4 s). Where they cannot be
    started (no server binaries), the test is skipped naming why, and fails with CI=true:
    CI must run the read-replica tests."""
    try:
        pair = pg_pair()
        started = pair.__enter__()
    except PairUnavailable as why:
        if backends.in_ci():
            pytest.fail(f"{why} [CI=true: the read-replica tests are required]", pytrace=False)
        pytest.skip(f"no PostgreSQL pair for the read-replica tests: {why}")
    try:
        yield started
    finally:
        pair.__exit__(None, None, None)


def pytest_report_header(config: pytest.Config) -> str:
    """Say up front where the PostgreSQL tests run, or that they will skip (or fail)."""
    del config
    return backends.report_header()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Drop this run's PostgreSQL database, if a test created it."""
    del session, exitstatus
    backends.drop_postgres_database()


def pytest_unconfigure(config: pytest.Config) -> None:
    """End with one plain line for each server whose tests were skipped (a laptop without
    PostgreSQL or Redis), naming why and what to do: after the pass/fail count, so it is
    what one reads last."""
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    for summary in (backends.skipped_summary(), redis_support.skipped_summary()):
        if summary is not None and reporter is not None:
            reporter.write_sep("=", summary, yellow=True, bold=True)
