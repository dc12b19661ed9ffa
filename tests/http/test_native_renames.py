"""Renaming an external id over the native API (ADR 0024): `POST /v1/profiles/{id}/rename`
keeps the old id as a deprecated identifier that still resolves, `DELETE /v1/identifiers`
removes it, and `PATCH` and identify point to the rename."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from conftest import Api

RESERVED = "aka:external_id"


def renamed(api: Api, profile_id: str, new: str) -> dict[str, Any]:
    r = api.client.post(f"/v1/profiles/{profile_id}/rename", json={"external_id": new})
    return api.ok(r, 200)


def test_rename_answers_the_profile_with_the_old_id_listed_as_deprecated(api: Api) -> None:
    """200: the profile under its new external id; the old one is an identifier of the
    reserved namespace, `deprecated: true`; other identifiers say `deprecated: false`."""
    pid = api.person("device:d1", external_id="u-old")

    body = renamed(api, pid, "u-new")

    assert (body["id"], body["external_id"]) == (pid, "u-new")
    flags = {(i["namespace"], i["value"]): i["deprecated"] for i in body["identifiers"]}
    assert flags == {("device", "d1"): False, (RESERVED, "u-old"): True}
    assert "deprecated_match" not in body
    assert api.events()[-1]["type"] == "profile.renamed"


def test_the_old_id_still_resolves_and_the_answer_says_it_is_deprecated(api: Api) -> None:
    """GET /v1/resolve?external_id=old finds the profile with `deprecated_match: true`;
    by the new id, or by the reserved namespace and value, likewise without/with it."""
    pid = api.person(external_id="u-old")
    renamed(api, pid, "u-new")

    by_old = api.ok(api.client.get("/v1/resolve", params={"external_id": "u-old"}), 200)
    by_new = api.ok(api.client.get("/v1/resolve", params={"external_id": "u-new"}), 200)
    by_key = api.ok(
        api.client.get("/v1/resolve", params={"namespace": RESERVED, "value": "u-old"}), 200
    )

    assert by_old["id"] == by_new["id"] == by_key["id"] == pid
    assert by_old["deprecated_match"] is True
    assert by_key["deprecated_match"] is True
    assert "deprecated_match" not in by_new


def test_a_taken_new_id_is_a_409_naming_the_owner(api: Api) -> None:
    """Another profile's current or deprecated id: `external_id_conflict` with `owner`;
    a profile without an external id: `not_identified`; an unknown profile: 404."""
    ann = api.person(external_id="u-ann")
    bob = api.person(external_id="u-bob")
    renamed(api, bob, "u-bob-2")

    r = api.client.post(f"/v1/profiles/{ann}/rename", json={"external_id": "u-bob"})
    problem = api.problem(r, 409, "external_id_conflict")
    assert (problem["owner"], problem["deprecated"]) == (bob, True)
    anonymous = api.person("device:d9")
    r = api.client.post(f"/v1/profiles/{anonymous}/rename", json={"external_id": "u-9"})
    api.problem(r, 409, "not_identified")
    r = api.client.post("/v1/profiles/nobody/rename", json={"external_id": "u-9"})
    api.problem(r, 404, "profile_not_found")


def test_bad_input_names_the_field(api: Api) -> None:
    """A missing or empty external id, or an unknown field: 422 naming the field."""
    pid = api.person(external_id="u-1")
    r = api.client.post(f"/v1/profiles/{pid}/rename", json={})
    assert api.problem(r, 422, "invalid_input")["field"] == "external_id"
    r = api.client.post(f"/v1/profiles/{pid}/rename", json={"external_id": ""})
    assert api.problem(r, 422, "external_id_invalid")["field"] == "external_id"
    r = api.client.post(f"/v1/profiles/{pid}/rename", json={"external_id": "x", "keep": True})
    assert api.problem(r, 422, "invalid_input")["field"] == "keep"


def test_delete_of_the_deprecated_identifier_removes_the_old_id(api: Api) -> None:
    """Removed natively with DELETE /v1/identifiers: it no longer resolves and may be
    taken again by anyone."""
    pid = api.person(external_id="u-old")
    renamed(api, pid, "u-new")

    r = api.client.delete("/v1/identifiers", params={"namespace": RESERVED, "value": "u-old"})
    assert r.status_code == 204

    r = api.client.get("/v1/resolve", params={"external_id": "u-old"})
    api.problem(r, 404, "profile_not_found")
    assert api.ok(api.client.post("/v1/profiles", json={"external_id": "u-old"}), 201)


def test_patch_of_external_id_and_identify_point_to_rename(api: Api) -> None:
    """Their answers stay (422 unknown field, 409 already_identified), and each message
    names the rename route."""
    pid = api.person(external_id="u-1")
    r = api.client.patch(f"/v1/profiles/{pid}", json={"external_id": "u-2"})
    problem = api.problem(r, 422, "invalid_input")
    assert problem["field"] == "external_id"
    assert "/rename" in problem["detail"]
    r = api.client.post("/v1/identify", json={"profile": {"profile_id": pid}, "external_id": "u-2"})
    problem = api.problem(r, 409, "already_identified")
    assert f"/v1/profiles/{pid}/rename" in problem["detail"]


def test_linking_into_the_reserved_namespace_is_refused(api: Api) -> None:
    """Only a rename writes `aka:external_id`: a link there is 422 `namespace_invalid`."""
    pid = api.person(external_id="u-1")
    r = api.client.post(
        f"/v1/profiles/{pid}/identifiers", json={"namespace": RESERVED, "value": "x"}
    )
    assert api.problem(r, 422, "namespace_invalid")["field"] == "namespace"
