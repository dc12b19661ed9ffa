"""Session-wide plumbing: the PostgreSQL database of this run (see tests/backends.py)."""

from __future__ import annotations

import pytest

from tests import backends


def pytest_report_header(config: pytest.Config) -> str:
    """Say up front where the PostgreSQL tests run, or that they will skip (or fail)."""
    del config
    return backends.report_header()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Drop this run's PostgreSQL database, if a test created it."""
    del session, exitstatus
    backends.drop_postgres_database()


def pytest_unconfigure(config: pytest.Config) -> None:
    """End with one plain line when PostgreSQL tests were skipped (a laptop without it):
    after the pass/fail count, so it is what one reads last."""
    summary = backends.skipped_summary()
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if summary is not None and reporter is not None:
        reporter.write_sep("=", summary, yellow=True, bold=True)
