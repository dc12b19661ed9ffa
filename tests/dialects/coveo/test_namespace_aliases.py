"""`namespace_aliases` through the Coveo door (ADR 0027), on every store: a provider
mapped onto `email` is the native `email` identifier, answered under the provider's name;
a change over data is a 409 problem naming the setting and the command."""

from __future__ import annotations

from typing import Any

from starlette.testclient import TestClient

from .conftest import Coveo, accepted, owner, user

ESP = "Email Security Provider"


def patch(client: TestClient, aliases: dict[str, str | None]) -> dict[str, Any]:
    r = client.patch("/v1/workspace", json={"namespace_aliases": aliases})
    body: dict[str, Any] = r.json()
    return {"status": r.status_code, **body}


def test_a_mapped_provider_and_a_native_link_are_one_identifier(
    coveo: Coveo, client: TestClient
) -> None:
    """The same address through `Email Security Provider` and the native `email`
    namespace: one identifier, one profile."""
    done = patch(client, {f"coveo:{ESP}": "email"})
    assert done["status"] == 200
    assert done["settings"]["namespace_aliases"] == {f"coveo:{ESP}": "email"}
    created = client.post(
        "/v1/profiles", json={"identifiers": [{"namespace": "device", "value": "d1"}]}
    )
    pid = created.json()["id"]
    r = client.post(
        f"/v1/profiles/{pid}/identifiers", json={"namespace": "email", "value": "ann@x.io"}
    )
    assert r.status_code == 201, r.text
    accepted(coveo.mappings(ESP, user("Ann@X.io"), [user("d1", provider="device")]))
    assert owner(client, "email", "ANN@x.io") == pid
    assert owner(client, ESP, "Ann@X.io") is None
    held = client.get(f"/v1/profiles/{pid}").json()["identifiers"]
    assert sorted((i["namespace"], i["value"]) for i in held) == [
        ("device", "d1"),
        ("email", "ann@x.io"),
    ]
    # Coveo's answers name the provider, as its client expects.
    assert coveo.names("device", user("d1")) == {f"{ESP}:ann@x.io"}
    assert coveo.names(ESP, user("ann@X.io")) == {"device:d1"}


def test_mapping_a_provider_that_holds_identities_is_refused(
    coveo: Coveo, client: TestClient
) -> None:
    accepted(coveo.permissions(ESP, user("ann@x.io")))
    r = client.patch("/v1/workspace", json={"namespace_aliases": {f"coveo:{ESP}": "email"}})
    assert r.status_code == 409, r.text
    problem = r.json()
    assert problem["code"] == "namespace_aliases_in_use"
    assert problem["field"] == f"namespace_aliases.coveo:{ESP}"
    assert "aka namespaces merge" in problem["detail"]
    assert client.get("/v1/workspace").json()["settings"]["namespace_aliases"] == {}


def test_a_bad_mapping_is_refused_naming_the_field_and_the_limit(client: TestClient) -> None:
    r = client.patch("/v1/workspace", json={"namespace_aliases": {"slack:x": "email"}})
    assert r.status_code == 422, r.text
    assert (r.json()["code"], r.json()["field"]) == (
        "settings_invalid",
        "namespace_aliases.slack:x",
    )
    long = "n" * 256
    r = client.patch("/v1/workspace", json={"namespace_aliases": {"coveo:P": long}})
    assert r.status_code == 422, r.text
    assert r.json()["field"] == "namespace_aliases.coveo:P"
    assert "255" in r.json()["detail"]
    too_many = {f"coveo:p{n}": "email" for n in range(101)}
    r = client.patch("/v1/workspace", json={"namespace_aliases": too_many})
    assert r.status_code == 422, r.text
    assert r.json()["field"] == "namespace_aliases"
    assert "100" in r.json()["detail"]
