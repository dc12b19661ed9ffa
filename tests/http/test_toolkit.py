"""The HTTP toolkit, part 1: typed inputs (body, query, path), outputs and body limits.

Each test drives a tiny example app through Starlette's TestClient; the app is declared
here with the same decorators the real routes use.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from typing import Any

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from starlette.responses import Response
from starlette.testclient import TestClient
from starlette.types import Message

from aka.http.app import build_asgi
from aka.http.endpoints import compile_group
from aka.http.input_rules import Int64
from aka.http.routing import RequestContext, RouteGroup

LIMIT = 256


class Identifier(msgspec.Struct, forbid_unknown_fields=True):
    namespace: str
    value: str


class CreateBody(msgspec.Struct, forbid_unknown_fields=True):
    identifiers: list[Identifier]
    external_id: str | None = None


class Created(msgspec.Struct):
    id: str
    identifiers: list[Identifier]
    external_id: str | None


class ListQuery(msgspec.Struct, forbid_unknown_fields=True):
    limit: Int64 = 10
    namespace: list[str] = []
    active: bool | None = None


class ItemPath(msgspec.Struct):
    id: Int64


def example_group() -> RouteGroup:
    group = RouteGroup("/v1")

    @group.post("/profiles", body=CreateBody, response=Created, status=201)
    async def create(ctx: RequestContext[CreateBody, None, None]) -> Created:
        ctx.set_header("Location", "/v1/profiles/p1")
        body = ctx.body
        return Created("p1", body.identifiers, body.external_id)

    @group.get("/profiles", query=ListQuery)
    async def list_profiles(ctx: RequestContext[None, ListQuery, None]) -> dict[str, Any]:
        q = ctx.query
        return {"limit": q.limit, "namespace": q.namespace, "active": q.active}

    @group.get("/items/{id}", path_params=ItemPath)
    async def get_item(ctx: RequestContext[None, None, ItemPath]) -> dict[str, int]:
        return {"id": ctx.path.id}

    @group.get("/raw/{name}")
    async def get_raw(ctx: RequestContext[None, None, None]) -> list[str]:
        return [ctx.request.path_params["name"]]

    @group.delete("/things/{id}", status=204)
    async def delete_thing(ctx: RequestContext[None, None, None]) -> Response:
        return Response(status_code=204, headers={"X-Deleted": ctx.request.path_params["id"]})

    @group.put("/flags/{name}", status=204)
    async def set_flag(ctx: RequestContext[None, None, None]) -> None:
        return None

    @group.post("/big", body=CreateBody, max_body_bytes=LIMIT * 4)
    async def big(ctx: RequestContext[CreateBody, None, None]) -> int:
        return len(ctx.body.identifiers)

    return group


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    app = build_asgi([example_group()], title="t", version="1", max_body_bytes=LIMIT)
    with TestClient(app) as c:
        yield c


def assert_invalid(response: Any, field: str | None) -> dict[str, Any]:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem: dict[str, Any] = response.json()
    assert problem["code"] == "invalid_input"
    assert problem["type"] == "urn:aka:error:invalid_input"
    assert problem.get("field") == field
    return problem


# --- bodies ---------------------------------------------------------------------------


def test_body_is_decoded_and_the_result_encoded_with_the_route_status(client: TestClient) -> None:
    """A valid body reaches the handler as its Struct; the Struct returned is JSON."""
    body = {"identifiers": [{"namespace": "email", "value": "a@x.io"}]}
    r = client.post("/v1/profiles", json=body)
    assert r.status_code == 201
    assert r.headers["content-type"] == "application/json"
    assert r.json() == {"id": "p1", "identifiers": body["identifiers"], "external_id": None}


def test_a_handler_can_add_headers_to_its_json_answer(client: TestClient) -> None:
    """`ctx.set_header` is how a handler sets Location, Idempotency headers and the like."""
    r = client.post("/v1/profiles", json={"identifiers": []})
    assert r.headers["location"] == "/v1/profiles/p1"


def test_an_unknown_field_is_422_naming_its_full_path(client: TestClient) -> None:
    """Route Structs forbid unknown fields; the field path points at the intruder."""
    body = {"identifiers": [{"namespace": "email", "value": "a", "colour": "red"}]}
    problem = assert_invalid(client.post("/v1/profiles", json=body), "identifiers[0].colour")
    assert "unknown field" in problem["detail"]


def test_an_unknown_top_level_field_is_named_without_a_prefix(client: TestClient) -> None:
    """At the root there is no containing path: the field is just its name."""
    assert_invalid(client.post("/v1/profiles", json={"identifiers": [], "x": 1}), "x")


def test_a_missing_required_field_is_422_naming_its_path(client: TestClient) -> None:
    """The missing field is named under the object that lacks it."""
    body = {"identifiers": [{"namespace": "email"}]}
    assert_invalid(client.post("/v1/profiles", json=body), "identifiers[0].value")


def test_a_wrong_type_is_422_with_the_offending_path(client: TestClient) -> None:
    """msgspec's `$.identifiers[0].value` becomes `identifiers[0].value`."""
    body = {"identifiers": [{"namespace": "email", "value": 5}]}
    problem = assert_invalid(client.post("/v1/profiles", json=body), "identifiers[0].value")
    assert problem["detail"] == "Expected `str`, got `int`"


def test_a_body_of_the_wrong_shape_is_422_without_field(client: TestClient) -> None:
    """An array where an object is expected is wrong at the root: no field to name."""
    assert_invalid(client.post("/v1/profiles", json=[1, 2]), None)


def test_a_body_that_is_not_json_is_422_without_field(client: TestClient) -> None:
    """Malformed JSON is `invalid_input` with a fixed, parser-independent detail."""
    problem = assert_invalid(client.post("/v1/profiles", content=b"{nope"), None)
    assert problem["detail"] == "request body is not valid JSON"


def test_a_missing_body_is_422(client: TestClient) -> None:
    """A route that declares a body requires one."""
    problem = assert_invalid(client.post("/v1/profiles"), None)
    assert problem["detail"] == "request body is required"


# --- body size ------------------------------------------------------------------------


def oversize_body(size: int) -> bytes:
    return msgspec.json.encode({"identifiers": [{"namespace": "n", "value": "v" * size}]})


def assert_too_large(response: Any, limit: int) -> None:
    assert response.status_code == 413, response.text
    problem = response.json()
    assert problem["code"] == "body_too_large"
    assert problem["limit_bytes"] == limit
    assert str(limit) in problem["detail"]


def test_a_body_announced_larger_than_the_limit_is_413(client: TestClient) -> None:
    """Content-Length above the limit is refused before a byte of the body is read."""
    assert_too_large(client.post("/v1/profiles", content=oversize_body(LIMIT)), LIMIT)


def test_a_streamed_body_larger_than_the_limit_is_413(client: TestClient) -> None:
    """Without Content-Length (chunked), the streamed bytes are counted."""
    chunks = iter([oversize_body(LIMIT)[:100], oversize_body(LIMIT)[100:]])
    r = client.post("/v1/profiles", content=chunks)
    assert r.request.headers.get("transfer-encoding") == "chunked"
    assert_too_large(r, LIMIT)


def test_a_route_may_raise_its_own_limit(client: TestClient) -> None:
    """`max_body_bytes` on a route overrides the app's limit, for bulk endpoints."""
    assert client.post("/v1/big", content=oversize_body(LIMIT)).json() == 1
    assert_too_large(client.post("/v1/big", content=oversize_body(LIMIT * 4)), LIMIT * 4)


def test_reading_stops_as_soon_as_the_limit_is_passed() -> None:
    """A client streaming forever is cut off after the first chunk past the limit."""
    endpoint = compile_group(example_group(), max_body_bytes=100)[0].app
    received = 0
    sent: list[Message] = []

    async def receive() -> Message:
        nonlocal received
        received += 1
        return {"type": "http.request", "body": b"x" * 30, "more_body": True}

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "method": "POST",
        "path": "/v1/profiles",
        "headers": [],
        "query_string": b"",
        "path_params": {},
    }

    async def call() -> None:
        await endpoint(scope, receive, send)

    asyncio.run(call())
    assert received == 4  # 120 bytes > 100: the fourth chunk is the last one read
    assert sent[0]["status"] == 413


# Keys are mostly the Struct's own names, so examples reach nested fields.
keys = st.sampled_from(["identifiers", "namespace", "value", "external_id"]) | st.from_regex(
    r"\A[a-z_]{1,6}\Z"
)
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(keys, inner, max_size=3),
    max_leaves=12,
)
FIELD_PATH = re.compile(r"^(\[\d+\]|\w+)(\.\w+|\[\d+\])*$")


@settings(max_examples=100, deadline=None)
@given(body=st.binary(max_size=64))
def test_no_bytes_make_the_server_fail(client: TestClient, body: bytes) -> None:
    """Whatever the bytes (all under the limit), the answer is a success or a 422, never 500."""
    assert client.post("/v1/profiles", content=body).status_code in (201, 422)


@settings(max_examples=150, deadline=None)
@given(document=json_values)
def test_every_invalid_document_names_a_well_formed_field(
    client: TestClient, document: Any
) -> None:
    """For any JSON document, a 422's field (when present) is a path like `a[0].b`."""
    r = client.post("/v1/profiles", json=document)
    assert r.status_code in (201, 413, 422), r.text
    field = r.json().get("field")
    assert field is None or FIELD_PATH.match(field), field


# --- query and path parameters ---------------------------------------------------------


def test_query_parameters_are_coerced_to_their_declared_types(client: TestClient) -> None:
    """`?limit=5` becomes an int, `?active=true` a bool; a repeated name fills a list."""
    r = client.get("/v1/profiles?limit=5&namespace=a&namespace=b&active=true")
    assert r.json() == {"limit": 5, "namespace": ["a", "b"], "active": True}


def test_absent_query_parameters_take_their_defaults(client: TestClient) -> None:
    """Defaults come from the Struct."""
    assert client.get("/v1/profiles").json() == {"limit": 10, "namespace": [], "active": None}


def test_an_ill_typed_query_parameter_is_422_naming_it(client: TestClient) -> None:
    """The field is the parameter's name; the detail says it is a query parameter."""
    problem = assert_invalid(client.get("/v1/profiles?limit=ten"), "limit")
    assert problem["detail"].startswith("invalid query parameter `limit`")


def test_an_unknown_query_parameter_is_422_when_the_struct_forbids_it(client: TestClient) -> None:
    """A typo in a parameter name is reported rather than silently ignored."""
    problem = assert_invalid(client.get("/v1/profiles?limt=5"), "limt")
    assert problem["detail"] == "unknown query parameter `limt`"


def test_path_parameters_are_converted_by_their_struct(client: TestClient) -> None:
    """`{id}` declared `int` in the path Struct arrives as an int."""
    assert client.get("/v1/items/42").json() == {"id": 42}


def test_an_ill_typed_path_parameter_is_422_naming_it(client: TestClient) -> None:
    """A typed path parameter that does not convert is invalid input, not a 404."""
    problem = assert_invalid(client.get("/v1/items/abc"), "id")
    assert problem["detail"].startswith("invalid path parameter `id`")


def test_untyped_path_parameters_stay_on_the_request(client: TestClient) -> None:
    """Without a path Struct, Starlette's values are on `ctx.request.path_params`."""
    assert client.get("/v1/raw/hello").json() == ["hello"]


# --- answers ------------------------------------------------------------------------------


def test_a_returned_response_is_passed_through(client: TestClient) -> None:
    """Handlers return a Response for anything beyond JSON with the route status."""
    r = client.delete("/v1/things/7")
    assert r.status_code == 204
    assert r.headers["x-deleted"] == "7"
    assert r.content == b""


def test_returning_none_answers_the_route_status_with_an_empty_body(client: TestClient) -> None:
    """None is the no-content answer, without building a Response."""
    r = client.put("/v1/flags/beta")
    assert r.status_code == 204
    assert r.content == b""
    assert "content-type" not in r.headers


def test_a_route_declared_twice_fails_at_build_time() -> None:
    """Two routes for one method and path would shadow each other: refuse to start."""
    group = example_group()
    group.add(group.routes[0])
    with pytest.raises(ValueError, match="declared twice"):
        build_asgi([group], title="t", version="1")
