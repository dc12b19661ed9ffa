"""Braze phone numbers and device ids: identify by phone, export by phone or device_id,
merge by phone, and a phone sent through /users/track found by each of them (E.164,
with a clear error for text that is no number). Bodies as Braze documents them."""

from __future__ import annotations

from typing import Any

from .conftest import Braze

PHONE = "+14155552671"


def track(braze: Braze, *attributes: dict[str, Any]) -> dict[str, Any]:
    return braze.ok(braze.post("/users/track", {"attributes": list(attributes)}))


def exported(braze: Braze, **body: Any) -> list[dict[str, Any]]:
    return list(braze.export(**body)["users"])


def test_a_phone_sent_through_track_is_stored_in_e164_and_exported_at_the_top_level(
    braze: Braze,
) -> None:
    """`phone` is a standard field: normalised, answered as `phone`, not a custom one."""
    track(braze, {"external_id": "u1", "phone": "(415) 555-2671", "plan": "pro"})
    (user,) = exported(braze, external_ids=["u1"])
    assert user["phone"] == PHONE
    assert user["custom_attributes"] == {"plan": "pro"}


def test_a_phone_that_is_no_number_refuses_its_object_naming_the_field(braze: Braze) -> None:
    """The object is not applied (no user created), the others are; the error names
    `attributes[n].phone` and the E.164 form."""
    body = track(
        braze,
        {"external_id": "u1", "phone": "call me maybe"},
        {"external_id": "u2", "phone": "+44 20 7183 8750"},
    )
    assert body["attributes_processed"] == 1
    (error,) = body["errors"]
    assert (error["input_array"], error["index"]) == ("attributes", 0)
    assert "attributes[0].phone" in error["type"]
    assert "E.164" in error["type"]
    assert exported(braze, external_ids=["u1", "u2"]) == [exported(braze, external_ids=["u2"])[0]]


def test_identify_by_phone_gives_a_phone_only_user_the_external_id(braze: Braze) -> None:
    """`phone_numbers_to_identify` as Braze's clients send it: the phone-only user (made
    by track with only a phone) becomes the identified user; one alias processed."""
    track(braze, {"phone": PHONE, "_update_existing_only": False, "first_name": "Ann"})
    body = {
        "phone_numbers_to_identify": [
            {
                "external_id": "ann-1",
                "phone": "+1 415 555 2671",
                "prioritization": ["unidentified", "most_recently_updated"],
            }
        ]
    }
    assert braze.ok(braze.post("/users/identify", body)) == {
        "aliases_processed": 1,
        "message": "success",
    }
    (user,) = exported(braze, phone="4155552671")
    assert (user["external_id"], user["first_name"], user["phone"]) == ("ann-1", "Ann", PHONE)


def test_identify_by_phone_merges_the_phone_only_user_into_the_identified_one(
    braze: Braze,
) -> None:
    """An identified user already has the external id: the phone-only user is merged
    into it, its fields joining those the identified user does not have."""
    known = braze.native.person(external_id="ann-1", attributes={"first_name": "Ann"})
    track(braze, {"phone": PHONE, "last_name": "Lee", "first_name": "Anonymous"})
    body = {"phone_numbers_to_identify": [{"external_id": "ann-1", "phone": PHONE}]}
    assert braze.ok(braze.post("/users/identify", body))["aliases_processed"] == 1
    (user,) = exported(braze, phone=PHONE)
    assert user["braze_id"] == known
    assert (user["first_name"], user["last_name"], user["phone"]) == ("Ann", "Lee", PHONE)


def test_identify_by_an_unknown_or_malformed_phone_is_a_minor_error(braze: Braze) -> None:
    body = {
        "phone_numbers_to_identify": [
            {"external_id": "a", "phone": "+1 415 555 0000", "prioritization": []},
            {"external_id": "b", "phone": "not a phone", "prioritization": []},
        ]
    }
    answer = braze.ok(braze.post("/users/identify", body))
    assert answer["aliases_processed"] == 0
    first, second = answer["errors"]
    assert first["input_array"] == "phone_numbers_to_identify"
    assert "no user with phone '+14155550000'" in first["type"]
    assert second["index"] == 1
    assert "phone_numbers_to_identify[1].phone" in second["type"]


def test_identify_by_phone_with_merge_behavior_none_moves_only_the_phone(braze: Braze) -> None:
    """`merge_behavior: none`: the identified user gets the phone; the phone-only user
    keeps its other fields and loses the phone."""
    known = braze.native.person(external_id="ann-1")
    track(braze, {"phone": PHONE, "home_city": "Oslo", "_update_existing_only": False})
    (anonymous,) = exported(braze, phone=PHONE)
    body = {
        "phone_numbers_to_identify": [{"external_id": "ann-1", "phone": PHONE}],
        "merge_behavior": "none",
    }
    assert braze.ok(braze.post("/users/identify", body))["aliases_processed"] == 1
    (user,) = exported(braze, phone=PHONE)
    assert (user["braze_id"], user.get("home_city")) == (known, None)
    (left,) = exported(braze, braze_id=anonymous["braze_id"])
    assert (left["home_city"], left.get("phone")) == ("Oslo", None)


def test_export_by_device_id_finds_the_device_identifier(braze: Braze) -> None:
    """`device_id` names the user holding that identifier in namespace `device`; the
    export lists it under `devices`, not among the user aliases."""
    ann = braze.native.person("device:ios-7f3a", "cookie:c1", external_id="u1")
    (user,) = exported(braze, device_id="ios-7f3a")
    assert user["braze_id"] == ann
    assert user["devices"] == [{"device_id": "ios-7f3a"}]
    assert user["user_aliases"] == [{"alias_label": "cookie", "alias_name": "c1"}]
    assert braze.export(device_id="nope") == {
        "users": [],
        "invalid_user_ids": ["nope"],
        "message": "success",
    }


def test_export_takes_one_of_device_id_email_address_and_phone(braze: Braze) -> None:
    """Braze allows one of them per request: two are refused naming the second."""
    body = braze.refused(
        braze.post("/users/export/ids", {"email_address": "a@x.io", "phone": PHONE})
    )
    assert "only one of device_id, email_address or phone" in body["message"]
    assert body["errors"][0]["input_array"] == "phone"
    assert (
        "phone" in braze.refused(braze.post("/users/export/ids", {"phone": "garbage"}))["message"]
    )


def test_merge_by_phone_with_prioritization(braze: Braze) -> None:
    """`identifier_to_merge: {phone, prioritization}` picks one of the users sharing it."""
    keep = braze.native.person(external_id="keep")
    track(braze, {"phone": PHONE, "first_name": "Gone"})
    track(braze, {"external_id": "other", "phone": PHONE})
    update = {
        "identifier_to_merge": {"phone": PHONE, "prioritization": ["unidentified"]},
        "identifier_to_keep": {"external_id": "keep"},
    }
    assert braze.ok(braze.post("/users/merge", {"merge_updates": [update]}), 202) == {
        "message": "success"
    }
    holders = exported(braze, phone=PHONE)
    assert sorted(u.get("external_id", "") for u in holders) == ["keep", "other"]
    (kept,) = exported(braze, braze_id=keep)
    assert (kept["first_name"], kept["phone"]) == ("Gone", PHONE)
