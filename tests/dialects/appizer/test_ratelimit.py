"""Appizer's door counts against the key's native read and write budgets; over the
limit it answers 429 `RATE_LIMIT_EXCEEDED` with `Retry-After` and X-RateLimit-*."""

from __future__ import annotations

from typing import Any

import pytest

from aka.service import admin

from .conftest import Appizer


@pytest.fixture
def database_url() -> str:
    return "memory://"


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"rate_limit_write": "2/minute", "rate_limit_read": "1/minute"}


def test_over_the_limit_is_429_with_headers(appizer: Appizer) -> None:
    """Appizer's door counts against the key's native read and write budgets."""
    appizer.ok(appizer.post("/v1/users", {"user_id": "u1"}), 201)
    appizer.ok(appizer.post("/v1/users", {"user_id": "u1"}), 200)
    r = appizer.post("/v1/users", {"user_id": "u1"})
    appizer.error(r, 429, "RATE_LIMIT_EXCEEDED")
    assert int(r.headers["retry-after"]) >= 1
    assert r.headers["x-ratelimit-remaining"] == "0"
    assert appizer.get("/v1/users/u1").status_code == 200
    appizer.error(appizer.get("/v1/users/u1"), 429, "RATE_LIMIT_EXCEEDED")


def test_every_route_answers_429_in_the_appizer_shape(appizer: Appizer) -> None:
    limits = {"read": "1/minute", "write": "1/minute"}
    routes = [
        ("POST", "/v1/users/aliases", {"user_id": "u1", "alias_id": "a"}),
        ("POST", "/v1/users", {"user_id": "u1"}),
        ("GET", "/v1/users/u1", None),
        ("DELETE", "/v1/users/aliases/a", None),
    ]
    for method, path, body in routes:
        secret = admin.issue_key(appizer.store, "default", rate_limits=limits).secret
        assert appizer.request(method, path, body, key=secret).status_code != 429
        r = appizer.request(method, path, body, key=secret)
        appizer.error(r, 429, "RATE_LIMIT_EXCEEDED")
        assert int(r.headers["retry-after"]) >= 1
