"""The HTTP toolkit, part 2: errors as problem+json, authentication, and pluggable faces.

The native face renders RFC 9457 problems; a second group shows that a dialect can
answer every failure (domain errors, validation, unknown paths) in its own envelope.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import msgspec
import pytest
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.testclient import TestClient

from aka.core.errors import AkaError, Code, ErrorKind
from aka.http.app import build_asgi
from aka.http.problems import Problem, status_for_kind
from aka.http.routing import RequestContext, Route, RouteGroup

SECRET = "password=hunter2"

# One representative code per kind, with the status each kind must answer.
CODE_OF_KIND = {
    ErrorKind.INVALID: (Code.VALUE_INVALID, 422),
    ErrorKind.NOT_FOUND: (Code.PROFILE_NOT_FOUND, 404),
    ErrorKind.CONFLICT: (Code.IDENTIFIER_CONFLICT, 409),
    ErrorKind.UNAUTHENTICATED: (Code.UNAUTHENTICATED, 401),
    ErrorKind.FORBIDDEN: (Code.FORBIDDEN, 403),
    ErrorKind.TOO_LARGE: (Code.BODY_TOO_LARGE, 413),
    ErrorKind.RATE_LIMITED: (Code.RATE_LIMITED, 429),
    ErrorKind.UNAVAILABLE: (Code.STORE_BUSY, 503),
    ErrorKind.UNSUPPORTED_MEDIA: (Code.UNSUPPORTED_MEDIA_TYPE, 415),
}


class Note(msgspec.Struct, forbid_unknown_fields=True):
    text: str


async def authenticate(request: Request, route: Route) -> str | None:
    """Example hook: `Bearer <key>:<scope,scope>`; unscoped routes are open."""
    if not route.scopes:
        return None
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or ":" not in token:
        raise AkaError(Code.UNAUTHENTICATED, "a bearer API key is required")
    key, _, granted = token.partition(":")
    missing = set(route.scopes) - set(granted.split(","))
    if missing:
        raise AkaError(
            Code.FORBIDDEN, "the key lacks a scope", details={"missing": sorted(missing)}
        )
    return key


def native_group() -> RouteGroup:
    group = RouteGroup("/v1", authenticate=authenticate)

    @group.get("/fail/{kind}")
    async def fail(ctx: RequestContext[None, None, None]) -> None:
        code, _ = CODE_OF_KIND[ErrorKind(ctx.request.path_params["kind"])]
        raise AkaError(code, "it went wrong", field="identifiers[0].value", details={"n": 1})

    @group.get("/overreach")
    async def overreach(ctx: RequestContext[None, None, None]) -> None:
        raise AkaError(Code.VALUE_INVALID, "no", details={"status": 200, "type": "x", "ok": 1})

    @group.get("/slow-down")
    async def slow_down(ctx: RequestContext[None, None, None]) -> None:
        raise AkaError(Code.RATE_LIMITED, "too many requests", details={"retry_after": 7})

    @group.get("/crash")
    async def crash(ctx: RequestContext[None, None, None]) -> None:
        raise RuntimeError(SECRET)

    @group.post("/notes", body=Note, scopes=("notes:write",))
    async def add_note(ctx: RequestContext[Note, None, None]) -> dict[str, str]:
        return {"by": ctx.auth, "text": ctx.body.text}

    return group


def vendor_errors(problem: Problem, request: Request) -> Response:
    """A dialect face: `{"errors": [...]}` and 400 where we would say 422."""
    status = 400 if problem.status == 422 else problem.status
    item = {"code": problem.code, "message": problem.detail, "path": request.url.path}
    return JSONResponse({"errors": [item]}, status_code=status)


def vendor_group() -> RouteGroup:
    group = RouteGroup("/vendor", error_renderer=vendor_errors, authenticate=authenticate)

    @group.post("/notes", body=Note)
    async def vendor_note(ctx: RequestContext[Note, None, None]) -> Note:
        raise AkaError(Code.PROFILE_NOT_FOUND, "no such user")

    @group.get("/crash")
    async def vendor_crash(ctx: RequestContext[None, None, None]) -> None:
        raise RuntimeError(SECRET)

    return group


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    app = build_asgi([native_group(), vendor_group()], title="t", version="1")
    with TestClient(app) as c:
        yield c


def problem_of(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem: dict[str, Any] = response.json()
    assert problem["type"] == f"urn:aka:error:{code}"
    assert problem["code"] == code
    assert problem["status"] == status
    assert problem["title"]
    return problem


# --- the native face --------------------------------------------------------------------


@pytest.mark.parametrize("kind", list(ErrorKind))
def test_a_domain_error_is_a_problem_with_the_status_of_its_kind(
    client: TestClient, kind: ErrorKind
) -> None:
    """Every kind has a status; message, field and details reach the problem object."""
    code, status = CODE_OF_KIND[kind]
    assert status_for_kind(kind) == status
    problem = problem_of(client.get(f"/v1/fail/{kind}"), status, code)
    assert problem["detail"] == "it went wrong"
    assert problem["field"] == "identifiers[0].value"
    assert problem["n"] == 1


def test_every_error_kind_has_a_status() -> None:
    """A new ErrorKind without a status would fail here before it fails in production."""
    assert set(CODE_OF_KIND) == set(ErrorKind)


def test_details_cannot_overwrite_the_standard_members(client: TestClient) -> None:
    """A detail named `status` or `type` never changes what a client reads there."""
    problem = problem_of(client.get("/v1/overreach"), 422, "value_invalid")
    assert problem["ok"] == 1


def test_unauthenticated_answers_name_the_bearer_scheme(client: TestClient) -> None:
    """RFC 9110: a 401 carries WWW-Authenticate."""
    r = client.post("/v1/notes", json={"text": "hi"})
    problem_of(r, 401, "unauthenticated")
    assert r.headers["www-authenticate"] == "Bearer"


def test_a_key_without_the_routes_scope_is_forbidden(client: TestClient) -> None:
    """The hook sees the route's scopes; its refusal is a 403 problem."""
    r = client.post("/v1/notes", json={"text": "hi"}, headers={"Authorization": "Bearer k1:x"})
    assert problem_of(r, 403, "forbidden")["missing"] == ["notes:write"]


def test_the_auth_value_reaches_the_handler(client: TestClient) -> None:
    """Whatever the hook returns is `ctx.auth`."""
    headers = {"Authorization": "Bearer k1:notes:write"}
    r = client.post("/v1/notes", json={"text": "hi"}, headers=headers)
    assert r.json() == {"by": "k1", "text": "hi"}


def test_authentication_comes_before_reading_the_body(client: TestClient) -> None:
    """An anonymous client gets 401, not a parse of (or 413 for) what it sent."""
    r = client.post("/v1/notes", content=b"x" * (2 * 1024 * 1024))
    problem_of(r, 401, "unauthenticated")


def test_rate_limited_answers_say_when_to_retry(client: TestClient) -> None:
    """`details.retry_after` becomes the Retry-After header."""
    r = client.get("/v1/slow-down")
    problem_of(r, 429, "rate_limited")
    assert r.headers["retry-after"] == "7"


def test_an_unknown_path_is_a_route_not_found_problem(client: TestClient) -> None:
    """Starlette's 404 speaks problem+json too."""
    problem_of(client.get("/nowhere"), 404, "route_not_found")


def test_a_wrong_method_is_a_405_problem_listing_the_allowed_ones(client: TestClient) -> None:
    """405, not 422: clients and proxies rely on the status and the Allow header."""
    r = client.delete("/v1/notes")
    problem_of(r, 405, "method_not_allowed")
    assert r.headers["allow"] == "POST"


def test_a_crash_is_a_500_problem_that_leaks_nothing_and_is_logged(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    """The client learns only that it failed; the log has the traceback."""
    with caplog.at_level(logging.ERROR, logger="aka.http"):
        r = client.get("/v1/crash")
    problem = problem_of(r, 500, "internal_error")
    assert SECRET not in r.text
    assert "RuntimeError" not in r.text
    assert problem["detail"]
    [record] = [rec for rec in caplog.records if rec.name == "aka.http"]
    assert record.exc_info is not None
    assert SECRET in str(record.exc_info[1])


# --- a second face --------------------------------------------------------------------------


def vendor_error(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    [error] = response.json()["errors"]
    assert error["code"] == code
    return dict(error)


def test_a_groups_renderer_shapes_its_domain_errors(client: TestClient) -> None:
    """The same AkaError, in the vendor's envelope."""
    r = client.post("/vendor/notes", json={"text": "hi"})
    assert vendor_error(r, 404, "profile_not_found")["message"] == "no such user"


def test_a_groups_renderer_shapes_its_validation_errors(client: TestClient) -> None:
    """The toolkit's own 422 goes through the face too (here mapped to 400)."""
    vendor_error(client.post("/vendor/notes", json={"txt": "hi"}), 400, "invalid_input")


def test_a_groups_renderer_shapes_its_crashes(client: TestClient) -> None:
    """Even a 500 answers in the vendor's envelope, without the cause."""
    r = client.get("/vendor/crash")
    vendor_error(r, 500, "internal_error")
    assert SECRET not in r.text


def test_unknown_paths_under_a_groups_prefix_answer_in_its_face(client: TestClient) -> None:
    """A vendor client probing a path we lack still gets an error it can parse."""
    vendor_error(client.get("/vendor/nope"), 404, "route_not_found")
    vendor_error(client.put("/vendor/notes"), 405, "method_not_allowed")


def test_paths_merely_sharing_a_prefix_string_are_not_the_groups(client: TestClient) -> None:
    """`/vendorx` is not under `/vendor`: it falls back to problem+json."""
    problem_of(client.get("/vendorx"), 404, "route_not_found")
