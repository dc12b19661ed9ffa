"""Assembling the ASGI app: route groups, `/openapi.json`, `/docs` and error handlers.

The toolkit's only entry point for `aka.app`; everything protocol-specific lives in
`routing` (requests), `problems` (errors), `openapi` and `docs` (self-description).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Final

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Match
from starlette.routing import Route as StarletteRoute
from starlette.types import Lifespan, Receive, Scope, Send

from aka.http.consistency import RecentWrites
from aka.http.docs import docs_routes
from aka.http.endpoints import compile_group
from aka.http.openapi import openapi_document, openapi_route
from aka.http.problems import ErrorRenderer, Problem, problem_for_http_status, render_problem
from aka.http.request_log import Observe, RequestLog
from aka.http.routing import DEFAULT_MAX_BODY_BYTES, RouteGroup

__all__ = ["DOOR_SCOPE", "build_asgi", "group_for_path"]

_UNKNOWN: Final = object()
DOOR_SCOPE: Final = "aka.door"
"""Where an app mounted outside the route groups (the console) names its door for the
access line."""


def group_for_path(groups: Sequence[RouteGroup], path: str) -> RouteGroup | None:
    """The group owning a path (longest prefix), so a 404 answers in that group's face."""
    best: RouteGroup | None = None
    for group in groups:
        prefix = group.prefix
        owns = path == prefix or path.startswith(prefix + "/") or not prefix
        if owns and (best is None or len(prefix) > len(best.prefix)):
            best = group
    return best


def build_asgi(
    groups: Sequence[RouteGroup],
    *,
    title: str,
    version: str,
    description: str = "",
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    extra_routes: Sequence[BaseRoute] = (),
    middleware: Sequence[Middleware] = (),
    lifespan: Lifespan[Starlette] | None = None,
    docs: bool = True,
    observe: Observe | None = None,
) -> Starlette:
    """A Starlette app serving the groups, `/openapi.json` and (if `docs`) `/docs`.
    `observe` is given each finished request's door, method, route, status and time.

    The OpenAPI document is built and encoded here, once; a bad declaration (duplicate
    operationId or method+path) fails at startup rather than in production traffic.
    """
    routes: list[BaseRoute] = []
    seen: set[tuple[str, str]] = set()
    recent = RecentWrites()  # each key's latest write, for every door (`consistency`)
    for group in groups:
        for route in compile_group(group, max_body_bytes=max_body_bytes, recent=recent):
            for method in route.methods or ():
                if (method, route.path) in seen:
                    raise ValueError(f"route declared twice: {method} {route.path}")
                seen.add((method, route.path))
            routes.append(route)
    compiled = len(routes)  # these catch and render their own failures
    document = openapi_document(groups, title=title, version=version, description=description)
    routes.append(openapi_route(document))
    if docs:
        routes.extend(docs_routes(title=title))
    routes.extend(extra_routes)

    def renderer_for(request: Request) -> ErrorRenderer:
        group = group_for_path(groups, request.scope["path"])
        return group.error_renderer if group is not None else render_problem

    def allowed_methods(scope: Scope) -> str:
        # Routes are compiled one per method, and Starlette's 405 lists only the first
        # route matching the path; RFC 9110 wants every method the path accepts.
        methods: set[str] = set()
        for route in routes:
            if isinstance(route, StarletteRoute) and route.methods:
                match, _ = route.matches(scope)
                if match is not Match.NONE:
                    methods |= route.methods
        return ", ".join(sorted(methods))

    async def on_http_exception(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)  # registered for this type only
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            headers["Allow"] = allowed_methods(request.scope)
        problem = problem_for_http_status(exc.status_code, exc.detail, headers)
        return renderer_for(request)(problem, request)

    async def on_crash(request: Request, exc: Exception) -> Response:  # noqa: ARG001 (handler signature)
        # Routes catch their own crashes; this covers middleware and `extra_routes`.
        # Starlette re-raises after sending this response; `request_log` logs it.
        return renderer_for(request)(Problem.internal(), request)

    # Every access line names its door: remembered per matched route (a fixed set, built
    # here), not per path, which can hold identifiers and must not be kept.
    doors: dict[int, str | None] = {}

    def door_of(scope: Scope) -> str | None:
        if (named := scope.get(DOOR_SCOPE)) is not None:  # an app in `extra_routes` said
            return str(named)
        route = scope.get("route")
        if route is not None and (door := doors.get(id(route), _UNKNOWN)) is not _UNKNOWN:
            return door  # type: ignore[return-value]
        group = group_for_path(groups, scope["path"])
        door = (group.door or None) if group is not None else None
        if route is not None and any(route is known for known in routes):
            doors[id(route)] = door
        return door

    return _Routed(
        door_of=door_of,
        observe=observe,
        fixed=_fixed_paths(routes, compiled) if not middleware else {},
        routes=routes,
        middleware=middleware,
        exception_handlers={HTTPException: on_http_exception, Exception: on_crash},
        lifespan=lifespan,
    )


class _Routed(Starlette):
    """Starlette, behind the request log (`request_log`: request ids, access lines), with
    a dictionary in front of its router for the routes without path parameters.

    Starlette finds a route by trying each one's regular expression in turn, behind two
    exception-catching middlewares: ~10 µs a request for a route near the top of the
    list, far more for one near the bottom (there are a hundred), on a path whose whole
    budget is a few tens of µs (docs/performance.md). A fixed-path endpoint is one of our
    compiled routes, which catches and renders its own failures, so it loses nothing by
    skipping them. Anything else (path parameters, HEAD, a trailing slash, a root path,
    405s and 404s, added middleware) goes through Starlette as before.
    """

    def __init__(
        self,
        *,
        door_of: Callable[[Scope], str | None],
        observe: Observe | None,
        fixed: dict[tuple[str, str], StarletteRoute],
        **options: Any,
    ) -> None:
        super().__init__(**options)
        self._fixed = fixed
        self._logged = RequestLog(self._dispatch, door_of, observe)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self._logged(scope, receive, send)

    async def _dispatch(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not scope.get("root_path") and not self.user_middleware:
            route = self._fixed.get((scope["method"], scope["path"]))
            if route is not None:
                scope["app"] = self  # as Starlette sets them
                scope["route"] = route
                scope["path_params"] = {}
                await route.app(scope, receive, send)
                return
        await super().__call__(scope, receive, send)


def _fixed_paths(
    routes: Sequence[BaseRoute], compiled: int
) -> dict[tuple[str, str], StarletteRoute]:
    """(method, path) -> route for the first `compiled` routes (the route groups') that
    have no path parameters, unless a route before one would take its requests
    (Starlette's first match wins)."""
    fixed: dict[tuple[str, str], StarletteRoute] = {}
    for index, route in enumerate(routes[:compiled]):
        if not isinstance(route, StarletteRoute) or route.param_convertors:
            continue
        for method in route.methods or ():
            probe: Scope = {"type": "http", "path": route.path, "method": method, "root_path": ""}
            taken = any(
                isinstance(earlier, StarletteRoute) and earlier.matches(probe)[0] is Match.FULL
                for earlier in routes[:index]
            )
            if not taken:
                fixed.setdefault((method, route.path), route)
    return fixed
