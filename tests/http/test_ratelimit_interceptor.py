"""The rate-limit interceptor as a vendor dialect will use it, on a toy face.

A dialect passes its own `group_of` (Braze: one bucket shared by several endpoints,
some routes not limited at all) and `reset_unit` (Mimecast: the reset as milliseconds
to wait), and its refusals come out in its own envelope with the same headers.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from typing import Any

import msgspec
import pytest
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.testclient import TestClient

from aka.core.rates import Rate, parse_rate
from aka.http.app import build_asgi
from aka.http.problems import Problem
from aka.http.ratelimit import GroupOf, ResetUnit, native_group_of, rate_limit_interceptor
from aka.http.routing import RequestContext, Route, RouteGroup
from aka.security.auth import Principal
from aka.security.keys import Scope
from aka.security.ratelimit import MemoryRateLimiter
from aka.security.ratelimit_policy import RateLimitPolicy

SHARED = {"/users/alias/new", "/users/merge"}  # Braze's shared bucket, in miniature


def braze_group_of(route: Route) -> str | None:
    return "write" if route.path in SHARED else None


def braze_face(problem: Problem, request: Request) -> Response:
    """Braze's envelope: a `message`, whatever went wrong."""
    return JSONResponse(
        {"message": problem.detail}, status_code=problem.status, headers=dict(problem.headers)
    )


async def no_workspace_limits(_: str) -> Mapping[str, Rate]:
    return {}


async def as_key(request: Request, route: Route) -> Principal:
    return Principal(request.headers.get("x-key", "key_1"), "acme", frozenset())


def toy_app(group_of: GroupOf, reset_unit: ResetUnit = "s") -> TestClient:
    policy = RateLimitPolicy({"write": parse_rate("2/minute")}, no_workspace_limits)
    limiter = MemoryRateLimiter()
    group = RouteGroup(
        authenticate=as_key,
        error_renderer=braze_face,
        interceptors=(
            rate_limit_interceptor(limiter, policy, group_of=group_of, reset_unit=reset_unit),
        ),
    )

    for path in ("/users/alias/new", "/users/merge", "/users/export/ids"):

        @group.post(path, operation_id=path)
        async def handle(ctx: RequestContext[None, None, None]) -> dict[str, Any]:
            return {"message": "success"}

    return TestClient(build_asgi([group], title="toy", version="0"))


@pytest.fixture
def braze() -> Iterator[TestClient]:
    with toy_app(braze_group_of) as client:
        yield client


def test_endpoints_of_one_group_share_a_bucket(braze: TestClient) -> None:
    assert braze.post("/users/alias/new").headers["x-ratelimit-remaining"] == "1"
    assert braze.post("/users/merge").headers["x-ratelimit-remaining"] == "0"
    refused = braze.post("/users/alias/new")
    assert refused.status_code == 429


def test_a_refusal_is_in_the_faces_envelope_with_the_headers(braze: TestClient) -> None:
    braze.post("/users/alias/new")
    braze.post("/users/alias/new")
    refused = braze.post("/users/merge")
    assert refused.status_code == 429
    assert "retry in" in refused.json()["message"]
    assert int(refused.headers["retry-after"]) >= 1
    assert refused.headers["x-ratelimit-limit"] == "2"
    assert refused.headers["x-ratelimit-remaining"] == "0"
    assert int(refused.headers["x-ratelimit-reset"]) >= time.time() - 1, "epoch seconds"


def test_a_route_outside_every_group_is_not_limited(braze: TestClient) -> None:
    for _ in range(5):
        answer = braze.post("/users/export/ids")
        assert answer.status_code == 200
        assert "x-ratelimit-limit" not in answer.headers


def test_the_reset_can_be_told_in_milliseconds_to_wait() -> None:
    """Mimecast documents X-RateLimit-Reset as the milliseconds until another request
    is accepted: a wait, not a timestamp."""
    with toy_app(braze_group_of, reset_unit="ms") as mimecast:
        mimecast.post("/users/merge")
        mimecast.post("/users/merge")
        refused = mimecast.post("/users/merge")
    wait_ms = int(refused.headers["x-ratelimit-reset"])
    assert 0 < wait_ms <= 60_000
    assert int(refused.headers["retry-after"]) == pytest.approx(wait_ms / 1000, abs=1)


def test_keys_count_separately_in_a_shared_bucket(braze: TestClient) -> None:
    braze.post("/users/merge")
    braze.post("/users/merge")
    other = braze.post("/users/merge", headers={"x-key": "key_2"})
    assert other.status_code == 200


def _route(method: str, *scopes: str) -> Route:
    async def handler(ctx: RequestContext[Any, Any, Any]) -> None:
        return None

    return Route(method, "/x", handler, scopes=scopes)


@pytest.mark.parametrize(
    ("route", "group"),
    [
        (_route("GET", Scope.READ), "read"),
        (_route("POST", Scope.READ), "read"),  # a POST that only reads (explain)
        (_route("POST", Scope.WRITE), "write"),
        (_route("DELETE", Scope.DELETE), "write"),
        (_route("POST", Scope.MERGE), "write"),
        (_route("GET", Scope.KEYS_ADMIN), "admin"),
        (_route("PATCH", Scope.KEYS_ADMIN), "admin"),
    ],
)
def test_native_routes_fall_into_read_write_and_admin(route: Route, group: str) -> None:
    assert native_group_of(route) == group


def test_the_body_is_untouched_by_the_headers(braze: TestClient) -> None:
    answer = braze.post("/users/alias/new")
    assert msgspec.json.decode(answer.content) == {"message": "success"}
    assert int(answer.headers["content-length"]) == len(answer.content)
