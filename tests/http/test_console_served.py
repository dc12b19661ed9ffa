"""Console sessions on a real `aka serve` (ADR 0031): one secret for every worker the
server starts, and a login that outlives a restart only when the secret is set."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from tests.servers import running_server

pytestmark = pytest.mark.slow

ADMIN = "aka_console_served_admin_key"


def env_for(tmp_path: Path, **extra: str) -> dict[str, str]:
    return {
        "AKA_DATABASE_URL": f"sqlite:///{tmp_path / 'aka.db'}",
        "AKA_ADMIN_KEY": ADMIN,
        "AKA_DIALECTS": "none",
        "AKA_CONSOLE_SECRET": "",  # not the caller's: each test says what it wants
        **extra,
    }


def log_in(base: str) -> str:
    r = httpx.post(
        f"{base}/console/login", data={"key": ADMIN}, headers={"Origin": base}, timeout=10
    )
    assert r.status_code == 303, r.text
    return r.cookies["aka_console"]


def page_status(base: str, cookie: str) -> int:
    r = httpx.get(f"{base}/console/search", cookies={"aka_console": cookie}, timeout=10)
    return r.status_code


def test_a_session_is_good_in_every_worker_of_one_server(tmp_path: Path) -> None:
    """Without AKA_CONSOLE_SECRET, `aka serve --workers 2` draws one secret for both:
    every page of a session is served, whichever worker answers."""
    with running_server(env_for(tmp_path), workers=2) as base:
        cookie = log_in(base)
        assert {page_status(base, cookie) for _ in range(20)} == {200}


def test_a_session_outlives_a_restart_only_with_a_set_secret(tmp_path: Path) -> None:
    with running_server(env_for(tmp_path)) as base:
        drawn = log_in(base)
    with running_server(env_for(tmp_path)) as base:
        assert page_status(base, drawn) == 303  # a new secret: log in again
    kept = env_for(tmp_path, AKA_CONSOLE_SECRET="k" * 40)
    with running_server(kept) as base:
        cookie = log_in(base)
    with running_server(kept) as base:
        assert page_status(base, cookie) == 200
