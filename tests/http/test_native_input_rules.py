"""Input that used to reach the store and answer 500 is refused first, the same way on
every backend (issue 12): a NUL character anywhere, an integer past 64 bits, JSON
nested past the depth limit, a body declared as another media type, and a query
parameter no route declares (which used to be ignored, even on deletes and merges).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from aka.http.input_rules import MAX_JSON_DEPTH

if TYPE_CHECKING:
    from conftest import Api

TOO_BIG = "99999999999999999999"  # 20 digits: past 2**64, let alone 2**63 - 1


def nested(levels: int) -> bytes:
    """A profile body whose JSON nests exactly `levels` deep (the body is level 1)."""
    inner = levels - 2  # the body object and the attributes object
    return b'{"attributes": {"a": ' + b"[" * inner + b"]" * inner + b"}}"


# --- NUL ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"attributes": {"note": "a\x00b"}}, "attributes.note"),
        ({"attributes": {"deep": [{"x": "\x00"}]}}, "attributes.deep[0].x"),
        ({"external_id": "user\x00"}, "external_id"),
        ({"identifiers": [{"namespace": "device", "value": "d\x00"}]}, "identifiers[0].value"),
    ],
)
def test_a_nul_in_a_body_string_is_refused_naming_its_path(
    api: Api, body: dict[str, Any], field: str
) -> None:
    """PostgreSQL cannot store U+0000 and SQLite can: both now refuse it before the store,
    with 422 naming the string's path, and nothing is written."""
    problem = api.problem(api.client.post("/v1/profiles", json=body), 422, "invalid_input")
    assert problem["field"] == field
    assert "NUL" in problem["detail"]
    assert api.events() == []


def test_a_nul_in_an_attribute_name_is_refused(api: Api) -> None:
    """Member names are strings too: `{"a\\u0000": 1}` is refused, naming the member."""
    r = api.client.post("/v1/profiles", json={"attributes": {"a\x00": 1}})
    assert api.problem(r, 422, "invalid_input")["field"] == "attributes.a\\u0000"


def test_a_nul_in_a_profile_reference_is_refused_not_looked_up(api: Api) -> None:
    """A reference is read, not written, yet PostgreSQL failed on it: 422 naming it."""
    ann = api.person(identified=True)
    body = {"keep": {"external_id": "x\x00"}, "merge": {"profile_id": ann}}
    problem = api.problem(api.client.post("/v1/merges", json=body), 422, "invalid_input")
    assert problem["field"] == "keep.external_id"


def test_a_nul_in_a_path_or_query_parameter_is_refused_naming_it(api: Api) -> None:
    """`%00` decodes to NUL before routing: 422 naming the parameter, on every backend."""
    path = api.problem(api.client.get("/v1/profiles/a%00b"), 422, "invalid_input")
    assert path["field"] == "id"
    query = api.client.get("/v1/resolve", params={"external_id": "a\x00b"})
    assert api.problem(query, 422, "invalid_input")["field"] == "external_id"


def test_an_escaped_backslash_before_u0000_is_not_a_nul(api: Api) -> None:
    """`"\\\\u0000"` is the six characters `\\u0000`, a perfectly storable string."""
    content = b'{"attributes": {"path": "C:\\\\u0000"}}'
    created = api.ok(api.client.post("/v1/profiles", content=content), 201)
    assert created["attributes"] == {"path": "C:\\u0000"}


# --- integers past 64 bits ----------------------------------------------------------------


def test_an_events_cursor_past_64_bits_is_refused_naming_it(api: Api) -> None:
    problem = api.problem(api.client.get(f"/v1/events?after={TOO_BIG}"), 422, "invalid_input")
    assert problem["field"] == "after"
    assert "9223372036854775807" in problem["detail"]


@pytest.mark.parametrize("merge_id", [TOO_BIG, "-9223372036854775809"])
def test_a_merge_id_past_64_bits_is_refused_naming_it(api: Api, merge_id: str) -> None:
    r = api.client.post(f"/v1/merges/{merge_id}/undo")
    assert api.problem(r, 422, "invalid_input")["field"] == "id"


def test_the_largest_64_bit_merge_id_is_simply_not_found(api: Api) -> None:
    """The bound is the column's: 2**63 - 1 is a valid id that names no merge."""
    api.problem(api.client.post(f"/v1/merges/{2**63 - 1}/undo"), 404, "merge_not_found")


# --- nesting depth --------------------------------------------------------------------------


def test_json_nested_5000_deep_is_refused_with_the_limit(api: Api) -> None:
    """msgspec raised RecursionError (500); now 422 naming the documented limit."""
    r = api.client.post("/v1/profiles", content=nested(5000))
    problem = api.problem(r, 422, "invalid_input")
    assert problem["limit"] == MAX_JSON_DEPTH
    assert str(MAX_JSON_DEPTH) in problem["detail"]
    assert api.events() == []


def test_the_depth_limit_is_exact(api: Api) -> None:
    """64 levels (the body counts as one) are accepted; 65 are refused."""
    api.ok(api.client.post("/v1/profiles", content=nested(MAX_JSON_DEPTH)), 201)
    api.problem(
        api.client.post("/v1/profiles", content=nested(MAX_JSON_DEPTH + 1)), 422, "invalid_input"
    )


def test_brackets_inside_strings_do_not_count_as_depth(api: Api) -> None:
    """Depth is structure, not text: a string of 1,000 `[` nests nothing."""
    body = {"attributes": {"text": "[{" * 1000 + '\\"]'}}
    api.ok(api.client.post("/v1/profiles", json=body), 201)


# --- media type -----------------------------------------------------------------------------


@pytest.mark.parametrize("media", ["text/plain", "application/x-www-form-urlencoded", "text/json"])
def test_a_body_declared_as_another_media_type_is_415(api: Api, media: str) -> None:
    """The JSON was parsed whatever the declared type; now 415 naming the header."""
    r = api.client.post(
        "/v1/profiles", content=b'{"external_id": "u-415"}', headers={"Content-Type": media}
    )
    problem = api.problem(r, 415, "unsupported_media_type")
    assert problem["field"] == "Content-Type"
    assert api.client.get("/v1/resolve", params={"external_id": "u-415"}).status_code == 404


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Content-Type": "application/json"},
        {"Content-Type": "application/json; charset=utf-8"},
        {"Content-Type": "Application/JSON"},
        {"Content-Type": "application/merge-patch+json"},
    ],
)
def test_json_or_no_content_type_at_all_is_read_as_json(api: Api, headers: dict[str, str]) -> None:
    """Some vendor clients send no Content-Type: the body is still read as JSON."""
    r = api.client.post("/v1/profiles", content=b'{"external_id": "u-json"}', headers=headers)
    assert api.ok(r, 201)["external_id"] == "u-json"


# --- unknown query parameters ------------------------------------------------------------------


def test_delete_with_an_unknown_query_parameter_deletes_nothing(api: Api) -> None:
    """`?dry_run=true` once deleted the profile; now it is a preview (ADR 0023), and any
    parameter the route does not declare is 422 naming it: the profile stays either way."""
    ann = api.person("device:d-1")
    r = api.client.delete(f"/v1/profiles/{ann}", params={"dry_run": "true"})
    assert api.ok(r, 200)["dry_run"]["profiles_deleted"] == [ann]
    r = api.client.delete(f"/v1/profiles/{ann}", params={"preview": "true"})
    assert api.problem(r, 422, "invalid_input")["field"] == "preview"
    assert api.holds(ann) == {"device:d-1"}


def test_merge_with_an_unknown_query_parameter_merges_nothing(api: Api) -> None:
    """`POST /v1/merges?dry_run=true` once merged; now it previews, an unknown parameter
    is 422, and both profiles stay apart."""
    ann, bob = api.person("device:a"), api.person("device:b")
    body = {"keep": {"profile_id": ann}, "merge": {"profile_id": bob}}
    r = api.client.post("/v1/merges", json=body, params={"dry_run": "true"})
    assert api.ok(r, 201)["dry_run"]["profiles_merged"] == [{"keep": ann, "merge": bob}]
    r = api.client.post("/v1/merges", json=body, params={"dryrun": "true"})
    assert api.problem(r, 422, "invalid_input")["field"] == "dryrun"
    assert api.owner("device:b") == bob


def test_declared_query_parameters_still_work(api: Api) -> None:
    ann = api.person("device:q1")
    found = api.client.get("/v1/resolve", params={"namespace": "device", "value": "q1"})
    assert api.ok(found, 200)["id"] == ann
