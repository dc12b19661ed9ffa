"""API keys: `POST`/`GET /v1/keys`, `DELETE /v1/keys/{id}`; scopes and workspace binding."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from conftest import Api

# Every scope but `metrics:read`, which a key gets only when it is named (ADR 0028).
DEFAULT_SCOPES = [
    "identities:read",
    "identities:write",
    "identities:merge",
    "identities:delete",
    "keys:admin",
]


def test_create_shows_the_secret_once_and_list_never_does(api: Api) -> None:
    """The secret is in the 201 answer only; the list shows a prefix to tell keys apart."""
    created = api.ok(
        api.client.post("/v1/keys", json={"name": "etl", "scopes": ["identities:read"]}), 201
    )
    secret = created["secret"]
    assert created["name"] == "etl"
    assert created["scopes"] == ["identities:read"]
    assert secret.startswith(created["prefix"])
    listing = api.client.get("/v1/keys")
    assert secret not in listing.text
    keys = api.ok(listing, 200)["keys"]
    assert all("secret" not in k for k in keys)
    [listed] = [k for k in keys if k["id"] == created["id"]]
    assert listed["prefix"] == created["prefix"]
    assert listed["revoked_at"] is None


def test_a_key_without_scopes_given_gets_all_but_metrics_read(api: Api) -> None:
    """`metrics:read` reads the whole server's figures: only a key that names it has it."""
    created = api.ok(api.client.post("/v1/keys", json={}), 201)
    assert created["scopes"] == DEFAULT_SCOPES
    named = api.ok(api.client.post("/v1/keys", json={"scopes": ["metrics:read"]}), 201)
    assert named["scopes"] == ["metrics:read"]


def test_a_new_key_authenticates_with_exactly_its_scopes(api: Api) -> None:
    reader = api.key("identities:read")
    ann = api.person("device:d1")
    assert api.profile(ann, headers=reader)["id"] == ann
    r = api.client.post("/v1/profiles", json={}, headers=reader)
    problem = api.problem(r, 403, "forbidden")
    assert problem["required_scope"] == "identities:write"
    assert "'identities:write'" in problem["detail"]


def test_an_unknown_scope_is_refused_naming_it(api: Api) -> None:
    r = api.client.post("/v1/keys", json={"scopes": ["identities:read", "root"]})
    problem = api.problem(r, 422, "invalid_input")
    assert problem["field"] == "scopes[1]"
    assert "root" in problem["detail"]
    api.problem(api.client.post("/v1/keys", json={"scopes": []}), 422, "invalid_input")


def test_a_revoked_key_stops_working_at_once(api: Api) -> None:
    created = api.ok(api.client.post("/v1/keys", json={"scopes": ["identities:read"]}), 201)
    headers = api.bearer(created["secret"])
    assert api.client.get("/v1/events", headers=headers).status_code == 200
    assert api.client.delete(f"/v1/keys/{created['id']}").status_code == 204
    api.problem(api.client.get("/v1/events", headers=headers), 401, "unauthenticated")
    keys = api.ok(api.client.get("/v1/keys"), 200)["keys"]
    [listed] = [k for k in keys if k["id"] == created["id"]]
    assert listed["revoked_at"] is not None


def test_revoking_an_unknown_key_is_404(api: Api) -> None:
    api.problem(api.client.delete("/v1/keys/key_nope"), 404, "key_not_found")


def test_managing_keys_needs_keys_admin(api: Api) -> None:
    writer = api.key("identities:read", "identities:write", "identities:merge")
    for r in (
        api.client.post("/v1/keys", json={}, headers=writer),
        api.client.get("/v1/keys", headers=writer),
        api.client.delete("/v1/keys/key_any", headers=writer),
    ):
        assert api.problem(r, 403, "forbidden")["required_scope"] == "keys:admin"


def test_a_key_sees_only_its_own_workspace(api: Api) -> None:
    """Workspace B's key cannot read, resolve, merge or delete A's profiles."""
    ann = api.person("email:ann@x.io", external_id="user-1")
    other = api.other_workspace("b")
    get = api.client.get(f"/v1/profiles/{ann}", headers=other)
    api.problem(get, 404, "profile_not_found")
    resolve = api.client.get("/v1/resolve", params={"external_id": "user-1"}, headers=other)
    api.problem(resolve, 404, "profile_not_found")
    delete = api.client.delete(f"/v1/profiles/{ann}", headers=other)
    api.problem(delete, 404, "profile_not_found")
    assert api.client.get("/v1/events", headers=other).json()["events"] == []
    assert api.profile(ann)["id"] == ann


def test_the_same_identifier_is_independent_in_two_workspaces(api: Api) -> None:
    ann = api.person("email:ann@x.io")
    other = api.other_workspace("b")
    r = api.client.post(
        "/v1/profiles",
        json={"identifiers": [{"namespace": "email", "value": "ann@x.io"}]},
        headers=other,
    )
    theirs = api.ok(r, 201)["id"]
    assert theirs != ann
    assert api.owner("email:ann@x.io") == ann


def test_keys_of_one_workspace_are_invisible_to_another(api: Api) -> None:
    other = api.other_workspace("b")
    mine = api.ok(api.client.get("/v1/keys"), 200)["keys"]
    theirs = api.ok(api.client.get("/v1/keys", headers=other), 200)["keys"]
    assert not {k["id"] for k in mine} & {k["id"] for k in theirs}
    [admin_key] = mine
    revoke = api.client.delete(f"/v1/keys/{admin_key['id']}", headers=other)
    api.problem(revoke, 404, "key_not_found")
    assert api.client.get("/v1/keys").status_code == 200  # the admin key still works
