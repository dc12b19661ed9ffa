"""Every Braze route: keys, permissions and the `{message, errors}` error shape."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from aka.security.permissions.braze import PERMISSIONS
from aka.service import admin
from tests.http.conftest import ADMIN_KEY
from tests.servers import run_cli

from .conftest import LISTS, PERMISSION, ROUTES, Braze

PATHS = sorted(ROUTES)


def test_every_route_refuses_a_missing_or_unknown_key_in_braze_words(braze: Braze) -> None:
    for path in PATHS:
        for key in (None, "not-a-key"):
            body = braze.refused(braze.post(path, ROUTES[path], key=key), 401)
            assert body == {"message": "Unknown or missing REST API Key"}


def test_a_revoked_key_is_unknown(braze: Braze) -> None:
    issued = admin.issue_key(braze.store, "default", scopes=["users.export.ids"])
    admin.revoke_key(braze.store, "default", issued.record.id)
    assert braze.refused(
        braze.post("/users/export/ids", ROUTES["/users/export/ids"], key=issued.secret), 401
    )


@pytest.mark.parametrize("path", PATHS)
def test_each_route_needs_its_own_permission(braze: Braze, path: str) -> None:
    """403 for a key holding only another route's permission; the route's own Braze
    permission works, and so do the aka scopes it maps onto."""
    other = next(p for p in PERMISSIONS if PERMISSIONS[p] != PERMISSIONS[PERMISSION[path]])
    refused = braze.refused(braze.post(path, ROUTES[path], key=braze.key(other)), 403)
    assert PERMISSION[path] in refused["message"]
    for scopes in ((PERMISSION[path],), PERMISSIONS[PERMISSION[path]]):
        r = braze.post(path, ROUTES[path], key=braze.key(*scopes))
        assert r.status_code in (200, 201, 202), r.text


def test_the_legacy_api_key_in_the_body_or_the_query_is_accepted(braze: Braze) -> None:
    body = {**ROUTES["/users/export/ids"], "api_key": ADMIN_KEY}
    assert braze.ok(braze.post("/users/export/ids", body, key=None), 200)
    r = braze.post("/users/export/ids", ROUTES["/users/export/ids"], key=None,
                   params={"api_key": ADMIN_KEY})  # fmt: skip
    assert braze.ok(r, 200)


def test_braze_permission_names_are_key_scopes() -> None:
    """`aka keys create --scopes users.alias.new,...` passes the scope check."""
    assert admin.check_scopes(sorted(PERMISSIONS)) == tuple(sorted(PERMISSIONS))


def test_every_route_answers_errors_in_the_braze_envelope(braze: Braze) -> None:
    """Not JSON, wrong method, over the item limit, a body too large: JSON with a
    `message`, never problem+json."""
    for path in PATHS:
        r = braze.client.post(
            path, content=b"{not json", headers={"Authorization": f"Bearer {ADMIN_KEY}"}
        )
        assert "errors" in braze.refused(r)
        braze.refused(braze.client.get(path, headers={"Authorization": f"Bearer {ADMIN_KEY}"}), 405)
        braze.refused(braze.client.post(path, headers={"Authorization": f"Bearer {ADMIN_KEY}"}))
        if path in LISTS:
            name, item = LISTS[path]
            over = braze.refused(braze.post(path, {name: [item] * 51}))
            assert over["errors"][0]["input_array"] == name
        huge = b'{"x": "' + b"a" * 2_000_000 + b'"}'
        braze.refused(
            braze.client.post(path, content=huge, headers={"Authorization": f"Bearer {ADMIN_KEY}"}),
            413,
        )


def test_unknown_paths_under_users_answer_in_the_braze_envelope(braze: Braze) -> None:
    assert braze.refused(braze.post("/users/nothing", {}), 404) == {"message": "Endpoint not found"}


def test_the_cli_issues_keys_with_braze_permissions(tmp_path: Path) -> None:
    """`aka keys create --scopes users.alias.new,... --rate-limit braze=N/minute`."""
    env = {"AKA_DATABASE_URL": f"sqlite:///{tmp_path / 'aka.db'}"}
    assert run_cli(env, "migrate").returncode == 0
    assert run_cli(env, "workspace", "create", "default").returncode == 0
    made = run_cli(
        env, "keys", "create", "--scopes", "users.alias.new,users.identify",
        "--rate-limit", "braze=100/minute", "--json",
    )  # fmt: skip
    assert made.returncode == 0, made.stdout + made.stderr
    key = json.loads(made.stdout)
    assert (key["scopes"], key["rate_limits"]) == (
        ["users.alias.new", "users.identify"],
        {"braze": "100/minute"},
    )
