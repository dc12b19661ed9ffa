"""Every Appizer route: keys, scopes, and the `{error, message, code,
details}` shape; unknown paths under /v1/users answer in it, the rest of /v1 does not."""

from __future__ import annotations

from typing import Any

import pytest

from aka.service import admin

from .conftest import Appizer

# Every route with a valid request: (method, path, body, scope it needs).
ROUTES: list[tuple[str, str, Any, str]] = [
    ("POST", "/v1/users/aliases", {"user_id": "nobody", "alias_id": "a"}, "identities:write"),
    ("POST", "/v1/users", {"user_id": "u1"}, "identities:write"),
    ("GET", "/v1/users/u1", None, "identities:read"),
    ("DELETE", "/v1/users/aliases/a", None, "identities:write"),
]
IDS = [f"{m} {p}" for m, p, _, _ in ROUTES]


@pytest.mark.parametrize(("method", "path", "body", "scope"), ROUTES, ids=IDS)
def test_every_route_tells_missing_unknown_and_revoked_keys_apart(
    appizer: Appizer, method: str, path: str, body: Any, scope: str
) -> None:
    del scope
    appizer.error(appizer.request(method, path, body, key=None), 401, "MISSING_AUTH")
    appizer.error(appizer.request(method, path, body, key="nope"), 401, "INVALID_API_KEY")
    issued = admin.issue_key(appizer.store, "default")
    admin.revoke_key(appizer.store, "default", issued.record.id)
    appizer.error(appizer.request(method, path, body, key=issued.secret), 401, "REVOKED_API_KEY")


@pytest.mark.parametrize(("method", "path", "body", "scope"), ROUTES, ids=IDS)
def test_every_route_needs_its_scope(
    appizer: Appizer, method: str, path: str, body: Any, scope: str
) -> None:
    other = "identities:read" if scope == "identities:write" else "identities:write"
    r = appizer.request(method, path, body, key=appizer.key(other))
    assert appizer.error(r, 403, "INSUFFICIENT_PERMISSIONS")["details"]["required_scope"] == scope
    assert appizer.request(method, path, body, key=appizer.key(scope)).status_code != 403


def test_every_route_answers_errors_in_the_appizer_shape(appizer: Appizer) -> None:
    """Bad JSON, wrong method, too large a body, an unknown path: never problem+json."""
    auth = {"Authorization": "Bearer test-admin-key"}
    for method, path, _, _ in ROUTES:
        if method == "POST":
            r = appizer.client.post(path, content=b"{", headers=auth)
            appizer.error(r, 400, "INVALID_REQUEST")
            huge = b'{"x": "' + b"a" * 2_000_000 + b'"}'
            appizer.error(
                appizer.client.post(path, content=huge, headers=auth), 413, "PAYLOAD_TOO_LARGE"
            )
        appizer.error(appizer.request("PUT", path, {}), 405, "METHOD_NOT_ALLOWED")
    appizer.error(appizer.get("/v1/users/a/b/c"), 404, "NOT_FOUND")


def test_the_rest_of_v1_keeps_problem_json(appizer: Appizer) -> None:
    r = appizer.get("/v1/nothing-here")
    assert (r.status_code, r.headers["content-type"]) == (404, "application/problem+json")
