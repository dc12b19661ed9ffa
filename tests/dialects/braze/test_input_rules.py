"""The input rules every door obeys (issue 12), in Braze's envelope: a NUL anywhere or
JSON nested past the limit is a 400 naming what is wrong, a body declared as another
media type a 415; query parameters Braze does not know are ignored, as Braze does."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aka.http.input_rules import MAX_JSON_DEPTH
from tests.http.conftest import ADMIN_KEY, bearer

if TYPE_CHECKING:
    from tests.dialects.braze.conftest import Braze


def test_a_nul_in_an_alias_is_refused_naming_the_item(braze: Braze) -> None:
    """It used to reach PostgreSQL (500) and pass on SQLite; both now answer 400."""
    alias = {"external_id": "u-1", "alias_label": "crm", "alias_name": "c\x00981"}
    body = braze.refused(braze.post("/users/alias/new", {"user_aliases": [alias]}))
    assert "user_aliases[0].alias_name" in body["message"]
    assert body["errors"][0]["input_array"] == "user_aliases"
    assert body["errors"][0]["index"] == 0
    assert braze.native.events() == []  # nothing was written


def test_a_nul_in_track_attributes_is_refused(braze: Braze) -> None:
    body = {"attributes": [{"external_id": "u-1", "note": "a\x00b"}]}
    refused = braze.refused(braze.post("/users/track", body))
    assert "attributes[0].note" in refused["message"]


def test_json_nested_past_the_limit_is_refused(braze: Braze) -> None:
    """5,000 levels raised RecursionError (500), in the key lookup and in decoding."""
    deep = b'{"attributes": [{"external_id": "u-1", "x": ' + b"[" * 5000 + b"]" * 5000 + b"}]}"
    r = braze.client.post("/users/track", content=deep, headers=bearer(ADMIN_KEY))
    assert str(MAX_JSON_DEPTH) in braze.refused(r)["message"]


def test_a_body_declared_as_text_is_415_in_the_braze_envelope(braze: Braze) -> None:
    r = braze.client.post(
        "/users/alias/new",
        content=b'{"user_aliases": []}',
        headers={**bearer(ADMIN_KEY), "Content-Type": "text/plain"},
    )
    assert "Content-Type" in braze.refused(r, 415)["message"]


def test_a_body_without_content_type_is_read_as_json(braze: Braze) -> None:
    """Some Braze clients send no Content-Type; their bodies always worked."""
    alias = b'{"user_aliases": [{"alias_label": "crm", "alias_name": "c-1"}]}'
    r = braze.client.post("/users/alias/new", content=alias, headers=bearer(ADMIN_KEY))
    assert braze.ok(r)["aliases_processed"] == 1


def test_unknown_query_parameters_are_ignored_as_braze_does(braze: Braze) -> None:
    """Braze documents `api_key` in the query and ignores the rest; so does this door."""
    alias = {"alias_label": "crm", "alias_name": "c-2"}
    r = braze.post("/users/alias/new", {"user_aliases": [alias]}, params={"dry_run": "true"})
    assert braze.ok(r)["aliases_processed"] == 1
    assert braze.native.owner("crm:c-2") is not None
