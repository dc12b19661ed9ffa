"""`namespace_aliases` through the Mimecast door (ADR 0027), on every store: Mimecast's
addresses (`mimecast:address`, stored in `email` by default) go where the mapping says."""

from __future__ import annotations

from starlette.testclient import TestClient

from .conftest import Mimecast


def resolve(native: TestClient, namespace: str, value: str) -> str | None:
    r = native.get("/v1/resolve", params={"namespace": namespace, "value": value})
    return str(r.json()["id"]) if r.status_code == 200 else None


def test_addresses_are_stored_in_email_by_default(mc: Mimecast, native: TestClient) -> None:
    user = mc.ok("/api/user/create-user", [{"emailAddress": "Ann@Acme.example"}])["data"][0]
    assert resolve(native, "email", "ann@acme.example") == user["id"]


def test_mapped_addresses_are_stored_and_found_in_the_mapped_namespace(
    mc: Mimecast, native: TestClient
) -> None:
    r = native.patch(
        "/v1/workspace", json={"namespace_aliases": {"mimecast:address": "corp_email"}}
    )
    assert r.status_code == 200, r.text
    user = mc.ok("/api/user/create-user", [{"emailAddress": "ann@acme.example"}])["data"][0]
    done = mc.ok(
        "/api/user/update-alias", [{"aliasFor": "ann@acme.example", "alias": "a@acme.example"}]
    )
    assert done["fail"] == []
    assert resolve(native, "corp_email", "a@acme.example") == user["id"]
    assert resolve(native, "corp_email", "ann@acme.example") == user["id"]
    assert resolve(native, "email", "ann@acme.example") is None
    gone = mc.ok("/api/user/remove-alias", [{"alias": "a@acme.example"}])
    assert gone["fail"] == []
    assert resolve(native, "corp_email", "a@acme.example") is None


def test_remapping_addresses_over_data_is_refused(mc: Mimecast, native: TestClient) -> None:
    mc.ok("/api/user/create-user", [{"emailAddress": "ann@acme.example"}])
    r = native.patch(
        "/v1/workspace", json={"namespace_aliases": {"mimecast:address": "corp_email"}}
    )
    assert r.status_code == 409, r.text
    assert r.json()["field"] == "namespace_aliases.mimecast:address"
