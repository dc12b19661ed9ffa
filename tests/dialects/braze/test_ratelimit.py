"""Braze's shared bucket: delete, alias/new, alias/update, identify and merge count
together; every answer carries X-RateLimit-* with the reset in UTC epoch seconds."""

from __future__ import annotations

import time
from typing import Any

import pytest

from aka.service import admin

from .conftest import ROUTES, Braze

SHARED = [
    "/users/alias/new",
    "/users/delete",
    "/users/alias/update",
    "/users/identify",
    "/users/merge",
]


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"rate_limit_cache_seconds": 0}


@pytest.fixture
def database_url() -> str:
    return "memory://"


def test_the_five_identity_writes_share_one_bucket(braze: Braze) -> None:
    braze.native.configure(rate_limits={"braze": "4/minute"})
    for n, path in enumerate(SHARED[:4]):
        r = braze.post(path, ROUTES[path])
        assert r.status_code in (200, 201, 202), r.text
        assert int(r.headers["x-ratelimit-remaining"]) == 3 - n
    r = braze.post("/users/merge", ROUTES["/users/merge"])
    assert "rate limit" in braze.refused(r, 429)["message"]
    assert int(r.headers["retry-after"]) >= 1


def test_over_the_limit_answers_429_with_the_headers(braze: Braze) -> None:
    braze.native.configure(rate_limits={"braze": "1/minute"})
    braze.post("/users/delete", ROUTES["/users/delete"])
    r = braze.post("/users/identify", ROUTES["/users/identify"])
    assert r.status_code == 429
    assert r.json()["message"]
    assert int(r.headers["retry-after"]) >= 1
    assert r.headers["x-ratelimit-limit"] == "1"
    assert r.headers["x-ratelimit-remaining"] == "0"
    reset = int(r.headers["x-ratelimit-reset"])
    assert time.time() - 1 <= reset <= time.time() + 61  # epoch seconds, not a wait
    # Export and track are not in the shared bucket.
    assert braze.post("/users/export/ids", ROUTES["/users/export/ids"]).status_code == 200


def test_the_default_is_brazes_20000_per_minute(braze: Braze) -> None:
    r = braze.post("/users/alias/new", ROUTES["/users/alias/new"])
    assert r.headers["x-ratelimit-limit"] == "20000"


def test_the_external_id_routes_have_brazes_own_bucket_of_1000_per_minute(
    braze: Braze,
) -> None:
    """Braze documents 1,000 requests a minute for the two external id routes, apart
    from its shared bucket: a `braze` limit does not hold them back."""
    secret = admin.issue_key(braze.store, "default", rate_limits={"braze": "1/minute"}).secret
    for path in ("/users/external_ids/rename", "/users/external_ids/remove"):
        r = braze.post(path, ROUTES[path], key=secret)
        assert r.headers["x-ratelimit-limit"] == "1000", path
        assert braze.post(path, ROUTES[path], key=secret).status_code == 200


def test_a_keys_own_braze_limit_wins(braze: Braze) -> None:
    secret = admin.issue_key(braze.store, "default", rate_limits={"braze": "1/minute"}).secret
    assert braze.post("/users/delete", ROUTES["/users/delete"], key=secret).status_code == 200
    assert braze.post("/users/delete", ROUTES["/users/delete"], key=secret).status_code == 429


def test_every_route_answers_429_in_the_braze_envelope(braze: Braze) -> None:
    """Export counts against `read` and track against `write`, the external id routes
    against `braze_external_ids`; the rest share `braze`."""
    limits = {
        "braze": "1/minute",
        "read": "1/minute",
        "write": "1/minute",
        "braze_external_ids": "1/minute",
    }
    for path, body in ROUTES.items():
        secret = admin.issue_key(braze.store, "default", rate_limits=limits).secret
        assert braze.post(path, body, key=secret).status_code != 429
        r = braze.post(path, body, key=secret)
        assert "rate limit" in braze.refused(r, 429)["message"], path
        assert r.headers["x-ratelimit-limit"] == "1"
