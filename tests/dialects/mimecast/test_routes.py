"""Golden answers of every Mimecast route: data items, per-item `fail` entries under
HTTP 200, and request-level errors in the same envelope."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from aka.core.ports import Store

from .conftest import Mimecast, issue, refused, signed_headers

CREATE = "/api/user/create-user"
ALIAS = "/api/user/update-alias"
REMOVE = "/api/user/remove-alias"
USERS = "/api/user/get-internal-users"
DOMAINS = "/api/domain/get-internal-domain"


@pytest.fixture
def ann(mc: Mimecast, native: TestClient) -> str:
    """User ann@acme.example, in a workspace whose internal domain is acme.example."""
    r = native.patch("/v1/workspace", json={"internal_domains": ["acme.example"]})
    assert r.status_code == 200, r.text
    body = mc.ok(CREATE, [{"emailAddress": "Ann@ACME.example", "name": "Ann Smith"}])
    return str(body["data"][0]["id"])


def one_failure(body: dict[str, Any], code: str) -> dict[str, Any]:
    assert body["meta"] == {"status": 200}
    assert len(body["fail"]) == 1
    failure: dict[str, Any] = body["fail"][0]
    assert [e["code"] for e in failure["errors"]] == [code]
    assert failure["errors"][0]["retryable"] is False
    return failure


def test_create_user_answers_the_normalised_address_and_profile(
    mc: Mimecast, native: TestClient
) -> None:
    """A new user is a profile whose primary `email` identifier is the address."""
    body = mc.ok(CREATE, [{"emailAddress": " Bob@Example.COM "}])
    assert body["fail"] == []
    [item] = body["data"]
    assert item["emailAddress"] == "bob@example.com"
    profile = native.get(f"/v1/profiles/{item['id']}").json()
    assert [(i["namespace"], i["value"], i["primary"]) for i in profile["identifiers"]] == [
        ("email", "bob@example.com", True)
    ]


def test_create_user_fails_items_not_requests(mc: Mimecast, ann: str) -> None:
    """An invalid or taken address is a `fail` entry naming the item; others succeed."""
    items = [{"emailAddress": "not-an-address"}, {"emailAddress": "ann@acme.example"}, {"x": 1}]
    body = mc.ok(CREATE, [*items, {"emailAddress": "cy@acme.example"}])
    assert [d["emailAddress"] for d in body["data"]] == ["cy@acme.example"]
    assert [f["key"] for f in body["fail"]] == items
    codes = [f["errors"][0]["code"] for f in body["fail"]]
    assert codes == ["err_validation_email_invalid", "err_address_exists", "err_validation_invalid"]


def test_update_alias_links_and_tells_if_internal(
    mc: Mimecast, native: TestClient, ann: str
) -> None:
    """The seed's update-alias: the alias joins aliasFor's profile; isInternal follows
    the workspace's internal domains."""
    body = mc.ok(
        ALIAS,
        [
            {"aliasFor": "ann@acme.example", "alias": "A.Smith@Acme.Example"},
            {"aliasFor": "ann@acme.example", "alias": "ann@gmail.example"},
        ],
    )
    assert body["fail"] == []
    assert body["data"] == [
        {
            "domain": "acme.example",
            "isInternal": True,
            "alias": "a.smith@acme.example",
            "aliasDisplayName": "Ann Smith",
            "aliasFor": "ann@acme.example",
            "type": "alias",
        },
        {
            "domain": "gmail.example",
            "isInternal": False,
            "alias": "ann@gmail.example",
            "aliasDisplayName": "Ann Smith",
            "aliasFor": "ann@acme.example",
            "type": "alias",
        },
    ]
    found = native.get("/v1/resolve", params={"namespace": "email", "value": "ann@gmail.example"})
    assert found.json()["id"] == ann


def test_update_alias_is_idempotent(mc: Mimecast, ann: str) -> None:
    item = {"aliasFor": "ann@acme.example", "alias": "a@acme.example"}
    mc.ok(ALIAS, [item])
    assert mc.ok(ALIAS, [item])["data"][0]["alias"] == "a@acme.example"


@pytest.mark.parametrize(
    ("item", "code"),
    [
        ({"aliasFor": "nobody@acme.example", "alias": "n@acme.example"}, "err_address_not_found"),
        ({"aliasFor": "ann@acme.example", "alias": "no at sign"}, "err_validation_email_invalid"),
        ({"aliasFor": "ann@acme.example"}, "err_validation_invalid"),
    ],
)
def test_update_alias_failures(mc: Mimecast, ann: str, item: dict[str, Any], code: str) -> None:
    assert one_failure(mc.ok(ALIAS, [item]), code)["key"] == item


def test_an_alias_of_another_user_is_a_conflict(mc: Mimecast, ann: str) -> None:
    """Under the default `refuse` merge policy two users are never glued by an alias."""
    mc.ok(CREATE, [{"emailAddress": "bob@acme.example"}])
    body = mc.ok(ALIAS, [{"aliasFor": "ann@acme.example", "alias": "bob@acme.example"}])
    one_failure(body, "err_address_exists")


def test_remove_alias_unlinks_only_aliases(mc: Mimecast, native: TestClient, ann: str) -> None:
    mc.ok(ALIAS, [{"aliasFor": "ann@acme.example", "alias": "a@acme.example"}])
    assert mc.ok(REMOVE, [{"alias": "A@acme.example"}]) == {
        "meta": {"status": 200},
        "data": [{"alias": "a@acme.example"}],
        "fail": [],
    }
    gone = native.get("/v1/resolve", params={"namespace": "email", "value": "a@acme.example"})
    assert gone.status_code == 404
    one_failure(mc.ok(REMOVE, [{"alias": "a@acme.example"}]), "err_address_not_found")
    one_failure(mc.ok(REMOVE, [{"alias": "ann@acme.example"}]), "err_validation_invalid")


def test_get_internal_users_lists_a_domain(mc: Mimecast, ann: str) -> None:
    mc.ok(ALIAS, [{"aliasFor": "ann@acme.example", "alias": "a@acme.example"}])
    mc.ok(ALIAS, [{"aliasFor": "ann@acme.example", "alias": "ann@other.example"}])
    body = mc.ok(USERS, [{"domain": "ACME.example"}, {}])
    assert body["data"] == [
        {
            "users": [
                {"emailAddress": "a@acme.example", "alias": True, "addressType": "internal"},
                {"emailAddress": "ann@acme.example", "alias": False, "addressType": "internal"},
            ],
            "userCount": 2,
        }
    ]
    assert one_failure(body, "err_validation_invalid")["key"] == {}


def test_get_internal_domain_lists_the_workspace_domains(mc: Mimecast, native: TestClient) -> None:
    assert mc.ok(DOMAINS)["data"] == []
    native.patch("/v1/workspace", json={"internal_domains": ["b.example", "a.example"]})
    domains = mc.ok(DOMAINS)["data"]
    assert {d["domain"] for d in domains} == {"a.example", "b.example"}
    assert set(domains[0]) == {"id", "domain", "sendOnly", "local", "inboundType"}


def test_a_key_without_edit_permission_is_forbidden(client: TestClient, store: Store) -> None:
    """A key holding only "Directories | Groups | Read" may list but not edit: 403."""
    reader = Mimecast(client, issue(store, "Directories | Groups | Read"))
    refused(reader.post(ALIAS, [{"aliasFor": "a@b.example", "alias": "c@b.example"}]), 403,
            "err_xdk_forbidden")  # fmt: skip
    assert reader.ok(DOMAINS)["fail"] == []
    editor = Mimecast(client, issue(store, "Directories | Groups | Edit"))
    assert editor.ok(CREATE, [{"emailAddress": "e@b.example"}])["fail"] == []


def test_bad_json_and_too_many_items_are_request_errors(mc: Mimecast) -> None:
    r = mc.client.post(CREATE, content=b"{'data': [}", headers=signed_headers(mc.creds, CREATE))
    refused(r, 400, "err_validation_invalid")
    refused(mc.post(CREATE, [{"emailAddress": "x@y.example"}] * 501), 413,
            "err_xdk_request_too_large")  # fmt: skip


def test_an_unknown_api_path_answers_in_the_envelope(mc: Mimecast) -> None:
    refused(mc.post("/api/user/nothing-here"), 404, "err_xdk_route_not_found")


@pytest.mark.parametrize("settings_overrides", [{"dialects": "none"}])
def test_the_door_can_be_switched_off(client: TestClient) -> None:
    """With AKA_DIALECTS=none nothing answers under /api but the native 404."""
    r = client.post(CREATE, json={"data": []})
    assert r.status_code == 404
    assert r.headers["content-type"] == "application/problem+json"


def test_the_seed_sample_body_sent_as_written(mc: Mimecast) -> None:
    """The documentation's sample body (placeholders "String") is a signed, accepted
    request whose one item fails as an invalid address, under HTTP 200."""
    sample = (
        b'{\n "data": [\n     {\n         "aliasFor": "String",\n'
        b'         "alias": "String"\n     }\n ]\n}'
    )
    r = mc.client.post(ALIAS, content=sample, headers=signed_headers(mc.creds, ALIAS))
    assert r.status_code == 200
    body = r.json()
    assert body["data"] == []
    failure = one_failure(body, "err_validation_email_invalid")
    assert failure["key"] == {"aliasFor": "String", "alias": "String"}
