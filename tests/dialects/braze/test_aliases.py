"""Braze /users/alias/new, /users/alias/update and /users/identify, route by route."""

from __future__ import annotations

from typing import Any

from .conftest import Braze


def alias(label: str, name: str, external_id: str | None = None) -> dict[str, Any]:
    item = {"alias_label": label, "alias_name": name}
    return item if external_id is None else {**item, "external_id": external_id}


def users_of(braze: Braze, label: str, name: str) -> list[dict[str, Any]]:
    body = braze.export(user_aliases=[{"alias_label": label, "alias_name": name}])
    return list(body["users"])


# --- /users/alias/new ----------------------------------------------------------------


def test_an_alias_without_external_id_makes_an_alias_only_user(braze: Braze) -> None:
    """No external_id: a new unidentified profile known by the alias."""
    r = braze.post("/users/alias/new", {"user_aliases": [alias("cookie", "c1")]})
    assert braze.ok(r) == {"aliases_processed": 1, "message": "success"}
    (user,) = users_of(braze, "cookie", "c1")
    assert "external_id" not in user
    assert user["user_aliases"] == [{"alias_label": "cookie", "alias_name": "c1"}]


def test_a_pair_held_by_another_user_is_left_alone_and_still_counted(braze: Braze) -> None:
    ann = braze.native.person("cookie:c1")
    bob = braze.native.person(external_id="bob")
    r = braze.post("/users/alias/new", {"user_aliases": [alias("cookie", "c1", "bob")]})
    assert braze.ok(r) == {"aliases_processed": 1, "message": "success"}
    assert braze.native.owner("cookie:c1") == ann
    assert braze.native.holds(bob) == set()


def test_a_user_holds_one_name_per_label(braze: Braze) -> None:
    """A second name under the same label for one user is a minor error, not added."""
    bob = braze.native.person("cookie:c1", external_id="bob")
    items = [alias("cookie", "c2", "bob"), alias("device", "d1", "bob")]
    body = braze.ok(braze.post("/users/alias/new", {"user_aliases": items}))
    assert body["aliases_processed"] == 1
    assert [(e["input_array"], e["index"]) for e in body["errors"]] == [("user_aliases", 0)]
    assert braze.native.holds(bob) == {"cookie:c1", "device:d1"}


def test_alias_new_refuses_51_items_with_nothing_written(braze: Braze) -> None:
    items = [alias("cookie", f"c{n}") for n in range(51)]
    body = braze.refused(braze.post("/users/alias/new", {"user_aliases": items}))
    assert "maximum is 50" in body["message"]
    assert braze.native.events() == []


def test_alias_new_takes_exactly_50(braze: Braze) -> None:
    items = [alias("cookie", f"c{n}") for n in range(50)]
    assert (
        braze.ok(braze.post("/users/alias/new", {"user_aliases": items}))["aliases_processed"] == 50
    )


def test_alias_new_bad_type_and_missing_field_name_the_item(braze: Braze) -> None:
    bad = braze.refused(
        braze.post("/users/alias/new", {"user_aliases": [alias("a", "b"), {"alias_label": 5}]})
    )
    assert bad["errors"][0]["input_array"] == "user_aliases"
    assert bad["errors"][0]["index"] == 1
    missing = braze.refused(
        braze.post("/users/alias/new", {"user_aliases": [{"alias_label": "a"}]})
    )
    assert "alias_name" in missing["message"]
    assert braze.refused(braze.post("/users/alias/new", {}))["message"]


def test_fields_braze_clients_add_are_ignored(braze: Braze) -> None:
    body = {"user_aliases": [{**alias("cookie", "c1"), "extra": 1}], "api_key": "ignored"}
    assert braze.ok(braze.post("/users/alias/new", body))["aliases_processed"] == 1


def test_an_invalid_value_is_a_minor_error_and_not_counted(braze: Braze) -> None:
    body = braze.ok(braze.post("/users/alias/new", {"user_aliases": [alias("cookie", "null")]}))
    assert body["aliases_processed"] == 0
    assert body["errors"][0]["index"] == 0


def test_aliases_one_request_adds_to_one_user_are_one_event(braze: Braze) -> None:
    """Three aliases for bob in one request: one `identifier.linked` in the change feed
    and in bob's history listing all three; the answer is as before."""
    bob = braze.native.person(external_id="bob")
    items = [alias("cookie", "c1", "bob"), alias("device", "d1", "bob"), alias("crm", "x", "bob")]
    body = braze.ok(braze.post("/users/alias/new", {"user_aliases": items}))
    assert body == {"aliases_processed": 3, "message": "success"}
    linked = [e for e in braze.native.events() if e["type"] == "identifier.linked"]
    assert [
        (e["profile_id"], [i["value"] for i in e["payload"]["identifiers"]]) for e in linked
    ] == [(bob, ["c1", "d1", "x"])]
    history = braze.native.ok(braze.native.client.get(f"/v1/profiles/{bob}/history"), 200)["events"]
    assert [e["type"] for e in history] == ["profile.created", "identifier.linked"]


def test_a_pair_an_earlier_item_gave_an_alias_only_user_is_not_the_later_item_s(
    braze: Braze,
) -> None:
    """Items answer in request order: the alias-only user of item 1 takes cookie:k, so
    bob's cookie:k (item 2) is left alone and counted, not refused as a second cookie."""
    bob = braze.native.person(external_id="bob")
    items = [alias("device", "d", "bob"), alias("cookie", "k"), alias("cookie", "k", "bob")]
    body = braze.ok(braze.post("/users/alias/new", {"user_aliases": items}))
    assert body == {"aliases_processed": 3, "message": "success"}
    assert braze.native.holds(bob) == {"device:d"}
    assert braze.native.owner("cookie:k") not in (None, bob)


# --- /users/alias/update -------------------------------------------------------------


def test_alias_update_renames_and_reports_unknown_pairs(braze: Braze) -> None:
    ann = braze.native.person("cookie:c1")
    updates = [
        {"alias_label": "cookie", "old_alias_name": "c1", "new_alias_name": "c2"},
        {"alias_label": "cookie", "old_alias_name": "zz", "new_alias_name": "c3"},
    ]
    body = braze.ok(braze.post("/users/alias/update", {"alias_updates": updates}), 200)
    assert body["message"] == "success"
    assert [(e["input_array"], e["index"]) for e in body["errors"]] == [("alias_updates", 1)]
    assert braze.native.holds(ann) == {"cookie:c2"}


def test_alias_update_refuses_51_and_bad_items(braze: Braze) -> None:
    item = {"alias_label": "cookie", "old_alias_name": "a", "new_alias_name": "b"}
    body = braze.refused(braze.post("/users/alias/update", {"alias_updates": [item] * 51}))
    assert "maximum is 50" in body["message"]
    bad = {"alias_label": "cookie", "old_alias_name": "a"}
    assert braze.refused(braze.post("/users/alias/update", {"alias_updates": [bad]}))


# --- /users/identify -----------------------------------------------------------------


def identify(label: str, name: str, external_id: str) -> dict[str, Any]:
    return {"external_id": external_id, "user_alias": {"alias_label": label, "alias_name": name}}


def test_identify_gives_a_new_external_id_to_the_alias_only_user(braze: Braze) -> None:
    anon = braze.native.person("cookie:c1")
    r = braze.post("/users/identify", {"aliases_to_identify": [identify("cookie", "c1", "u1")]})
    assert braze.ok(r) == {"aliases_processed": 1, "message": "success"}
    assert braze.native.profile(anon)["external_id"] == "u1"


def test_identify_merges_the_alias_only_user_into_the_known_one(braze: Braze) -> None:
    known = braze.native.person("email:k@x.io", external_id="u1")
    anon = braze.native.person("cookie:c1", "device:d1")
    r = braze.post("/users/identify", {"aliases_to_identify": [identify("cookie", "c1", "u1")]})
    assert braze.ok(r)["aliases_processed"] == 1
    assert braze.native.holds(known) == {"email:k@x.io", "cookie:c1", "device:d1"}
    assert braze.native.profile(anon)["id"] == known  # the old id forwards


def test_identify_does_not_combine_when_the_user_has_that_label(braze: Braze) -> None:
    """Braze's rule: the identified user already has an alias with this label."""
    known = braze.native.person("cookie:c0", external_id="u1")
    anon = braze.native.person("cookie:c1")
    body = braze.ok(
        braze.post("/users/identify", {"aliases_to_identify": [identify("cookie", "c1", "u1")]})
    )
    assert body["aliases_processed"] == 1
    assert "not combined" in body["errors"][0]["type"]
    assert braze.native.holds(known) == {"cookie:c0"}
    assert braze.native.holds(anon) == {"cookie:c1"}


def test_legacy_merge_behavior_none_moves_only_the_alias(braze: Braze) -> None:
    known = braze.native.person(external_id="u1")
    anon = braze.native.person("cookie:c1", "device:d1")
    body = {"aliases_to_identify": [identify("cookie", "c1", "u1")], "merge_behavior": "none"}
    assert braze.ok(braze.post("/users/identify", body))["aliases_processed"] == 1
    assert braze.native.holds(known) == {"cookie:c1"}
    assert braze.native.holds(anon) == {"device:d1"}


def test_identify_by_email(braze: Braze) -> None:
    anon = braze.native.person("email:ann@x.io")
    item = {"external_id": "u7", "email": "Ann@X.io", "prioritization": ["unidentified"]}
    assert (
        braze.ok(braze.post("/users/identify", {"emails_to_identify": [item]}))["aliases_processed"]
        == 1
    )
    assert braze.native.profile(anon)["external_id"] == "u7"


def test_identify_unknown_alias_is_a_minor_error(braze: Braze) -> None:
    body = braze.ok(
        braze.post("/users/identify", {"aliases_to_identify": [identify("cookie", "no", "u1")]})
    )
    assert body["aliases_processed"] == 0
    assert body["errors"][0]["input_array"] == "aliases_to_identify"


def test_identify_refuses_51_bad_types_and_bad_merge_behavior(braze: Braze) -> None:
    many = [identify("cookie", f"c{n}", "u") for n in range(51)]
    assert (
        "maximum is 50"
        in braze.refused(braze.post("/users/identify", {"aliases_to_identify": many}))["message"]
    )
    assert braze.refused(
        braze.post("/users/identify", {"aliases_to_identify": [{"external_id": 1}]})
    )
    assert braze.refused(
        braze.post("/users/identify", {"aliases_to_identify": [], "merge_behavior": "maybe"})
    )
