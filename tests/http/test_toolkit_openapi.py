"""The HTTP toolkit, part 3: the OpenAPI document and the Swagger UI docs page.

The document is generated from the same Structs that validate requests, so these tests
check that what is declared is what is documented, and that the result is valid 3.1.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Annotated, Any

import msgspec
import pytest
from openapi_spec_validator import validate
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.testclient import TestClient

from aka.http.app import build_asgi
from aka.http.problems import Problem
from aka.http.routing import RequestContext, RouteGroup


class Identifier(msgspec.Struct, forbid_unknown_fields=True):
    namespace: str
    value: str


class LinkBody(msgspec.Struct, forbid_unknown_fields=True):
    identifiers: list[Identifier]


class Profile(msgspec.Struct):
    id: str
    identifiers: list[Identifier]


class ListQuery(msgspec.Struct, forbid_unknown_fields=True):
    limit: Annotated[int, msgspec.Meta(ge=1, le=100, description="page size")] = 10
    namespace: list[str] = []
    cursor: str | None = None


class ProfilePath(msgspec.Struct):
    id: str


class VendorError(msgspec.Struct):
    errors: list[str]


def vendor_errors(problem: Problem, request: Request) -> Response:
    return JSONResponse({"errors": [problem.detail]}, status_code=problem.status)


def flat_errors(problem: Problem, request: Request) -> Response:
    status = 400 if problem.status == 422 else problem.status
    return JSONResponse({"errors": [problem.detail]}, status_code=status)


def groups() -> list[RouteGroup]:
    native = RouteGroup("/v1", tags=("native",))

    @native.post(
        "/profiles/{id}/identifiers",
        path_params=ProfilePath,
        body=LinkBody,
        response=Profile,
        status=201,
        scopes=("identities:write",),
        errors=(404, 409),
        tags=("profiles",),
        summary="Link identifiers",
        description="Links identifiers to a profile.",
    )
    async def link(ctx: RequestContext[LinkBody, None, ProfilePath]) -> Profile:
        return Profile(ctx.path.id, ctx.body.identifiers)

    @native.get("/profiles", query=ListQuery, response=list[Profile], tags=("profiles",))
    async def list_profiles(ctx: RequestContext[None, ListQuery, None]) -> list[Profile]:
        return []

    @native.delete("/events/{seq:int}", status=204)
    async def forget(ctx: RequestContext[None, None, None]) -> None:
        return None

    @native.get("/hidden", include_in_schema=False)
    async def hidden(ctx: RequestContext[None, None, None]) -> None:
        return None

    vendor = RouteGroup(
        "/vendor",
        error_renderer=vendor_errors,
        error_schema=VendorError,
        error_media_type="application/json",
    )

    @vendor.post("/track", body=Identifier, errors=(404,))
    async def track(ctx: RequestContext[Identifier, None, None]) -> None:
        return None

    # A face that answers invalid input with 400 (as Coveo's does), for a door that
    # ignores unknown query parameters (as vendors do).
    flat = RouteGroup(
        "/flat",
        error_renderer=flat_errors,
        error_schema=VendorError,
        error_media_type="application/json",
        refuse_unknown_query=False,
    )

    @flat.post("/items", body=Identifier, status=201, also=(200,))
    async def add_item(ctx: RequestContext[Identifier, None, None]) -> None:
        return None

    return [native, vendor, flat]


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    app = build_asgi(groups(), title="aka <test>", version="9.9", description="An example.")
    with TestClient(app) as c:
        yield c


@pytest.fixture(scope="module")
def doc(client: TestClient) -> dict[str, Any]:
    r = client.get("/openapi.json")
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/json"
    document: dict[str, Any] = r.json()
    return document


def test_the_document_is_valid_openapi_3_1(doc: dict[str, Any]) -> None:
    """openapi-spec-validator accepts it (the schemas are JSON Schema 2020-12)."""
    assert doc["openapi"] == "3.1.0"
    assert doc["info"] == {"title": "aka <test>", "version": "9.9", "description": "An example."}
    validate(doc)


def test_every_documented_route_is_an_operation(doc: dict[str, Any]) -> None:
    """Paths use OpenAPI's `{name}` even where Starlette has `{name:int}`."""
    ops = {
        (path, method): op["operationId"]
        for path, item in doc["paths"].items()
        for method, op in item.items()
    }
    assert ops == {
        ("/v1/profiles/{id}/identifiers", "post"): "link",
        ("/v1/profiles", "get"): "list_profiles",
        ("/v1/events/{seq}", "delete"): "forget",
        ("/vendor/track", "post"): "track",
        ("/flat/items", "post"): "add_item",
    }


def test_body_and_response_schemas_come_from_the_structs(doc: dict[str, Any]) -> None:
    """requestBody and the success response point at components built by msgspec."""
    op = doc["paths"]["/v1/profiles/{id}/identifiers"]["post"]
    body = op["requestBody"]
    assert body["required"] is True
    assert body["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/LinkBody"
    }
    created = op["responses"]["201"]["content"]["application/json"]["schema"]
    assert created == {"$ref": "#/components/schemas/Profile"}
    schemas = doc["components"]["schemas"]
    assert schemas["LinkBody"]["required"] == ["identifiers"]
    assert set(schemas["Identifier"]["properties"]) == {"namespace", "value"}


def test_a_list_response_is_an_array_of_the_struct(doc: dict[str, Any]) -> None:
    """Any msgspec-describable type works as a response, not only Structs."""
    schema = doc["paths"]["/v1/profiles"]["get"]["responses"]["200"]["content"]["application/json"]
    assert schema["schema"] == {"type": "array", "items": {"$ref": "#/components/schemas/Profile"}}


def test_query_structs_become_typed_parameters(doc: dict[str, Any]) -> None:
    """Each field is a parameter with its schema, default and constraints."""
    params = {p["name"]: p for p in doc["paths"]["/v1/profiles"]["get"]["parameters"]}
    assert params["limit"]["in"] == "query"
    assert params["limit"]["required"] is False
    assert params["limit"]["description"] == "page size"
    assert params["limit"]["schema"]["type"] == "integer"
    assert params["limit"]["schema"]["maximum"] == 100
    assert params["namespace"]["schema"]["type"] == "array"
    assert "ListQuery" not in doc["components"]["schemas"]  # flattened, not a body


def test_path_parameters_are_required_and_typed(doc: dict[str, Any]) -> None:
    """From the path Struct when there is one, else from Starlette's convertor."""
    [by_struct] = path_parameters(doc["paths"]["/v1/profiles/{id}/identifiers"]["post"])
    assert by_struct == {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}
    [by_convertor] = path_parameters(doc["paths"]["/v1/events/{seq}"]["delete"])
    assert by_convertor["schema"] == {"type": "integer"}
    assert "ProfilePath" not in doc["components"]["schemas"]


def test_error_statuses_are_documented_as_problems(doc: dict[str, Any]) -> None:
    """Declared errors plus the toolkit's own (422 inputs, 413/415 body, 401/403 scopes)."""
    responses = doc["paths"]["/v1/profiles/{id}/identifiers"]["post"]["responses"]
    assert sorted(responses) == ["201", "401", "403", "404", "409", "413", "415", "422"]
    problem = responses["404"]["content"]["application/problem+json"]["schema"]
    assert problem == {"$ref": "#/components/schemas/ProblemDetails"}
    assert set(doc["components"]["schemas"]["ProblemDetails"]["required"]) == {
        "type", "title", "status", "detail", "code",
    }  # fmt: skip


def path_parameters(operation: dict[str, Any]) -> list[dict[str, Any]]:
    """The operation's path parameters (every operation also takes `Aka-Min-Seq`)."""
    return [p for p in operation["parameters"] if p["in"] == "path"]


def test_a_no_content_route_documents_no_body(doc: dict[str, Any]) -> None:
    """A 204 has a description and no content (a write's, the `Aka-Seq` header)."""
    answer = doc["paths"]["/v1/events/{seq}"]["delete"]["responses"]["204"]
    assert answer["description"] == "No Content"
    assert set(answer) == {"description", "headers"}
    assert set(answer["headers"]) == {"Aka-Seq"}


def test_a_dialect_documents_its_own_error_envelope(doc: dict[str, Any]) -> None:
    """A group with a custom face documents its schema and media type."""
    responses = doc["paths"]["/vendor/track"]["post"]["responses"]
    error = responses["404"]["content"]["application/json"]["schema"]
    assert error == {"$ref": "#/components/schemas/VendorError"}


def test_a_face_documents_the_statuses_its_renderer_answers(doc: dict[str, Any]) -> None:
    """The renderer is asked, so a face answering invalid input with 400 documents 400,
    never the 422 it does not send; `also` documents a second success status."""
    responses = doc["paths"]["/flat/items"]["post"]["responses"]
    assert sorted(responses) == ["200", "201", "400", "413", "415"]
    assert responses["200"] == responses["201"] | {"description": "OK"}


def test_a_group_refusing_unknown_parameters_documents_422_everywhere(
    doc: dict[str, Any],
) -> None:
    """Even a route declaring no input can answer 422 for a parameter it does not know."""
    assert "422" in doc["paths"]["/v1/events/{seq}"]["delete"]["responses"]


def test_scoped_routes_require_the_bearer_scheme_and_say_which_scopes(
    doc: dict[str, Any],
) -> None:
    """http bearer in securitySchemes; the scopes in `security` and in the description."""
    assert doc["components"]["securitySchemes"] == {"bearer": {"type": "http", "scheme": "bearer"}}
    op = doc["paths"]["/v1/profiles/{id}/identifiers"]["post"]
    assert op["security"] == [{"bearer": ["identities:write"]}]
    assert "`identities:write`" in op["description"]
    assert "security" not in doc["paths"]["/v1/profiles"]["get"]


def test_tags_come_from_groups_and_routes(doc: dict[str, Any]) -> None:
    """Group tags come first; the document lists each tag once."""
    assert doc["paths"]["/v1/profiles"]["get"]["tags"] == ["native", "profiles"]
    assert doc["tags"] == [{"name": "native"}, {"name": "profiles"}]


def test_a_reused_operation_id_fails_at_build_time() -> None:
    """Generated clients need unique operationIds: refuse to start otherwise."""
    group = RouteGroup()

    @group.get("/a", operation_id="same")
    async def a(ctx: RequestContext[None, None, None]) -> None:
        return None

    @group.get("/b", operation_id="same")
    async def b(ctx: RequestContext[None, None, None]) -> None:
        return None

    with pytest.raises(ValueError, match="operationId used twice"):
        build_asgi([group], title="t", version="1")


# --- /docs ---------------------------------------------------------------------------------


def test_docs_is_swagger_ui_from_local_assets(client: TestClient) -> None:
    """The page loads only our own static files and our own OpenAPI document."""
    r = client.get("/docs")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    page = r.text
    assert "aka &lt;test&gt;" in page  # the title is escaped
    assert '"/openapi.json"' in page
    assert not re.search(r"https?://", page)
    sources = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert sources
    assert all(s.startswith("/docs/static/") for s in sources)


@pytest.mark.parametrize(
    ("asset", "content_type"),
    [("swagger-ui-bundle.js", "javascript"), ("swagger-ui-standalone-preset.js", "javascript"),
     ("swagger-ui.css", "text/css")],
)  # fmt: skip
def test_docs_assets_are_served(client: TestClient, asset: str, content_type: str) -> None:
    """Every asset the page references is served from the installed package."""
    r = client.get(f"/docs/static/{asset}")
    assert r.status_code == 200
    assert content_type in r.headers["content-type"]
    assert len(r.content) > 1000


def test_docs_honour_a_proxy_root_path() -> None:
    """Behind a prefix (root_path), asset and spec URLs carry the prefix."""
    app = build_asgi(groups(), title="t", version="1")
    with TestClient(app, root_path="/aka") as c:
        page = c.get("/docs").text
    assert 'src="/aka/docs/static/swagger-ui-bundle.js"' in page
    assert '"/aka/openapi.json"' in page
