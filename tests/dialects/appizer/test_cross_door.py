"""Appizer writes read through the native API, and native writes through Appizer."""

from __future__ import annotations

from .conftest import Appizer


def test_an_appizer_alias_resolves_natively(appizer: Appizer) -> None:
    appizer.user("user_1", email="ann@x.io")
    appizer.ok(appizer.post("/v1/users/aliases", {"user_id": "user_1", "alias_id": "a1"}), 201)
    r = appizer.client.get(
        "/v1/resolve",
        params={"namespace": "alias", "value": "a1"},
        headers={"Authorization": "Bearer test-admin-key"},
    )
    assert r.status_code == 200, r.text
    assert r.json()["external_id"] == "user_1"


def test_a_native_profile_is_an_appizer_user(appizer: Appizer) -> None:
    body = {"external_id": "u9", "identifiers": [{"namespace": "alias", "value": "old-9"}]}
    r = appizer.client.post(
        "/v1/profiles", json=body, headers={"Authorization": "Bearer test-admin-key"}
    )
    assert r.status_code == 201, r.text
    user = appizer.ok(appizer.get("/v1/users/old-9"))
    assert (user["user_id"], user["primary_user_id"], user["aliases"]) == (
        "u9",
        r.json()["id"],
        ["old-9"],
    )
