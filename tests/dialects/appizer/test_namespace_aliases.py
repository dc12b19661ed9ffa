"""`namespace_aliases` through the Appizer door (ADR 0027), on every store: Appizer's
`alias` mapped onto a stored namespace, answered under Appizer's own name."""

from __future__ import annotations

from tests.http.conftest import ADMIN_KEY, bearer

from .conftest import Appizer


def test_a_mapped_alias_is_the_native_identifier(appizer: Appizer) -> None:
    auth = bearer(ADMIN_KEY)
    r = appizer.client.patch(
        "/v1/workspace", json={"namespace_aliases": {"appizer:alias": "crm_id"}}, headers=auth
    )
    assert r.status_code == 200, r.text
    body = {"external_id": "u1", "identifiers": [{"namespace": "crm_id", "value": "42"}]}
    known = appizer.client.post("/v1/profiles", json=body, headers=auth).json()["id"]
    user = appizer.ok(appizer.get("/v1/users/42"))
    assert (user["user_id"], user["primary_user_id"]) == ("u1", known)
    assert user["aliases"] == ["42"]
    assert user["identifiers"] == [{"namespace": "alias", "value": "42"}]
    appizer.ok(appizer.post("/v1/users/aliases", {"user_id": "u1", "alias_id": "43"}), 201)
    r = appizer.client.get(
        "/v1/resolve", params={"namespace": "crm_id", "value": "43"}, headers=auth
    )
    assert r.json()["id"] == known
    appizer.ok(appizer.request("DELETE", "/v1/users/aliases/43"))
    r = appizer.client.get(
        "/v1/resolve", params={"namespace": "crm_id", "value": "43"}, headers=auth
    )
    assert r.status_code == 404


def test_mapped_email_and_phone_are_the_users_fields(appizer: Appizer) -> None:
    auth = bearer(ADMIN_KEY)
    appizer.client.patch(
        "/v1/workspace", json={"namespace_aliases": {"appizer:email": "work_email"}}, headers=auth
    )
    appizer.user("u1", email="ann@x.io")
    r = appizer.client.get(
        "/v1/resolve", params={"namespace": "work_email", "value": "ann@x.io"}, headers=auth
    )
    assert r.status_code == 200, r.text
    assert appizer.ok(appizer.get("/v1/users/u1"))["email"] == "ann@x.io"
