"""One graph through every door: what Mimecast writes, the native API and Braze read."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from aka.http import dialects

from .conftest import ADMIN_KEY, Mimecast


def test_a_mimecast_alias_resolves_natively_and_in_brazes_export(
    mc: Mimecast, client: TestClient
) -> None:
    if "braze" not in dialects.available():
        pytest.skip("the Braze door is not in this build")
    user = mc.ok("/api/user/create-user", [{"emailAddress": "ann@acme.example"}])["data"][0]
    mc.ok("/api/user/update-alias", [{"aliasFor": "ann@acme.example", "alias": "a@acme.example"}])
    auth = {"Authorization": f"Bearer {ADMIN_KEY}"}
    native = client.get(
        "/v1/resolve", params={"namespace": "email", "value": "a@acme.example"}, headers=auth
    )
    assert native.json()["id"] == user["id"]
    r = client.post("/users/export/ids", json={"email_address": "a@acme.example"}, headers=auth)
    assert r.status_code == 200, r.text
    assert [u["braze_id"] for u in r.json()["users"]] == [user["id"]]
