"""Braze /users/merge, /users/delete, /users/export/ids and /users/track, route by route."""

from __future__ import annotations

from typing import Any

from .conftest import Braze


def by_external(external_id: str) -> dict[str, Any]:
    return {"external_id": external_id}


# --- /users/merge --------------------------------------------------------------------


def test_merge_by_external_id_merges_two_identified_users(braze: Braze) -> None:
    """The caller names both users: identified ones merge too. 202, as Braze answers."""
    keep = braze.native.person("device:d1", external_id="keep")
    gone = braze.native.person("device:d2", external_id="gone")
    update = {"identifier_to_merge": by_external("gone"), "identifier_to_keep": by_external("keep")}
    assert braze.ok(braze.post("/users/merge", {"merge_updates": [update]}), 202) == {
        "message": "success"
    }
    assert braze.native.holds(keep) == {"device:d1", "device:d2"}
    assert braze.native.profile(gone)["id"] == keep


def test_merge_by_alias_and_by_email(braze: Braze) -> None:
    keep = braze.native.person("email:k@x.io", external_id="keep")
    braze.native.person("cookie:c1")
    braze.native.person("email:other@x.io")
    updates = [
        {
            "identifier_to_merge": {"user_alias": {"alias_label": "cookie", "alias_name": "c1"}},
            "identifier_to_keep": by_external("keep"),
        },
        {
            "identifier_to_merge": {"email": "other@x.io", "prioritization": ["unidentified"]},
            "identifier_to_keep": {"email": "k@x.io", "prioritization": ["identified"]},
        },
    ]
    assert braze.ok(braze.post("/users/merge", {"merge_updates": updates}), 202) == {
        "message": "success"
    }
    assert braze.native.holds(keep) == {"email:k@x.io", "cookie:c1", "email:other@x.io"}


def test_merge_reports_unknown_and_malformed_identifiers_as_minor_errors(braze: Braze) -> None:
    braze.native.person(external_id="keep")
    updates = [
        {"identifier_to_merge": by_external("nobody"), "identifier_to_keep": by_external("keep")},
        {"identifier_to_merge": {}, "identifier_to_keep": by_external("keep")},
    ]
    body = braze.ok(braze.post("/users/merge", {"merge_updates": updates}), 202)
    assert [e["index"] for e in body["errors"]] == [0, 1]


def test_merge_refuses_51_and_bad_bodies(braze: Braze) -> None:
    update = {"identifier_to_merge": by_external("a"), "identifier_to_keep": by_external("b")}
    assert (
        "maximum is 50"
        in braze.refused(braze.post("/users/merge", {"merge_updates": [update] * 51}))["message"]
    )
    assert braze.refused(
        braze.post("/users/merge", {"merge_updates": [{"identifier_to_keep": {}}]})
    )
    bad = {"identifier_to_merge": {"email": "a@x.io", "prioritization": ["sometimes"]},
           "identifier_to_keep": by_external("b")}  # fmt: skip
    assert braze.refused(braze.post("/users/merge", {"merge_updates": [bad]}))


# --- /users/delete -------------------------------------------------------------------


def test_delete_by_each_kind_of_id(braze: Braze) -> None:
    braze.native.person(external_id="u1")
    braze.native.person("cookie:c1")
    third = braze.native.person("device:d3")
    for body in (
        {"external_ids": ["u1"]},
        {"user_aliases": [{"alias_label": "cookie", "alias_name": "c1"}]},
        {"braze_ids": [third]},
    ):
        assert braze.ok(braze.post("/users/delete", body), 200) == {
            "deleted": 1,
            "message": "success",
        }
    assert braze.native.owner("device:d3") is None


def test_delete_counts_only_what_it_deleted(braze: Braze) -> None:
    braze.native.person(external_id="u1")
    body = braze.ok(braze.post("/users/delete", {"external_ids": ["u1", "nobody"]}), 200)
    assert body["deleted"] == 1
    assert [(e["input_array"], e["index"]) for e in body["errors"]] == [("external_ids", 1)]


def test_delete_needs_exactly_one_list_of_at_most_50(braze: Braze) -> None:
    assert braze.refused(braze.post("/users/delete", {"external_ids": ["a"], "braze_ids": ["b"]}))
    assert braze.refused(braze.post("/users/delete", {}))
    assert (
        "maximum is 50"
        in braze.refused(
            braze.post("/users/delete", {"external_ids": [f"u{n}" for n in range(51)]})
        )["message"]
    )
    assert braze.refused(braze.post("/users/delete", {"external_ids": [1]}))


# --- /users/export/ids ---------------------------------------------------------------


def test_export_answers_each_user_once_and_names_the_unknown(braze: Braze) -> None:
    ann = braze.native.person(
        "cookie:c1", "email:ann@x.io", external_id="u1", attributes={"plan": "pro"}
    )
    body = braze.export(
        external_ids=["u1", "nobody"],
        user_aliases=[{"alias_label": "cookie", "alias_name": "c1"}],
    )
    (user,) = body["users"]
    assert user["braze_id"] == ann
    assert user["external_id"] == "u1"
    assert user["email"] == "ann@x.io"
    assert user["user_aliases"] == [{"alias_label": "cookie", "alias_name": "c1"}]
    assert user["custom_attributes"] == {"plan": "pro"}
    assert "created_at" in user
    assert body["invalid_user_ids"] == ["nobody"]


def test_export_by_braze_id_or_email_with_fields_to_export(braze: Braze) -> None:
    """`fields_to_export` limits each user to the fields named; a Braze field aka does not
    keep (`purchases`) is left out, which Braze reads as empty; a name that is no Braze
    export field is refused naming it, not silently ignored."""
    ann = braze.native.person("email:ann@x.io", external_id="u1", attributes={"first_name": "Ann"})
    fields = ["external_id", "email", "first_name", "purchases"]
    for body in ({"braze_id": ann}, {"email_address": "ANN@x.io"}):
        users = braze.export(**body, fields_to_export=fields)["users"]
        assert users == [{"external_id": "u1", "email": "ann@x.io", "first_name": "Ann"}]
    refused = braze.refused(
        braze.post("/users/export/ids", {"braze_id": ann, "fields_to_export": ["x", "y_z"]})
    )
    assert refused["errors"] == [
        {
            "type": "fields_to_export[0] 'x' is not a field Braze exports",
            "input_array": "fields_to_export",
            "index": 0,
        }
    ]


def test_export_needs_an_id_and_at_most_50(braze: Braze) -> None:
    assert braze.refused(braze.post("/users/export/ids", {}))
    many = [f"u{n}" for n in range(51)]
    assert (
        "maximum is 50"
        in braze.refused(braze.post("/users/export/ids", {"external_ids": many}))["message"]
    )
    assert braze.refused(braze.post("/users/export/ids", {"braze_id": 7}))


# --- /users/track --------------------------------------------------------------------


def test_track_creates_users_and_stores_attributes_and_email(braze: Braze) -> None:
    body = {
        "attributes": [{"external_id": "u1", "email": "Ann@X.io", "plan": "pro"}],
        "events": [],
        "purchases": [],
    }
    assert braze.ok(braze.post("/users/track", body)) == {
        "attributes_processed": 1,
        "message": "success",
    }
    (user,) = braze.export(external_ids=["u1"])["users"]
    assert (user["email"], user["custom_attributes"]) == ("ann@x.io", {"plan": "pro"})


def test_track_updates_and_a_null_removes_an_attribute(braze: Braze) -> None:
    braze.native.person(external_id="u1", attributes={"plan": "pro", "tier": 1})
    braze.ok(braze.post("/users/track", {"attributes": [{"external_id": "u1", "plan": None}]}))
    assert braze.export(external_ids=["u1"])["users"][0]["custom_attributes"] == {"tier": 1}


def test_track_update_existing_only_and_alias_only_users(braze: Braze) -> None:
    items = [
        {"external_id": "new", "_update_existing_only": True, "x": 1},
        {
            "user_alias": {"alias_label": "cookie", "alias_name": "c1"},
            "_update_existing_only": False,
        },
        {"braze_id": "nobody", "x": 1},
    ]
    body = braze.ok(braze.post("/users/track", {"attributes": items}))
    assert body["attributes_processed"] == 1
    assert [e["index"] for e in body["errors"]] == [0, 2]
    assert braze.native.owner("cookie:c1") is not None


def test_track_refuses_events_and_purchases_clearly(braze: Braze) -> None:
    for name in ("events", "purchases"):
        body = braze.refused(braze.post("/users/track", {name: [{"name": "x"}]}))
        assert f"{name} are not accepted" in body["message"]
    assert braze.native.events() == []


def test_track_refuses_76_attributes_and_bad_types(braze: Braze) -> None:
    many = [{"external_id": f"u{n}"} for n in range(76)]
    assert (
        "maximum is 75"
        in braze.refused(braze.post("/users/track", {"attributes": many}))["message"]
    )
    assert braze.refused(braze.post("/users/track", {"attributes": "no"}))
