"""The input rules every door obeys (issue 12), in Appizer's envelope: a NUL anywhere or
JSON nested past the limit is a 400 naming the field, a body declared as another media
type a 415; query parameters Appizer does not know are ignored, as Appizer does."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aka.http.input_rules import MAX_JSON_DEPTH
from tests.http.conftest import ADMIN_KEY, bearer

if TYPE_CHECKING:
    from tests.dialects.appizer.conftest import Appizer


def test_a_nul_in_a_body_is_refused_naming_the_field(appizer: Appizer) -> None:
    """`user_id` with a NUL reached PostgreSQL (500) and not SQLite; both answer 400."""
    r = appizer.post("/v1/users/aliases", {"user_id": "u\x001", "alias_id": "legacy"})
    assert appizer.error(r, 400, "INVALID_REQUEST")["details"]["field"] == "user_id"


def test_a_nul_in_properties_is_refused_naming_the_property(appizer: Appizer) -> None:
    r = appizer.post("/v1/users", {"user_id": "u-1", "properties": {"plan": "pro\x00"}})
    assert appizer.error(r, 400, "INVALID_REQUEST")["details"]["field"] == "properties.plan"


def test_a_nul_in_a_path_parameter_is_refused_naming_it(appizer: Appizer) -> None:
    r = appizer.get("/v1/users/u%00x")
    assert appizer.error(r, 400, "INVALID_REQUEST")["details"]["field"] == "id"


def test_json_nested_past_the_limit_is_refused(appizer: Appizer) -> None:
    deep = b'{"user_id": "u-1", "properties": {"x": ' + b"[" * 5000 + b"]" * 5000 + b"}}"
    r = appizer.client.post("/v1/users", content=deep, headers=bearer(ADMIN_KEY))
    body = appizer.error(r, 400, "INVALID_REQUEST")
    assert body["details"]["limit"] == MAX_JSON_DEPTH


def test_a_body_declared_as_text_is_415(appizer: Appizer) -> None:
    r = appizer.client.post(
        "/v1/users",
        content=b'{"user_id": "u-1"}',
        headers={**bearer(ADMIN_KEY), "Content-Type": "text/plain"},
    )
    body = appizer.error(r, 415, "UNSUPPORTED_MEDIA_TYPE")
    assert body["details"]["field"] == "Content-Type"


def test_unknown_query_parameters_are_ignored_as_appizer_does(appizer: Appizer) -> None:
    appizer.user("u-1")
    found = appizer.ok(appizer.get("/v1/users/u-1?include=everything"))
    assert found["user_id"] == "u-1"
