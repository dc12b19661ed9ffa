"""Braze's standard user profile fields through /users/track and /users/export/ids:
each is checked as Braze documents it, kept, and exported at the top level of the
user; a documented field aka does not keep is refused by name, never dropped."""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import Braze

FIELDS: dict[str, Any] = {
    "first_name": "Jon",
    "last_name": "Snow",
    "dob": "1988-02-14",
    "gender": "m",  # any case; kept as Braze's letter
    "country": "NO",
    "home_city": "Oslo",
    "language": "nb",
    "time_zone": "Europe/Oslo",
    "email_subscribe": "opted_in",
    "push_subscribe": "unsubscribed",
    "email_open_tracking_disabled": True,
    "email_click_tracking_disabled": False,
    "current_location": {"longitude": 10.75, "latitude": 59.91},
    "date_of_first_session": "2026-01-02T03:04:05Z",
}


def test_standard_fields_are_kept_and_exported_at_the_top_level(braze: Braze) -> None:
    """Exported as Braze names them (`current_location` as `last_coordinates`), with
    only the custom attributes under `custom_attributes`."""
    item = {"external_id": "jon", **FIELDS, "music": ["a", "b"]}
    assert braze.ok(braze.post("/users/track", {"attributes": [item]})) == {
        "attributes_processed": 1,
        "message": "success",
    }
    (user,) = braze.export(external_ids=["jon"])["users"]
    assert user["custom_attributes"] == {"music": ["a", "b"]}
    assert user["gender"] == "M"
    assert user["last_coordinates"] == [10.75, 59.91]
    assert "current_location" not in user
    expected = {k: v for k, v in FIELDS.items() if k not in ("gender", "current_location")}
    assert {k: user[k] for k in expected} == expected
    chosen = braze.export(external_ids=["jon"], fields_to_export=["dob", "custom_attributes"])
    assert chosen["users"] == [{"dob": "1988-02-14", "custom_attributes": {"music": ["a", "b"]}}]


def test_a_null_standard_field_removes_it(braze: Braze) -> None:
    braze.ok(braze.post("/users/track", {"attributes": [{"external_id": "jon", **FIELDS}]}))
    braze.ok(
        braze.post("/users/track", {"attributes": [{"external_id": "jon", "first_name": None}]})
    )
    (user,) = braze.export(external_ids=["jon"])["users"]
    assert "first_name" not in user
    assert user["last_name"] == "Snow"


@pytest.mark.parametrize(
    ("field", "value", "why"),
    [
        ("dob", "14/02/1988", "must be a date as YYYY-MM-DD"),
        ("dob", "1988-02-30", "must be a date as YYYY-MM-DD"),
        ("dob", "1988-W07-1", "must be a date as YYYY-MM-DD"),
        ("time_zone", "Eastern Time (US & Canada)", "is not a time zone of the IANA database"),
        ("gender", "X", "must be one of M, F, O, N, P"),
        ("time_zone", "Mars/Olympus", "is not a time zone of the IANA database"),
        ("email_subscribe", "yes", "must be one of opted_in, subscribed, unsubscribed"),
        ("email_open_tracking_disabled", "no", "must be true or false"),
        ("current_location", {"longitude": "10"}, "must be {longitude, latitude}"),
        ("first_name", 7, "must be a string"),
        ("email", "not-an-address", "is not an email address"),
        ("push_tokens", [{"app_id": "a", "token": "t"}], "messaging state"),
        ("subscription_groups", [], "messaging state"),
        ("push_token_import", True, "messaging state"),
        ("alias_name", "n", "inside user_alias"),
    ],
)
def test_a_bad_or_unkept_standard_field_refuses_its_object_naming_it(
    braze: Braze, field: str, value: Any, why: str
) -> None:
    """A minor error naming `attributes[1].<field>`; that object is not applied (its
    user is not created), the others are."""
    items = [{"external_id": "ok", "first_name": "A"}, {"external_id": "bad", field: value}]
    body = braze.ok(braze.post("/users/track", {"attributes": items}))
    assert body["attributes_processed"] == 1
    (error,) = body["errors"]
    assert (error["input_array"], error["index"]) == ("attributes", 1)
    assert f"attributes[1].{field}" in error["type"]
    assert why in error["type"]
    assert braze.export(external_ids=["bad"])["users"] == []


def test_track_options_are_served_or_refused_never_ignored(braze: Braze) -> None:
    """`_merge_objects: true` asks for a merge aka does not do, and an unknown `_` key is
    no Braze option: each refuses its object, naming it; `false` is fine."""
    items = [
        {"external_id": "a", "_merge_objects": True, "pet": {"name": "Rex"}},
        {"external_id": "b", "_whatever": 1},
        {"external_id": "c", "_merge_objects": False, "pet": {"name": "Rex"}},
    ]
    body = braze.ok(braze.post("/users/track", {"attributes": items}))
    assert body["attributes_processed"] == 1
    first, second = body["errors"]
    assert "attributes[0]._merge_objects is not supported" in first["type"]
    assert "attributes[1]._whatever is not an option" in second["type"]
    assert braze.export(external_ids=["c"])["users"][0]["custom_attributes"] == {
        "pet": {"name": "Rex"}
    }
