"""Typed routes over Starlette: declare once, validate, encode, document.

A route declares its body, query and path-parameter types as msgspec Structs; all
decoders are built when the route is compiled (`aka.http.endpoints.compile_group`), so
a request pays no reflection, and the same declarations are what `aka.http.openapi`
documents. This module holds the declarations: `Route`, `RouteGroup` and what a
handler is given (`RequestContext`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field, replace
from typing import Any, Generic, TypedDict, TypeVar, Unpack

from starlette.requests import Request

from aka.http.interceptors import Answer, Call, Interceptor, Proceed
from aka.http.problems import (
    PROBLEM_MEDIA_TYPE,
    ErrorRenderer,
    ProblemDetails,
    render_problem,
)

__all__ = [
    "Answer",
    "Authenticate",
    "Call",
    "Handler",
    "Interceptor",
    "Previewer",
    "Proceed",
    "RawBody",
    "RequestContext",
    "Route",
    "RouteGroup",
]

BodyT = TypeVar("BodyT")
QueryT = TypeVar("QueryT")
PathT = TypeVar("PathT")

DEFAULT_MAX_BODY_BYTES = 1024 * 1024


class RequestContext(Generic[BodyT, QueryT, PathT]):
    """What a handler receives: decoded inputs, the auth value and the raw request.

    `body`, `query` and `path` are instances of the route's declared types (None when
    the route declares none); `request.path_params` keeps Starlette's raw values.
    """

    __slots__ = ("_headers", "auth", "body", "path", "query", "request", "route")

    def __init__(
        self,
        request: Request,
        route: Route,
        auth: Any,
        *,
        body: BodyT,
        query: QueryT,
        path: PathT,
    ) -> None:
        self.request = request
        self.route = route
        self.auth = auth
        self.body = body
        self.query = query
        self.path = path
        self._headers: list[tuple[bytes, bytes]] | None = None

    def set_header(self, name: str, value: str) -> None:
        """Add a header to the JSON response the handler's return value becomes."""
        if self._headers is None:
            self._headers = []
        self._headers.append((name.lower().encode("latin-1"), value.encode("latin-1")))


Handler = Callable[[RequestContext[BodyT, QueryT, PathT]], Awaitable[Any]]
Decorator = Callable[[Handler[BodyT, QueryT, PathT]], Handler[BodyT, QueryT, PathT]]
Authenticate = Callable[[Request, "Route"], Awaitable[Any]]
"""Called before any input is read; returns the handler's `ctx.auth` or raises AkaError."""
Previewer = Callable[[Any], AbstractAsyncContextManager[Callable[[int], Any]]]
"""A group's dry run (`Route.dry_run`), given the request's auth: the handler runs inside
the block, whose writes are rolled back when it ends; what it yields, called after the
block with the status the real call would answer, gives the answer's `dry_run` member."""


class RouteOptions(TypedDict, total=False):
    """The `Route` fields a decorator accepts besides method, path and input types."""

    response: Any
    status: int
    also: tuple[int, ...]
    summary: str
    description: str
    tags: tuple[str, ...]
    scopes: tuple[str, ...]
    errors: tuple[int, ...]
    operation_id: str | None
    max_body_bytes: int | None
    deprecated: bool
    include_in_schema: bool
    own_body: Any
    dry_run: bool
    raw_response: RawBody | None


@dataclass(frozen=True, slots=True)
class RawBody:
    """A body that is not JSON, for the document: its media type and schema (a
    route's `own_body`, or its `response` when the handler answers a `Response`)."""

    media_type: str
    schema: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Route:
    """One endpoint's declaration: the single source of validation and documentation.

    `errors` lists documented error statuses beyond those the toolkit adds itself
    (422 for declared inputs, 413 and 415 for bodies, 401/403 for scoped routes). A
    handler may return a Struct/dict/list (JSON with `status`), None (empty body) or a
    `Response`; `also` lists other success statuses such a Response may carry (200
    "already there" beside 201 "created"), documented with the same body.

    `own_body` documents a body the handler reads itself from `ctx.request`, which the
    toolkit then neither reads nor checks: a type (JSON, with the body's 413/415/422)
    where authentication needs the body first (Braze's legacy `api_key`), or a
    `RawBody` for a stream (an upload).

    `dry_run`: the route is a write that may be previewed (ADR 0023): it takes
    `?dry_run=true` (and a `dry_run` member of its body, when its body type has one),
    runs its handler inside the group's `preview`, and answers what the real call would
    plus a `dry_run` member and `Aka-Dry-Run: true`. One declaration is all a route
    needs; the group says how a preview runs.

    `raw_response` documents a success body that is not JSON (the handler returns its
    own `Response`): an event stream's `text/event-stream`.
    """

    method: str
    path: str
    handler: Handler[Any, Any, Any]
    body: type[Any] | None = None
    query: type[Any] | None = None
    path_params: type[Any] | None = None
    response: Any = None
    status: int = 200
    also: tuple[int, ...] = ()
    summary: str = ""
    description: str = ""
    tags: tuple[str, ...] = ()
    scopes: tuple[str, ...] = ()
    errors: tuple[int, ...] = ()
    operation_id: str | None = None
    max_body_bytes: int | None = None
    deprecated: bool = False
    include_in_schema: bool = True
    own_body: Any = None
    dry_run: bool = False
    raw_response: RawBody | None = None

    @property
    def name(self) -> str:
        """The operationId: explicit, else the handler's name."""
        return self.operation_id or str(getattr(self.handler, "__name__", "handler"))

    def error_statuses(self) -> list[int]:
        """Every error status this route can answer with, for the documentation."""
        statuses = set(self.errors)
        json_body = self.body is not None or (
            self.own_body is not None and not isinstance(self.own_body, RawBody)
        )
        if json_body or self.query is not None or self.path_params is not None:
            statuses.add(422)
        if json_body:
            statuses.update((413, 415))
        if self.scopes:
            statuses.update((401, 403))
        return sorted(statuses)


@dataclass(slots=True)
class RouteGroup:
    """Routes sharing a path prefix, an authentication hook and an error face.

    `authenticate` (when given) runs for every route of the group; it sees the `Route`
    so it can check `route.scopes` and leave unscoped routes open. `error_schema` is the
    Struct documenting the face's error body (ProblemDetails for the default face).
    `interceptors` run around every handler of the group, outermost first (rate limits,
    idempotency); a group without any keeps the direct path. `door` names the face in
    access logs ("native", or the dialect's name, which `dialects.build_groups` sets).

    `refuse_unknown_query`: a query parameter the route does not declare is refused
    (422 naming it), so a caller who believes a parameter changes what a write does
    (`?dryrun=true` for a route's declared `dry_run`) never loses data. A vendor door
    whose vendor ignores unknown parameters sets it to False and says so in its doc.

    For the document: `security` lists the ways to authenticate a scoped route, each a
    mapping of OpenAPI security scheme names to schemes, all of one way required
    together (the route's scopes are listed on the first); empty means the toolkit's
    `bearer`. `errors` are statuses any route of the group may answer (429 where an
    interceptor limits rates); `about` describes the group's first tag (its door).

    `preview` runs the dry runs of the group's `dry_run` routes (ADR 0023) (their
    answer types document the `dry_run` member); `dry_run_answer` documents the answer
    of a previewed route whose real answer has no body (204), which a preview answers
    with 200 and that member alone.
    """

    prefix: str = ""
    door: str = ""
    authenticate: Authenticate | None = None
    error_renderer: ErrorRenderer = render_problem
    error_schema: type[Any] | None = None
    error_media_type: str = PROBLEM_MEDIA_TYPE
    tags: tuple[str, ...] = ()
    include_in_schema: bool = True
    routes: list[Route] = field(default_factory=list)
    interceptors: tuple[Interceptor, ...] = ()
    refuse_unknown_query: bool = True
    security: tuple[dict[str, dict[str, Any]], ...] = ()
    errors: tuple[int, ...] = ()
    about: str = ""
    preview: Previewer | None = None
    dry_run_answer: type[Any] | None = None

    def __post_init__(self) -> None:
        if self.prefix and (not self.prefix.startswith("/") or self.prefix.endswith("/")):
            raise ValueError(f"prefix must start with '/' and not end with it: {self.prefix!r}")
        if self.error_schema is None and self.error_renderer is render_problem:
            self.error_schema = ProblemDetails

    def add(self, route: Route) -> Route:
        """Register a declared route (group tags are prepended to its own)."""
        if self.tags:
            route = replace(route, tags=tuple(dict.fromkeys(self.tags + route.tags)))
        self.routes.append(route)
        return route

    def route(
        self,
        method: str,
        path: str,
        *,
        body: type[BodyT] | None = None,
        query: type[QueryT] | None = None,
        path_params: type[PathT] | None = None,
        **options: Unpack[RouteOptions],
    ) -> Decorator[BodyT, QueryT, PathT]:
        """Decorator form of `add`. mypy checks the handler's context against the types."""

        def register(handler: Handler[BodyT, QueryT, PathT]) -> Handler[BodyT, QueryT, PathT]:
            route = Route(method.upper(), path, handler, body, query, path_params, **options)
            self.add(route)
            return handler

        return register

    # One line per verb: the signatures are those of `route`, minus the method.
    def get(
        self, path: str, *, query: type[QueryT] | None = None,
        path_params: type[PathT] | None = None, **options: Unpack[RouteOptions],
    ) -> Decorator[None, QueryT, PathT]:  # fmt: skip
        return self.route("GET", path, query=query, path_params=path_params, **options)

    def post(
        self, path: str, *, body: type[BodyT] | None = None, query: type[QueryT] | None = None,
        path_params: type[PathT] | None = None, **options: Unpack[RouteOptions],
    ) -> Decorator[BodyT, QueryT, PathT]:  # fmt: skip
        return self.route("POST", path, body=body, query=query, path_params=path_params, **options)

    def put(
        self, path: str, *, body: type[BodyT] | None = None, query: type[QueryT] | None = None,
        path_params: type[PathT] | None = None, **options: Unpack[RouteOptions],
    ) -> Decorator[BodyT, QueryT, PathT]:  # fmt: skip
        return self.route("PUT", path, body=body, query=query, path_params=path_params, **options)

    def patch(
        self, path: str, *, body: type[BodyT] | None = None, query: type[QueryT] | None = None,
        path_params: type[PathT] | None = None, **options: Unpack[RouteOptions],
    ) -> Decorator[BodyT, QueryT, PathT]:  # fmt: skip
        return self.route("PATCH", path, body=body, query=query, path_params=path_params, **options)

    def delete(
        self, path: str, *, body: type[BodyT] | None = None, query: type[QueryT] | None = None,
        path_params: type[PathT] | None = None, **options: Unpack[RouteOptions],
    ) -> Decorator[BodyT, QueryT, PathT]:  # fmt: skip
        return self.route(
            "DELETE", path, body=body, query=query, path_params=path_params, **options
        )
