"""Profiles over the native API: create, read, update attributes, resolve, identify, delete."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from conftest import Api


def test_create_answers_201_with_the_profile_and_normalised_identifiers(api: Api) -> None:
    """POST /v1/profiles creates an identified profile; email values are lower-cased."""
    r = api.client.post(
        "/v1/profiles",
        json={
            "external_id": "user-42",
            "attributes": {"plan": "pro"},
            "identifiers": [{"namespace": "email", "value": "Ann@Example.com", "primary": True}],
        },
    )
    body = api.ok(r, 201)
    assert body["external_id"] == "user-42"
    assert body["attributes"] == {"plan": "pro"}
    [email] = body["identifiers"]
    assert (email["namespace"], email["value"], email["primary"]) == (
        "email",
        "ann@example.com",
        True,
    )
    assert email["kind"] == "USER"


def test_create_without_anything_makes_an_anonymous_profile(api: Api) -> None:
    """An empty body is a valid create: an alias-only profile with no external id."""
    body = api.ok(api.client.post("/v1/profiles", json={}), 201)
    assert body["external_id"] is None
    assert body["identifiers"] == []


def test_create_with_a_taken_external_id_is_a_409_naming_the_owner(api: Api) -> None:
    """External ids are unique in a workspace; the problem names who holds it."""
    owner = api.person(external_id="user-1")
    r = api.client.post("/v1/profiles", json={"external_id": "user-1"})
    assert api.problem(r, 409, "external_id_conflict")["owner"] == owner


def test_create_with_a_taken_identifier_writes_nothing(api: Api) -> None:
    """Every identifier is checked before anything is written: a 409 leaves no profile."""
    owner = api.person("device:d1")
    before = len(api.events())
    r = api.client.post(
        "/v1/profiles",
        json={
            "identifiers": [
                {"namespace": "device", "value": "fresh"},
                {"namespace": "device", "value": "d1"},
            ]
        },
    )
    assert api.problem(r, 409, "identifier_conflict")["owner"] == owner
    assert api.owner("device:fresh") is None
    assert len(api.events()) == before


def test_get_answers_the_live_profile_and_404_for_an_unknown_id(api: Api) -> None:
    """GET /v1/profiles/{id} reads a profile; an id nobody has is a 404 problem."""
    ann = api.person("device:d1")
    assert api.profile(ann)["id"] == ann
    api.problem(api.client.get("/v1/profiles/no-such-profile"), 404, "profile_not_found")


def test_patch_applies_a_json_merge_patch_to_attributes(api: Api) -> None:
    """PATCH sets keys, replaces values and removes keys patched to null."""
    ann = api.person(attributes={"plan": "free", "city": "Oslo", "age": 30})
    r = api.client.patch(
        f"/v1/profiles/{ann}", json={"attributes": {"plan": "pro", "city": None, "vip": True}}
    )
    assert api.ok(r, 200)["attributes"] == {"plan": "pro", "age": 30, "vip": True}
    assert api.profile(ann)["attributes"] == {"plan": "pro", "age": 30, "vip": True}


def test_patch_of_an_unknown_profile_is_404(api: Api) -> None:
    r = api.client.patch("/v1/profiles/nobody", json={"attributes": {"a": 1}})
    api.problem(r, 404, "profile_not_found")


def test_resolve_by_identifier_or_external_id(api: Api) -> None:
    """GET /v1/resolve finds the profile by namespace+value (normalised) or external_id."""
    ann = api.person("email:ann@example.com", "device:d1", external_id="user-7")
    by_email = api.client.get(
        "/v1/resolve", params={"namespace": "email", "value": "ANN@example.COM"}
    )
    assert api.ok(by_email, 200)["id"] == ann
    by_external = api.client.get("/v1/resolve", params={"external_id": "user-7"})
    body = api.ok(by_external, 200)
    assert body["id"] == ann
    assert {i["value"] for i in body["identifiers"]} == {"ann@example.com", "d1"}


def test_resolve_answers_404_when_nothing_matches(api: Api) -> None:
    r = api.client.get("/v1/resolve", params={"namespace": "device", "value": "nobody"})
    api.problem(r, 404, "profile_not_found")
    api.problem(
        api.client.get("/v1/resolve", params={"external_id": "x"}), 404, "profile_not_found"
    )


def test_resolve_needs_exactly_one_kind_of_reference(api: Api) -> None:
    """No reference, or two at once, is a 422 rather than a guess."""
    api.problem(api.client.get("/v1/resolve"), 422, "invalid_input")
    both = api.client.get(
        "/v1/resolve", params={"external_id": "x", "namespace": "device", "value": "d"}
    )
    api.problem(both, 422, "invalid_input")


def test_identify_sets_the_external_id(api: Api) -> None:
    """POST /v1/identify gives an anonymous profile its external id."""
    anon = api.person("device:d1")
    r = api.client.post(
        "/v1/identify", json={"profile": {"profile_id": anon}, "external_id": "user-9"}
    )
    assert api.ok(r, 200)["external_id"] == "user-9"
    resolved = api.client.get("/v1/resolve", params={"external_id": "user-9"})
    assert api.ok(resolved, 200)["id"] == anon


def test_identify_with_a_known_external_id_merges_the_anonymous_profile_into_it(
    api: Api,
) -> None:
    """The anonymous profile joins the known one, which is returned; its old id forwards."""
    known = api.person("email:bob@x.io", external_id="user-5")
    anon = api.person("device:web-1")
    r = api.client.post(
        "/v1/identify",
        json={"profile": {"namespace": "device", "value": "web-1"}, "external_id": "user-5"},
    )
    body = api.ok(r, 200)
    assert body["id"] == known
    assert api.holds(known) == {"email:bob@x.io", "device:web-1"}
    assert api.profile(anon)["id"] == known


def test_identify_of_an_identified_profile_with_another_id_is_a_409(api: Api) -> None:
    """A known person's external id is not silently replaced."""
    ann = api.person(external_id="user-1")
    r = api.client.post("/v1/identify", json={"profile": {"profile_id": ann}, "external_id": "u-2"})
    assert api.problem(r, 409, "already_identified")["field"] == "external_id"
    assert api.profile(ann)["external_id"] == "user-1"


def test_delete_answers_204_then_the_profile_is_gone(api: Api) -> None:
    """DELETE /v1/profiles/{id}: 204 with no body; then GET, resolve and a 2nd delete 404."""
    ann = api.person("email:ann@example.com", external_id="user-3")
    r = api.client.delete(f"/v1/profiles/{ann}")
    assert r.status_code == 204
    assert r.content == b""
    api.problem(api.client.get(f"/v1/profiles/{ann}"), 404, "profile_not_found")
    assert api.owner("email:ann@example.com") is None
    api.problem(api.client.delete(f"/v1/profiles/{ann}"), 404, "profile_not_found")


def test_delete_redacts_the_profiles_personal_data_from_the_event_log(api: Api) -> None:
    """Right to erasure: the change feed keeps the events but not the values."""
    ann = api.person("email:ann@example.com", "device:d-secret", external_id="user-secret")
    # Values no id can hold by chance: "d-2" was once found in the feed inside a
    # profile id (a UUIDv7's first dash follows its clock's hex digits).
    api.ok(api.link(ann, "device:d-linked"), 201)
    assert api.client.delete(f"/v1/profiles/{ann}").status_code == 204
    feed = api.client.get("/v1/events", params={"limit": 1000}).text
    for secret in ("ann@example.com", "d-secret", "d-linked", "user-secret"):
        assert secret not in feed
    assert [e["type"] for e in api.events()][-1] == "profile.deleted"


def test_delete_through_a_merged_id_deletes_the_survivor_and_its_tombstones(api: Api) -> None:
    """A merged id forwards, so deleting through it erases the person, merges included."""
    keep = api.person("device:d1")
    gone = api.person("device:d2")
    api.merged(keep, gone)
    assert api.client.delete(f"/v1/profiles/{gone}").status_code == 204
    api.problem(api.client.get(f"/v1/profiles/{keep}"), 404, "profile_not_found")
    assert api.owner("device:d1") is None
    assert api.owner("device:d2") is None
