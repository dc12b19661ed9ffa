"""The HTTP toolkit, part 3b: what a door declares for the document beyond its types.

A body its handler reads itself, its own security schemes (alternatives, and schemes
required together), statuses every route of the group answers, its tag's description,
and component names that two doors' types share.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import msgspec
import pytest
from openapi_spec_validator import validate
from starlette.responses import Response
from starlette.testclient import TestClient

from aka.http.app import build_asgi
from aka.http.openapi import openapi_document
from aka.http.routing import RawBody, RequestContext, RouteGroup


class Alias(msgspec.Struct):
    label: str
    name: str


BEARER = {"vendorBearer": {"type": "http", "scheme": "bearer"}}
LEGACY = {"vendorKey": {"type": "apiKey", "in": "query", "name": "api_key"}}
SIGNED = {
    "signature": {"type": "apiKey", "in": "header", "name": "Authorization"},
    "signedAt": {"type": "apiKey", "in": "header", "name": "x-date"},
}


def door() -> RouteGroup:
    vendor = RouteGroup(
        "/vendor",
        tags=("vendor",),
        security=(BEARER, LEGACY),
        errors=(429,),
        about="The vendor's API.",
    )

    @vendor.post("/aliases", own_body=Alias, scopes=("aliases.new",))
    async def add_alias(ctx: RequestContext[None, None, None]) -> dict[str, Any]:
        alias = msgspec.json.decode(await ctx.request.body(), type=Alias)
        return {"added": alias.name}

    @vendor.put(
        "/files/{name}",
        own_body=RawBody("application/octet-stream", {"type": "string", "format": "binary"}),
    )
    async def put_file(ctx: RequestContext[None, None, None]) -> Response:
        size = 0
        async for chunk in ctx.request.stream():
            size += len(chunk)
        return Response(str(size), media_type="text/plain")

    return vendor


def signed() -> RouteGroup:
    group = RouteGroup("/signed", tags=("signed",), security=(SIGNED,))

    @group.post("/call", scopes=("read",))
    async def call(ctx: RequestContext[None, None, None]) -> None:
        return None

    return group


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    with TestClient(build_asgi([door(), signed()], title="t", version="1")) as c:
        yield c


@pytest.fixture(scope="module")
def doc(client: TestClient) -> dict[str, Any]:
    document: dict[str, Any] = client.get("/openapi.json").json()
    validate(document)
    return document


def test_a_body_the_handler_reads_is_documented_with_its_errors(
    client: TestClient, doc: dict[str, Any]
) -> None:
    """`own_body` documents the JSON body and its 413/415/422; the handler still gets
    the body unread."""
    op = doc["paths"]["/vendor/aliases"]["post"]
    schema = op["requestBody"]["content"]["application/json"]["schema"]
    assert schema == {"$ref": "#/components/schemas/Alias"}
    assert {"413", "415", "422"} <= set(op["responses"])
    r = client.post("/vendor/aliases", json={"label": "l", "name": "n"})
    assert r.json() == {"added": "n"}


def test_a_raw_body_is_documented_with_its_media_type_and_streamed(
    client: TestClient, doc: dict[str, Any]
) -> None:
    op = doc["paths"]["/vendor/files/{name}"]["put"]
    assert op["requestBody"]["content"] == {
        "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}
    }
    assert "413" not in op["responses"]  # the toolkit does not read it: no limit of its own
    assert client.put("/vendor/files/a", content=b"x" * 3000).text == "3000"


def test_a_group_names_its_ways_to_authenticate(doc: dict[str, Any]) -> None:
    """Alternatives are separate requirements; each lists the route's scopes."""
    op = doc["paths"]["/vendor/aliases"]["post"]
    assert op["security"] == [{"vendorBearer": ["aliases.new"]}, {"vendorKey": ["aliases.new"]}]
    schemes = doc["components"]["securitySchemes"]
    assert schemes["vendorBearer"] == BEARER["vendorBearer"]
    assert schemes["vendorKey"] == LEGACY["vendorKey"]


def test_schemes_required_together_are_one_requirement(doc: dict[str, Any]) -> None:
    """The scopes are on the first scheme (the key's); the others list none."""
    assert doc["paths"]["/signed/call"]["post"]["security"] == [
        {"signature": ["read"], "signedAt": []}
    ]
    assert "bearer" not in doc["components"]["securitySchemes"]


def test_statuses_of_the_group_and_422_are_on_every_route(doc: dict[str, Any]) -> None:
    """429 where the group limits rates; 422 everywhere (a NUL in any parameter)."""
    for op in (doc["paths"]["/vendor/files/{name}"]["put"], doc["paths"]["/signed/call"]["post"]):
        assert "422" in op["responses"]
    assert "429" in doc["paths"]["/vendor/files/{name}"]["put"]["responses"]
    assert "429" not in doc["paths"]["/signed/call"]["post"]["responses"]


def test_a_group_describes_its_tag(doc: dict[str, Any]) -> None:
    assert {"name": "vendor", "description": "The vendor's API."} in doc["tags"]
    assert {"name": "signed"} in doc["tags"]


def _group_with(prefix: str, body: type[Any]) -> RouteGroup:
    group = RouteGroup(prefix)

    @group.post("/x", body=body, operation_id=f"post{prefix.replace('/', '_')}")
    async def post(ctx: RequestContext[Any, None, None]) -> None:
        return None

    return group


def test_types_two_doors_share_a_name_with_are_named_after_their_door() -> None:
    """msgspec qualifies a shared name with the module; a door's type becomes
    `{Door}{Name}` and any other keeps its bare name."""
    native = msgspec.defstruct("MergeIn", [("a", int)], module="aka.http.native.schemas")
    braze = msgspec.defstruct("MergeIn", [("b", int)], module="aka.http.dialects.braze.schemas")
    document = openapi_document(
        [_group_with("/v1", native), _group_with("/users", braze)], title="t", version="1"
    )
    assert {"MergeIn", "BrazeMergeIn"} <= set(document["components"]["schemas"])
    body = document["paths"]["/users/x"]["post"]["requestBody"]["content"]["application/json"]
    assert body["schema"] == {"$ref": "#/components/schemas/BrazeMergeIn"}


def test_two_names_that_would_still_clash_fail_at_startup() -> None:
    first = msgspec.defstruct("Same", [("a", int)], module="one.place")
    second = msgspec.defstruct("Same", [("b", int)], module="another.place")
    with pytest.raises(ValueError, match="share the name"):
        openapi_document(
            [_group_with("/a", first), _group_with("/b", second)], title="t", version="1"
        )
