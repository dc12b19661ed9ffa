"""Braze /users/external_ids/rename and /remove, and /users/alias/update keeping the
old name (ADR 0024): Braze's rules and answer shapes, on every store."""

from __future__ import annotations

from typing import Any

from .conftest import Braze

RESERVED = "aka:external_id"


def renames(*pairs: tuple[str, str]) -> dict[str, Any]:
    return {
        "external_id_renames": [
            {"current_external_id": current, "new_external_id": new} for current, new in pairs
        ]
    }


def test_a_rename_answers_brazes_shape_and_the_old_id_still_names_the_user(
    braze: Braze,
) -> None:
    """`{message, external_ids, rename_errors}`: the new ids renamed; the user is then
    found (tracked, exported) by either id until the old one is removed."""
    pid = braze.native.person("cookie:c1", external_id="old-1")

    body = braze.ok(braze.post("/users/external_ids/rename", renames(("old-1", "new-1"))), 200)

    assert body == {"message": "success", "external_ids": ["new-1"], "rename_errors": []}
    (by_old,) = braze.export(external_ids=["old-1"])["users"]
    (by_new,) = braze.export(external_ids=["new-1"])["users"]
    assert by_old["braze_id"] == by_new["braze_id"] == pid
    assert by_old["external_id"] == "new-1"
    assert by_old["user_aliases"] == [{"alias_label": "cookie", "alias_name": "c1"}]
    track = {"attributes": [{"external_id": "old-1", "plan": "pro"}]}
    assert braze.ok(braze.post("/users/track", track), 201)
    assert braze.native.profile(pid)["attributes"]["plan"] == "pro"


def test_each_refused_rename_is_an_index_and_message_in_rename_errors(braze: Braze) -> None:
    """Braze's rules, item by item: an unknown or deprecated current id, a new id in use
    (current or deprecated, the user's own too), and the same id twice are refused; the
    other items still apply."""
    braze.native.person(external_id="a")
    braze.native.person(external_id="b")
    braze.ok(braze.post("/users/external_ids/rename", renames(("b", "b2"))), 200)

    items = renames(("nobody", "x"), ("b", "y"), ("a", "b2"), ("a", "b"), ("b2", "b2"), ("a", "a2"))
    body = braze.ok(braze.post("/users/external_ids/rename", items), 200)

    assert body["external_ids"] == ["a2"]
    assert [n for n, _ in body["rename_errors"]] == [0, 1, 2, 3, 4]
    messages = [message for _, message in body["rename_errors"]]
    assert "no user with external_id 'nobody'" in messages[0]
    assert "not the current external id" in messages[1]
    assert "already belongs" in messages[2]
    assert "deprecated external id" in messages[3]
    assert "is the current one" in messages[4]


def test_rename_refuses_an_empty_or_too_long_array_with_nothing_written(braze: Braze) -> None:
    """Braze answers these with an error `message`: 400, nothing written."""
    empty = braze.refused(braze.post("/users/external_ids/rename", {"external_id_renames": []}))
    assert "must not be empty" in empty["message"]
    many = renames(*((f"c{n}", f"n{n}") for n in range(51)))
    assert (
        "maximum is 50" in braze.refused(braze.post("/users/external_ids/rename", many))["message"]
    )
    bad = {"external_id_renames": [{"current_external_id": "a"}]}
    assert braze.refused(braze.post("/users/external_ids/rename", bad))
    assert braze.native.events() == []


def test_remove_forgets_deprecated_ids_only(braze: Braze) -> None:
    """`{message, removed_ids, removal_errors}`: a deprecated id is removed (it no longer
    names the user); a current id and an unknown one are refused, by index."""
    pid = braze.native.person(external_id="old-1")
    braze.ok(braze.post("/users/external_ids/rename", renames(("old-1", "new-1"))), 200)

    body = braze.ok(
        braze.post("/users/external_ids/remove", {"external_ids": ["new-1", "old-1", "zz"]}),
        200,
    )

    assert body["removed_ids"] == ["old-1"]
    assert [n for n, _ in body["removal_errors"]] == [0, 2]
    assert "only deprecated external ids can be removed" in body["removal_errors"][0][1]
    assert braze.export(external_ids=["old-1"])["users"] == []
    assert braze.native.profile(pid)["external_id"] == "new-1"
    empty = braze.refused(braze.post("/users/external_ids/remove", {"external_ids": []}))
    assert "must not be empty" in empty["message"]


def test_the_routes_need_their_own_permissions(braze: Braze) -> None:
    """`users.external_ids.rename` and `.remove`, as Braze names them: 403 without."""
    other = braze.key("users.alias.new")
    r = braze.post("/users/external_ids/rename", renames(("a", "b")), key=other)
    assert "users.external_ids.rename" in braze.refused(r, 403)["message"]
    own = braze.key("users.external_ids.remove")
    assert braze.ok(braze.post("/users/external_ids/remove", {"external_ids": ["x"]}, key=own), 200)


def test_alias_update_may_keep_the_old_name_as_a_deprecated_alias(braze: Braze) -> None:
    """By default the old name answers 404 afterwards, as Braze's does; with aka's
    `keep_old_alias_names: true` it stays on the user, deprecated, still resolving."""
    ann = braze.native.person("cookie:c1")
    bob = braze.native.person("cookie:b1")
    update = {"alias_label": "cookie", "old_alias_name": "c1", "new_alias_name": "c2"}
    braze.ok(braze.post("/users/alias/update", {"alias_updates": [update]}), 200)
    assert braze.export(user_aliases=[{"alias_label": "cookie", "alias_name": "c1"}])["users"] == []

    update = {"alias_label": "cookie", "old_alias_name": "b1", "new_alias_name": "b2"}
    body = {"alias_updates": [update], "keep_old_alias_names": True}
    assert braze.ok(braze.post("/users/alias/update", body), 200) == {"message": "success"}

    (user,) = braze.export(user_aliases=[{"alias_label": "cookie", "alias_name": "b1"}])["users"]
    assert user["braze_id"] == bob
    assert braze.native.holds(bob) == {"cookie:b1", "cookie:b2"}
    resolved = braze.native.client.get(
        "/v1/resolve", params={"namespace": "cookie", "value": "b1"}
    ).json()
    assert resolved["deprecated_match"] is True
    flags = {i["value"]: i["deprecated"] for i in resolved["identifiers"]}
    assert flags == {"b1": True, "b2": False}
    assert braze.native.holds(ann) == {"cookie:c2"}
