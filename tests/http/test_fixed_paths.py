"""`build_asgi` finds a route without path parameters by a dictionary lookup, skipping
Starlette's route-by-route matching; every answer stays what Starlette would give."""

from __future__ import annotations

from starlette.middleware import Middleware
from starlette.testclient import TestClient
from starlette.types import ASGIApp, Receive, Scope, Send

from aka.http.app import build_asgi
from aka.http.routing import RequestContext, RouteGroup


def group() -> RouteGroup:
    g = RouteGroup("/v1")

    @g.get("/things/{name}")
    async def by_name(ctx: RequestContext[None, None, None]) -> dict[str, str]:
        return {"route": "by_name", "name": ctx.request.path_params["name"]}

    # Declared after a route whose pattern also matches its path: Starlette's first
    # match wins, so `by_name` answers GET /v1/things/special.
    @g.get("/things/special")
    async def special(ctx: RequestContext[None, None, None]) -> dict[str, str]:
        return {"route": "special"}

    @g.post("/things/special")
    async def post_special(ctx: RequestContext[None, None, None]) -> dict[str, str]:
        return {"route": "post_special"}

    @g.get("/fixed")
    async def fixed(ctx: RequestContext[None, None, None]) -> dict[str, object]:
        return {"route": "fixed", "app": ctx.request.scope["app"] is not None}

    return g


def test_fixed_paths_answer_as_starlette_would() -> None:
    client = TestClient(build_asgi([group()], title="t", version="1"))
    assert client.get("/v1/fixed").json() == {"route": "fixed", "app": True}
    assert client.get("/v1/things/special").json() == {"route": "by_name", "name": "special"}
    assert client.post("/v1/things/special").json() == {"route": "post_special"}
    assert client.head("/v1/fixed").status_code == 200
    not_allowed = client.delete("/v1/fixed")
    assert not_allowed.status_code == 405
    assert not_allowed.headers["allow"] == "GET, HEAD"
    assert client.get("/v1/fixed/").status_code in (200, 307)  # Starlette's slash redirect
    assert client.get("/v1/nowhere").status_code == 404


def test_middleware_sees_every_request() -> None:
    seen: list[str] = []

    class Record:
        def __init__(self, app: ASGIApp) -> None:
            self.app = app

        async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] == "http":
                seen.append(scope["path"])
            await self.app(scope, receive, send)

    app = build_asgi([group()], title="t", version="1", middleware=[Middleware(Record)])
    assert TestClient(app).get("/v1/fixed").status_code == 200
    assert seen == ["/v1/fixed"]
