"""`/openapi.json` is the whole contract: every route of every door, and nothing else.

The app is built with every dialect open; its mounted Starlette routes (each method)
are compared with the document's paths and operations, both ways. The document is the
same on every store, so one store (memory) is enough.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.routing import BaseRoute, Mount
from starlette.routing import Route as StarletteRoute
from starlette.testclient import TestClient
from tests.http.conftest import ADMIN_KEY

from aka.app import build_app
from aka.config import Settings
from aka.http import dialects

# The only routes the document may leave out, each with why.
NOT_DESCRIBED = {
    ("GET", "/openapi.json"): "the document itself",
    ("GET", "/docs"): "the Swagger UI page that shows the document",
}
# Mounts, not operations: the Swagger UI page's static files, and the console's HTML
# pages for people (ADR 0031), which are no part of the API the document describes.
MOUNTS = {"/docs/static", "/console"}
_CONVERTOR = re.compile(r"{(\w+):\w+}")


@pytest.fixture(scope="module")
def every_door() -> Iterator[TestClient]:
    settings = Settings(database_url="memory://", admin_key=ADMIN_KEY, dialects="all")
    with TestClient(build_app(settings)) as client:
        yield client


@pytest.fixture(scope="module")
def document(every_door: TestClient) -> dict[str, Any]:
    answer: dict[str, Any] = every_door.get("/openapi.json").json()
    return answer


def mounted(routes: list[BaseRoute]) -> set[tuple[str, str]]:
    """(method, path) of every route the app serves. Starlette answers HEAD on every GET
    route by itself; the document describes the GET."""
    found: set[tuple[str, str]] = set()
    for route in routes:
        if isinstance(route, Mount):
            assert route.path in MOUNTS, f"an undescribed mount: {route.path}"
            continue
        assert isinstance(route, StarletteRoute), f"an unknown kind of route: {route!r}"
        methods = set(route.methods or ())
        if "GET" in methods:
            methods.discard("HEAD")
        found |= {(method, _CONVERTOR.sub(r"{\1}", route.path)) for method in methods}
    return found


def described(document: dict[str, Any]) -> set[tuple[str, str]]:
    return {(m.upper(), path) for path, ops in document["paths"].items() for m in ops}


def test_every_served_route_is_described_and_every_described_one_served(
    every_door: TestClient, document: dict[str, Any]
) -> None:
    """Both ways: a route the document forgets fails, and so does an operation it
    describes that nothing serves."""
    served = mounted(every_door.app.routes)  # type: ignore[attr-defined]
    assert served - described(document) == set(NOT_DESCRIBED)
    assert described(document) - served == set()


def test_every_door_is_open_in_this_check(document: dict[str, Any]) -> None:
    """The comparison above covers every dialect shipped, each under its own tag."""
    tags = {tag for ops in document["paths"].values() for op in ops.values() for tag in op["tags"]}
    assert set(dialects.available()) <= tags
    assert {"profiles", "probes"} <= tags


def test_each_door_has_its_error_body_and_security_scheme(document: dict[str, Any]) -> None:
    """A door's operations document their errors in the door's own body and name the
    door's own way of authenticating (the native door: RFC 9457 and `bearer`)."""
    expected = {
        "profiles": ("ProblemDetails", "application/problem+json", {"bearer"}),
        "braze": ("BrazeError", "application/json", {"brazeBearer", "brazeApiKey"}),
        "appizer": ("AppizerError", "application/json", {"appizerBearer"}),
        "coveo": ("CoveoErrorOut", "application/json", {"coveoBearer"}),
        "mimecast": ("EnvelopeOut", "application/json", {"mimecastSignature"}),
    }
    for ops in document["paths"].values():
        for op in ops.values():
            door = op["tags"][0]
            if door not in expected or "security" not in op:
                continue
            schema, media_type, schemes = expected[door]
            unauthorized = op["responses"]["401"]["content"]
            assert unauthorized == {
                media_type: {"schema": {"$ref": f"#/components/schemas/{schema}"}}
            }, op["operationId"]
            assert {name for way in op["security"] for name in way} >= schemes
    declared = set(document["components"]["securitySchemes"])
    assert declared >= {s for _, _, schemes in expected.values() for s in schemes}


def test_mimecast_requests_name_every_signed_header(document: dict[str, Any]) -> None:
    """One way, four headers together: the signature and the three it signs over."""
    schemes = document["components"]["securitySchemes"]
    op = document["paths"]["/api/user/update-alias"]["post"]
    (way,) = op["security"]
    headers = {schemes[name]["name"] for name in way}
    assert headers == {"Authorization", "x-mc-date", "x-mc-req-id", "x-mc-app-id"}
    assert all(schemes[name]["in"] == "header" for name in way)
    assert "HMAC-SHA1" in schemes["mimecastSignature"]["description"]


def test_braze_documents_the_bodies_its_routes_read(document: dict[str, Any]) -> None:
    """Braze's routes read their own body (authentication may need its `api_key`); the
    document still describes it, and its 400/413/415."""
    op = document["paths"]["/users/alias/new"]["post"]
    body = op["requestBody"]["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/AliasNewIn"}
    assert {"400", "413", "415"} <= set(op["responses"])


def test_probes_and_the_upload_are_described_without_a_key(document: dict[str, Any]) -> None:
    paths = document["paths"]
    assert set(paths["/readyz"]["get"]["responses"]) == {"200", "422", "503"}  # 422: a NUL
    upload = paths["/push/v1/files/{workspace}/{fileId}"]["put"]
    assert "security" not in upload
    assert "application/octet-stream" in upload["requestBody"]["content"]
    assert {p["name"] for p in upload["parameters"]} == {
        "workspace", "fileId", "token", "Aka-Min-Seq",
    }  # fmt: skip


def test_linking_documents_both_of_its_answers(document: dict[str, Any]) -> None:
    """201 linked, 200 already there: both with the profile."""
    responses = document["paths"]["/v1/profiles/{id}/identifiers"]["post"]["responses"]
    assert responses["200"]["content"] == responses["201"]["content"]
    assert "application/json" in responses["200"]["content"]
