"""Appizer's four routes: success, every documented error, bad input."""

from __future__ import annotations

from .conftest import Appizer

ALIASES = "/v1/users/aliases"


# --- POST /v1/users/aliases ----------------------------------------------------------


def test_an_alias_is_created_then_found_again(appizer: Appizer) -> None:
    """201 the first time, 200 with the same body when it is already this user's."""
    appizer.user("user_1")
    body = {"user_id": "user_1", "alias_id": "a1"}
    first = appizer.ok(appizer.post(ALIASES, body), 201)
    again = appizer.ok(appizer.post(ALIASES, body), 200)
    assert (
        first
        == again
        == {
            "success": True,
            "alias_id": "a1",
            "user_id": "user_1",
            "message": "Alias created",
        }
    )


def test_the_user_may_be_named_by_any_of_its_ids(appizer: Appizer) -> None:
    appizer.user("user_1")
    primary = appizer.ok(appizer.get("/v1/users/user_1"))["primary_user_id"]
    appizer.ok(appizer.post(ALIASES, {"user_id": "user_1", "alias_id": "a1"}), 201)
    appizer.ok(appizer.post(ALIASES, {"user_id": "a1", "alias_id": "a2"}), 201)
    appizer.ok(appizer.post(ALIASES, {"primary_user_id": primary, "alias_id": "a3"}), 201)
    appizer.ok(appizer.post(ALIASES, {"user_id": primary, "alias_id": "a4"}), 201)
    user = appizer.ok(appizer.get("/v1/users/a3"))
    assert sorted(user["aliases"]) == ["a1", "a2", "a3", "a4"]


def test_an_alias_of_another_user_is_a_conflict(appizer: Appizer) -> None:
    appizer.user("user_1")
    appizer.user("user_2")
    appizer.ok(appizer.post(ALIASES, {"user_id": "user_1", "alias_id": "a1"}), 201)
    body = appizer.error(
        appizer.post(ALIASES, {"user_id": "user_2", "alias_id": "a1"}), 409, "ALIAS_CONFLICT"
    )
    assert body["details"]["owner"]


def test_circular_aliases_are_refused(appizer: Appizer) -> None:
    """An alias equal to the user's own id, its primary id, or another user's id."""
    appizer.user("user_1")
    appizer.user("user_2")
    primary = appizer.ok(appizer.get("/v1/users/user_1"))["primary_user_id"]
    for alias in ("user_1", "user_2", primary):
        r = appizer.post(ALIASES, {"user_id": "user_1", "alias_id": alias})
        appizer.error(r, 409, "CIRCULAR_ALIAS")


def test_an_unknown_user_is_404(appizer: Appizer) -> None:
    appizer.error(
        appizer.post(ALIASES, {"user_id": "nobody", "alias_id": "a"}), 404, "USER_NOT_FOUND"
    )
    appizer.error(
        appizer.post(ALIASES, {"primary_user_id": "nobody", "alias_id": "a"}), 404, "USER_NOT_FOUND"
    )


def test_missing_fields_and_bad_types_are_400(appizer: Appizer) -> None:
    appizer.error(appizer.post(ALIASES, {"alias_id": "a"}), 400, "MISSING_FIELD")
    appizer.error(appizer.post(ALIASES, {"user_id": "u"}), 400, "MISSING_FIELD")
    appizer.error(appizer.post(ALIASES, {"user_id": 1, "alias_id": "a"}), 400, "INVALID_TYPE")
    appizer.error(appizer.post(ALIASES, ["not", "an", "object"]), 400, "INVALID_TYPE")
    r = appizer.client.post(
        ALIASES, content=b"{nope", headers={"Authorization": "Bearer test-admin-key"}
    )
    appizer.error(r, 400, "INVALID_REQUEST")
    appizer.user("user_1")
    appizer.error(
        appizer.post(ALIASES, {"user_id": "user_1", "alias_id": "null"}), 400, "INVALID_REQUEST"
    )


def test_extra_fields_are_ignored(appizer: Appizer) -> None:
    appizer.user("user_1")
    body = {"user_id": "user_1", "alias_id": "a1", "source": "ios"}
    appizer.ok(appizer.post(ALIASES, body), 201)


# --- POST /v1/users ------------------------------------------------------------------


def test_upsert_creates_then_updates(appizer: Appizer) -> None:
    created = appizer.user("user_1", email="Ann@X.io", phone="+15550100", properties={"a": 1})
    assert created == {
        "success": True,
        "user_id": "user_1",
        "external_id": "user_1",
        "message": "User created",
    }
    body = {"user_id": "user_1", "email": "ann@y.io", "properties": {"b": 2}}
    assert appizer.ok(appizer.post("/v1/users", body))["message"] == "User updated"
    user = appizer.ok(appizer.get("/v1/users/user_1"))
    assert (user["email"], user["phone"], user["properties"]) == (
        "ann@y.io",
        "+15550100",
        {"a": 1, "b": 2},
    )


def test_upsert_by_an_alias_updates_that_user(appizer: Appizer) -> None:
    appizer.user("user_1")
    appizer.ok(appizer.post(ALIASES, {"user_id": "user_1", "alias_id": "a1"}), 201)
    r = appizer.post("/v1/users", {"user_id": "a1", "properties": {"x": True}})
    assert appizer.ok(r)["user_id"] == "user_1"


def test_upsert_bad_input(appizer: Appizer) -> None:
    appizer.error(appizer.post("/v1/users", {}), 400, "MISSING_FIELD")
    appizer.error(appizer.post("/v1/users", {"user_id": 5}), 400, "INVALID_TYPE")
    appizer.error(
        appizer.post("/v1/users", {"user_id": "u", "properties": []}), 400, "INVALID_TYPE"
    )
    appizer.error(
        appizer.post("/v1/users", {"user_id": "u", "email": "nope"}), 400, "INVALID_REQUEST"
    )
    appizer.user("user_1", email="a@x.io")
    appizer.error(
        appizer.post("/v1/users", {"user_id": "user_2", "email": "a@x.io"}), 409, "ALIAS_CONFLICT"
    )


# --- GET /v1/users/{id} and DELETE /v1/users/aliases/{alias_id} ----------------------


def test_get_by_any_id_and_404(appizer: Appizer) -> None:
    appizer.user("user_1", properties={"plan": "pro"})
    appizer.ok(appizer.post(ALIASES, {"user_id": "user_1", "alias_id": "a1"}), 201)
    user = appizer.ok(appizer.get("/v1/users/a1"))
    assert (user["user_id"], user["aliases"], user["properties"]) == (
        "user_1",
        ["a1"],
        {"plan": "pro"},
    )
    assert appizer.ok(appizer.get(f"/v1/users/{user['primary_user_id']}"))["user_id"] == "user_1"
    appizer.error(appizer.get("/v1/users/nobody"), 404, "USER_NOT_FOUND")


def test_delete_an_alias(appizer: Appizer) -> None:
    appizer.user("user_1")
    appizer.ok(appizer.post(ALIASES, {"user_id": "user_1", "alias_id": "a1"}), 201)
    assert appizer.ok(appizer.request("DELETE", f"{ALIASES}/a1"))["success"] is True
    appizer.error(appizer.get("/v1/users/a1"), 404, "USER_NOT_FOUND")
    appizer.error(appizer.request("DELETE", f"{ALIASES}/a1"), 404, "ALIAS_NOT_FOUND")
    assert appizer.ok(appizer.get("/v1/users/user_1"))["aliases"] == []
