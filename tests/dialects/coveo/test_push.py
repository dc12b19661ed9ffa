"""Golden answers of the Push API identity routes: replace semantics, orderingId, and
every documented error in Coveo's `{errorCode, message}` body."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from aka.core.ports import Store
from aka.service import admin

from .conftest import ORG, Coveo, accepted, coveo_error, group, owner, user

P = "Directory"


def direct_groups(coveo: Coveo, name: str) -> set[str]:
    return {n.partition(":")[2] for n in coveo.names(P, user(name))} - {name}


def test_permissions_creates_the_identity_with_its_kind_and_info(
    coveo: Coveo, client: TestClient
) -> None:
    accepted(
        coveo.permissions(P, {"name": "g1", "type": "VirtualGroup", "additionalInfo": {"a": "1"}})
    )
    pid = owner(client, P, "g1")
    ident = client.get(f"/v1/profiles/{pid}").json()["identifiers"][0]
    assert (ident["kind"], ident["attributes"]) == ("VIRTUAL_GROUP", {"a": "1"})


SPELLINGS = ["USER", "User", "user", "GROUP", "Group", "VIRTUAL_GROUP", "VirtualGroup",
             "virtual_group", "UNKNOWN", "Unknown"]  # fmt: skip


@pytest.mark.parametrize("spelled", SPELLINGS)
def test_identity_types_are_accepted_in_any_case(coveo: Coveo, spelled: str) -> None:
    accepted(coveo.permissions(P, {"name": "x", "type": spelled}))


def test_an_unknown_type_is_invalid(coveo: Coveo) -> None:
    coveo_error(coveo.permissions(P, {"name": "x", "type": "ROBOT"}), 400, "INVALID_PARAMETER")


def test_members_are_replaced_by_each_push(coveo: Coveo) -> None:
    """The group's member list is exactly the last one pushed."""
    accepted(coveo.permissions(P, group("g"), members=[user("a"), user("b")], ordering=1))
    assert "g" in direct_groups(coveo, "a")
    assert "g" in direct_groups(coveo, "b")
    accepted(coveo.permissions(P, group("g"), members=[user("b"), user("c")], ordering=2))
    assert "g" not in direct_groups(coveo, "a")
    assert "g" in direct_groups(coveo, "b")
    assert "g" in direct_groups(coveo, "c")


def test_well_knowns_are_replaced_but_other_memberships_stay(coveo: Coveo) -> None:
    """`wellKnowns` grants groups; the next push replaces exactly those it granted, not
    memberships another group's member list made."""
    accepted(coveo.permissions(P, group("staff"), members=[user("ann")], ordering=1))
    accepted(coveo.permissions(P, user("ann"), well_knowns=[group("Everyone")], ordering=2))
    assert direct_groups(coveo, "ann") == {"staff", "Everyone"}
    accepted(coveo.permissions(P, user("ann"), well_knowns=[group("Admins")], ordering=3))
    assert direct_groups(coveo, "ann") == {"staff", "Admins"}
    accepted(coveo.permissions(P, user("ann"), ordering=4))
    assert direct_groups(coveo, "ann") == {"staff"}


def test_an_update_older_than_the_last_applied_is_dropped(coveo: Coveo) -> None:
    """orderingId 5 then 3: the older one answers 202 but changes nothing; the same id
    again is applied (a retry)."""
    accepted(coveo.permissions(P, group("g"), members=[user("a")], ordering=5))
    accepted(coveo.permissions(P, group("g"), members=[user("b")], ordering=3))
    assert "g" in direct_groups(coveo, "a")
    assert coveo.names(P, user("b")) == set()
    accepted(coveo.permissions(P, group("g"), members=[user("b")], ordering=5))
    assert "g" in direct_groups(coveo, "b")


def test_the_default_ordering_id_is_now_in_ms(coveo: Coveo) -> None:
    """Without orderingId an update counts as now: one sent with an id from 2001 is older."""
    accepted(coveo.permissions(P, group("g"), members=[user("a")]))
    accepted(coveo.permissions(P, group("g"), members=[user("b")], ordering=1_000_000_000_000))
    assert "g" in direct_groups(coveo, "a")


def test_mappings_make_one_profile_and_merge_known_identities(
    coveo: Coveo, client: TestClient
) -> None:
    """A mapped identity that already had its own profile is merged in: a mapping says
    "same person" explicitly."""
    accepted(coveo.permissions("Email", user("ann@x.io")))
    accepted(coveo.mappings(P, user("ann"), [user("ann@x.io", provider="Email"),
                                             user("A1", provider="HR")]))  # fmt: skip
    one = owner(client, P, "ann")
    assert owner(client, "Email", "ann@x.io") == one == owner(client, "HR", "A1")


def test_the_mappings_new_to_the_graph_are_one_event(coveo: Coveo, client: TestClient) -> None:
    """A known identity mapped to three new ones: one `identifier.linked` listing them."""
    accepted(coveo.permissions(P, user("ann")))
    before = client.get("/v1/events", params={"limit": 1000}).json()["next_after"]
    mapped = [user("ann@x.io", provider="Email"), user("A1", provider="HR"), user("ann-2")]
    accepted(coveo.mappings(P, user("ann"), mapped))
    events = client.get("/v1/events", params={"after": before, "limit": 1000}).json()["events"]
    assert [(e["type"], [i["value"] for i in e["payload"]["identifiers"]]) for e in events] == [
        ("identifier.linked", ["ann@x.io", "A1", "ann-2"])
    ]
    assert events[0]["profile_id"] == owner(client, P, "ann")


def test_the_first_refused_mapping_is_the_one_answered(coveo: Coveo, client: TestClient) -> None:
    """Directory holds at most 2 per profile: mappings[1] passes the limit before
    mappings[2] is found blocked, so the limit is what the answer names; nothing stays."""
    r = client.patch("/v1/workspace", json={"namespaces": {P: {"max_per_profile": 2}}})
    assert r.status_code == 200, r.text
    accepted(coveo.permissions(P, user("ann")))
    refused = coveo.mappings(P, user("ann"), [user("x"), user("y"), user("null")])
    assert refused.status_code >= 400
    assert "the limit" in refused.json()["message"]
    assert owner(client, P, "x") is None


def test_a_mapping_refused_by_the_graph_is_409(coveo: Coveo, client: TestClient) -> None:
    """Two identified people are never merged by a mapping."""
    for name in ("ann", "bob"):
        body = {"external_id": name, "identifiers": [{"namespace": P, "value": name}]}
        assert client.post("/v1/profiles", json=body).status_code == 201
    coveo_error(coveo.mappings(P, user("ann"), [user("bob")]), 409, "IDENTITY_CONFLICT")


def test_delete_disables_and_a_newer_push_enables(coveo: Coveo, client: TestClient) -> None:
    accepted(coveo.permissions(P, user("ann"), well_knowns=[group("Everyone")], ordering=1))
    accepted(coveo.delete(P, user("ann"), ordering=2))
    pid = owner(client, P, "ann")
    assert client.get(f"/v1/profiles/{pid}").json()["identifiers"][0]["disabled"] is True
    assert coveo.parents(P, user("ann"))["items"] == []
    accepted(coveo.permissions(P, user("ann"), well_knowns=[group("Everyone")], ordering=1))
    assert coveo.parents(P, user("ann"))["items"] == []  # older: dropped
    accepted(coveo.permissions(P, user("ann"), well_knowns=[group("Everyone")], ordering=3))
    assert direct_groups(coveo, "ann") == {"Everyone"}


def test_deleting_an_unknown_identity_is_accepted(coveo: Coveo) -> None:
    accepted(coveo.delete(P, user("nobody")))


def test_olderthan_disables_what_was_last_written_below_the_id(
    coveo: Coveo, client: TestClient
) -> None:
    for name, ordering in (("a", 1), ("b", 5), ("c", 9)):
        accepted(coveo.permissions(P, user(name), ordering=ordering))
    accepted(coveo.permissions("Other", user("z"), ordering=1))
    r = client.delete(
        coveo.url(P, "permissions/olderthan"), params={"orderingId": 6, "queueDelay": 0}
    )
    accepted(r)
    disabled = {
        name: client.get(f"/v1/profiles/{owner(client, ns, name)}").json()["identifiers"][0][
            "disabled"
        ]
        for ns, name in ((P, "a"), (P, "b"), (P, "c"), ("Other", "z"))
    }
    assert disabled == {"a": True, "b": True, "c": False, "z": False}


def test_olderthan_needs_an_ordering_id(coveo: Coveo, client: TestClient) -> None:
    coveo_error(client.delete(coveo.url(P, "permissions/olderthan")), 400, "INVALID_PARAMETER")


# --- errors ---------------------------------------------------------------------------


def test_no_token_is_unauthorized_and_a_bad_one_invalid(coveo: Coveo, client: TestClient) -> None:
    url, body = coveo.url(P, "permissions"), {"identity": user("a")}
    bare = TestClient(client.app)
    coveo_error(bare.put(url, json=body), 401, "UNAUTHORIZED")
    coveo_error(bare.put(url, json=body, headers={"Authorization": "Bearer nope"}), 401,
                "INVALID_TOKEN")  # fmt: skip


def test_another_organization_is_access_denied(coveo: Coveo, store: Store) -> None:
    admin.create_workspace(store, "other")
    coveo_error(Coveo(coveo.client, "other").permissions(P, user("a")), 403, "ACCESS_DENIED")


def test_a_key_without_the_privilege_is_access_denied(coveo: Coveo, store: Store) -> None:
    reader = admin.issue_key(store, ORG, scopes=["Security identities | View"]).secret
    headers = {"Authorization": f"Bearer {reader}"}
    r = coveo.client.put(coveo.url(P, "permissions"), json={"identity": user("a")}, headers=headers)
    coveo_error(r, 403, "ACCESS_DENIED")
    writer = admin.issue_key(store, ORG, scopes=["Security identities | Edit"]).secret
    r = coveo.client.put(coveo.url(P, "permissions"), json={"identity": user("a")},
                         headers={"Authorization": f"Bearer {writer}"})  # fmt: skip
    accepted(r)


@pytest.mark.parametrize("body", [b"{not json", b'{"identity": 3}', b'{"members": []}'])
def test_a_bad_body_is_invalid_json(coveo: Coveo, body: bytes) -> None:
    r = coveo.client.put(coveo.url(P, "permissions"), content=body)
    coveo_error(r, 400, "INVALID_JSON")


def test_a_request_over_6_mb_is_413(coveo: Coveo) -> None:
    body = b'{"identity": {"name": "' + b"x" * (6 * 1024 * 1024) + b'"}}'
    coveo_error(coveo.client.put(coveo.url(P, "permissions"), content=body), 413,
                "REQUEST_TOO_LARGE")  # fmt: skip


def test_an_unknown_route_is_not_found(coveo: Coveo) -> None:
    coveo_error(coveo.client.get(f"/push/v1/organizations/{ORG}/nothing"), 404, "NOT_FOUND")


@pytest.mark.parametrize("settings_overrides", [{"rate_limit_write": "2/minute"}])
def test_too_many_requests_carries_retry_after(coveo: Coveo) -> None:
    for _ in range(2):
        accepted(coveo.permissions(P, user("a")))
    r = coveo.permissions(P, user("a"))
    coveo_error(r, 429, "TOO_MANY_REQUESTS")
    assert int(r.headers["Retry-After"]) >= 1


@pytest.mark.parametrize("settings_overrides", [{"dialects": "mimecast"}])
def test_the_door_can_be_switched_off(client: TestClient) -> None:
    r = client.put(f"/push/v1/organizations/{ORG}/providers/P/permissions", json={})
    assert r.status_code == 404
    assert r.headers["content-type"] == "application/problem+json"
