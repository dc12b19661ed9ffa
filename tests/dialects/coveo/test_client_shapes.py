"""The bodies Coveo's official clients send, as they send them.

`@coveo/push-api-client` (TypeScript) passes its models to `@coveo/platform-client`,
whose `SecurityIdentityAliasModel` declares `mappings` as ONE object
(`{name, type, additionalInfo, provider}`), where the Push API reference, the Java and
the Python clients send an array. `members` and `wellKnowns` are arrays in all of them.
The bodies below are written out as that client serialises them (`additionalInfo`
always present, `mappings` an object).
"""

from __future__ import annotations

import json
from typing import Any

from starlette.testclient import TestClient

from .conftest import Coveo, accepted, coveo_error, owner
from .test_batch import apply, new_container, upload, wait_for

P = "Directory"


def ts_identity(name: str, kind: str = "USER", **info: str) -> dict[str, Any]:
    """An `Identity` of the TypeScript client: `additionalInfo` is a required member."""
    return {"name": name, "type": kind, "additionalInfo": dict(info)}


def ts_alias(identity: dict[str, Any], mapping: dict[str, Any], provider: str) -> dict[str, Any]:
    """A `SecurityIdentityAliasModel` of the TypeScript client."""
    return {
        "identity": identity,
        "mappings": {**mapping, "provider": provider},
        "wellKnowns": [ts_identity("Everyone", "GROUP")],
    }


def put_alias(coveo: Coveo, body: dict[str, Any]) -> Any:
    return coveo.client.put(coveo.url(P, "mappings"), json=body, params={"orderingId": 1})


def test_a_single_mapping_object_is_accepted_as_a_one_item_array(
    coveo: Coveo, client: TestClient
) -> None:
    """The TypeScript client's alias (`mappings` an object) maps the identity exactly as
    the same mapping in an array would: one profile, the mapping's info kept, the
    wellKnowns granted."""
    body = ts_alias(ts_identity("ann"), ts_identity("ann@x.io", source="crm"), "Email")
    accepted(put_alias(coveo, body))
    profile = owner(client, P, "ann")
    assert profile is not None
    assert owner(client, "Email", "ann@x.io") == profile
    held = client.get(f"/v1/profiles/{profile}").json()["identifiers"]
    mapped = next(i for i in held if i["namespace"] == "Email")
    assert (mapped["value"], mapped["attributes"]) == ("ann@x.io", {"source": "crm"})
    assert coveo.names(P, {"name": "ann", "type": "USER"}) == {
        "Email:ann@x.io",
        f"{P}:Everyone",
    }


def test_an_object_and_an_array_of_one_give_the_same_graph(
    coveo: Coveo, client: TestClient
) -> None:
    """Either form, the same identities end up on one profile."""
    as_object = ts_alias(ts_identity("ann"), ts_identity("a1"), "HR")
    as_array = {**as_object, "identity": ts_identity("bob"), "mappings": [
        {**ts_identity("b1"), "provider": "HR"}
    ]}  # fmt: skip
    accepted(put_alias(coveo, as_object))
    accepted(put_alias(coveo, as_array))
    assert owner(client, "HR", "a1") == owner(client, P, "ann") is not None
    assert owner(client, "HR", "b1") == owner(client, P, "bob") is not None


def test_a_bad_mapping_object_is_named_without_an_index(coveo: Coveo) -> None:
    """A refused field of the one object names `mappings.type`, not `mappings[0]`."""
    body = ts_alias(ts_identity("ann"), ts_identity("x", "ROBOT"), "HR")
    error = coveo_error(put_alias(coveo, body), 400, "INVALID_PARAMETER")
    assert "mappings.type" in error["message"]


def test_a_mapping_that_is_neither_an_object_nor_an_array_is_invalid_json(
    coveo: Coveo,
) -> None:
    body = {"identity": ts_identity("ann"), "mappings": "ann@x.io"}
    error = coveo_error(put_alias(coveo, body), 400, "INVALID_JSON")
    assert "Expected `object | array`, got `str`" in error["message"]
    assert "mappings" in error["message"]


def test_members_and_well_knowns_stay_arrays(coveo: Coveo) -> None:
    """Every client sends these as arrays; a single object is refused (400, naming the
    field), never half-applied."""
    for field in ("members", "wellKnowns"):
        body = {"identity": ts_identity("staff", "GROUP"), field: ts_identity("ann")}
        r = coveo.client.put(coveo.url(P, "permissions"), json=body)
        error = coveo_error(r, 400, "INVALID_JSON")
        assert "Expected `array`, got `object`" in error["message"]
        assert field in error["message"]


def test_a_batch_file_item_may_hold_a_mapping_object(coveo: Coveo, client: TestClient) -> None:
    """A batch file's `mappings` entries are alias bodies too: the object form applies."""
    document = {"mappings": [ts_alias(ts_identity("u1"), ts_identity("u1@x.io"), "Email")]}
    container = new_container(client)
    assert upload(client, container, json.dumps(document).encode()).status_code == 200
    r = apply(client, container["fileId"], orderingId=5)
    accepted(r)
    job = wait_for(client, r.headers["Location"])
    assert (job["status"], job["done"], job["failed"]) == ("done", 1, 0), job
    assert owner(client, "Email", "u1@x.io") == owner(client, P, "u1") is not None


def test_the_document_describes_both_forms_of_mappings(client: TestClient) -> None:
    """`/openapi.json` says `mappings` is an array (with its limit) or one object."""
    document = client.get("/openapi.json").json()
    path = "/push/v1/organizations/{organizationId}/providers/{providerId}/mappings"
    body = document["paths"][path]["put"]["requestBody"]["content"]["application/json"]
    name = body["schema"]["$ref"].rsplit("/", 1)[1]
    forms = document["components"]["schemas"][name]["properties"]["mappings"]["anyOf"]
    identity = {"$ref": "#/components/schemas/IdentityIn"}
    assert {"type": "array", "items": identity, "maxItems": 1000} in [
        {k: v for k, v in f.items() if k != "description"} for f in forms
    ]
    assert identity in forms
