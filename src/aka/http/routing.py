"""Typed routes over Starlette: declare once, validate, encode, document.

A route declares its body, query and path-parameter types as msgspec Structs; all
decoders are built when the route is compiled, so a request pays no reflection. Each
compiled route is a raw ASGI app (Starlette's `request_response` wrapper and its
per-request exception plumbing are skipped) that catches every failure itself and
hands it to its group's error renderer, so each dialect answers in its own envelope.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from typing import Any, Generic, TypedDict, TypeVar, Unpack
from urllib.parse import parse_qsl

import msgspec
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import Route as StarletteRoute
from starlette.types import Receive, Scope, Send

from aka.core.errors import AkaError, Code
from aka.http.input_rules import (
    check_declared_ints,
    check_json_body,
    check_parameters,
    require_json_media_type,
)
from aka.http.interceptors import Answer, Call, Interceptor, Proceed, bind
from aka.http.problems import (
    PROBLEM_MEDIA_TYPE,
    ErrorRenderer,
    Problem,
    ProblemDetails,
    body_too_large,
    invalid_body,
    invalid_parameter,
    problem_for_http_status,
    problem_from_error,
    render_problem,
)

__all__ = [
    "Answer",
    "Authenticate",
    "Call",
    "Handler",
    "Interceptor",
    "Proceed",
    "RawBody",
    "RequestContext",
    "Route",
    "RouteGroup",
    "compile_group",
]

log = logging.getLogger("aka.http")

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


@dataclass(frozen=True, slots=True)
class RawBody:
    """A request body that is not JSON, for the document: its media type and schema."""

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
    (422 naming it), so a caller who believes `?dry_run=true` makes a write a preview
    never loses data. A vendor door whose vendor ignores unknown parameters sets it to
    False and says so in its doc.

    For the document: `security` lists the ways to authenticate a scoped route, each a
    mapping of OpenAPI security scheme names to schemes, all of one way required
    together (the route's scopes are listed on the first); empty means the toolkit's
    `bearer`. `errors` are statuses any route of the group may answer (429 where an
    interceptor limits rates); `about` describes the group's first tag (its door).
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


def _sequence_fields(query: type[Any]) -> frozenset[str]:
    """Wire names of query fields that take repeated values (`?ns=a&ns=b`)."""
    info = msgspec.inspect.type_info(query)
    if not isinstance(info, msgspec.inspect.StructType):
        raise TypeError(f"query must be a msgspec.Struct, got {query!r}")
    seq = (
        msgspec.inspect.ListType,
        msgspec.inspect.SetType,
        msgspec.inspect.FrozenSetType,
        msgspec.inspect.VarTupleType,
    )
    names = set()
    for f in info.fields:
        kinds = f.type.types if isinstance(f.type, msgspec.inspect.UnionType) else (f.type,)
        if any(isinstance(k, seq) for k in kinds):
            names.add(f.encode_name)
    return frozenset(names)


def _query_names(query: type[Any] | None) -> frozenset[str]:
    """Wire names of the query parameters a route declares."""
    if query is None:
        return frozenset()
    return frozenset(f.encode_name for f in msgspec.structs.fields(query))


_encode = msgspec.json.Encoder().encode
_JSON = (b"content-type", b"application/json")


class _Endpoint:
    """The compiled ASGI app of one route. Everything costly is done in `__init__`."""

    def __init__(self, route: Route, group: RouteGroup, max_body_bytes: int) -> None:
        self.route = route
        self.template = group.prefix + route.path
        self.handler = route.handler
        self.status = route.status
        self.authenticate = group.authenticate
        self.render = group.error_renderer
        self.limit = route.max_body_bytes or max_body_bytes
        self.decoder = msgspec.json.Decoder(route.body) if route.body is not None else None
        self.query = route.query
        self.query_lists = _sequence_fields(route.query) if route.query is not None else None
        self.query_names = _query_names(route.query)
        self.refuse_unknown_query = group.refuse_unknown_query
        self.path_type = route.path_params
        self.interceptors = group.interceptors
        for declared in (route.body, route.query, route.path_params):
            if declared is not None:
                check_declared_ints(declared, f"{route.method} {group.prefix}{route.path}")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        try:
            if self.interceptors:
                answer: (
                    Response | tuple[bytes, list[tuple[bytes, bytes]]] | Answer
                ) = await self._intercepted(request, scope, receive)
            else:
                answer = await self._respond(request, scope, receive)
        except AkaError as error:
            answer = self.render(problem_from_error(error), request)
        except HTTPException as exc:
            problem = problem_for_http_status(exc.status_code, exc.detail, exc.headers or {})
            answer = self.render(problem, request)
        except ClientDisconnect:
            return  # nobody is left to read an answer
        except Exception:
            # The template, not the raw path, which can hold identifiers (the line
            # carries the request id to find the request by).
            log.exception("unhandled error in %s %s", scope["method"], self.template)
            answer = self.render(Problem.internal(), request)
        # Sending is outside the try: once a response has started, a failure to send
        # must not trigger a second (error) response on the same connection.
        if isinstance(answer, Response):
            await answer(scope, receive, send)
            return
        if isinstance(answer, Answer):
            status, content, headers = answer.status, answer.content, answer.headers
        else:
            status, (content, headers) = self.status, answer
        # The hot path: two ASGI messages, no Response object, no header re-parsing.
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": content})

    async def _respond(
        self, request: Request, scope: Scope, receive: Receive
    ) -> Response | tuple[bytes, list[tuple[bytes, bytes]]]:
        """The handler's answer: a Response, or the JSON bytes and headers to send."""
        auth = await self.authenticate(request, self.route) if self.authenticate else None
        scope["auth"] = auth  # Starlette's place for it; the access log takes the key id
        raw = await self._read_body(scope, receive) if self.decoder is not None else None
        return await self._handle(request, scope, auth, raw)

    async def _intercepted(self, request: Request, scope: Scope, receive: Receive) -> Answer:
        """The answer through the group's interceptors, each seeing every answer (errors
        from the handler included, already in the group's envelope)."""
        auth = await self.authenticate(request, self.route) if self.authenticate else None
        scope["auth"] = auth
        raw = await self._read_body(scope, receive) if self.decoder is not None else None

        def render(error: AkaError) -> Answer:
            return Answer.of(self.render(problem_from_error(error), request))

        call = Call(request, self.route, auth, raw, render)

        async def innermost() -> Answer:
            try:
                result = await self._handle(request, scope, auth, raw)
            except AkaError as error:
                return render(error)
            if isinstance(result, Response):
                return Answer.of(result)
            content, headers = result
            return Answer(self.status, content, headers)

        proceed: Proceed = innermost
        for interceptor in reversed(self.interceptors):
            proceed = bind(interceptor, call, proceed)
        return await proceed()

    async def _handle(
        self, request: Request, scope: Scope, auth: Any, raw: bytes | None
    ) -> Response | tuple[bytes, list[tuple[bytes, bytes]]]:
        path = None
        params = scope["path_params"]
        if params:
            check_parameters(((k, str(v)) for k, v in params.items()), "path")
        if self.path_type is not None:
            try:
                path = msgspec.convert(params, self.path_type, strict=False)
            except msgspec.ValidationError as error:
                raise invalid_parameter(error, "path") from None
        query = None
        query_string = scope["query_string"]
        if self.query is not None or query_string:
            query = self._decode_query(query_string)
        body = None
        if self.decoder is not None:
            if not raw:
                raise AkaError(Code.INVALID_INPUT, "request body is required")
            check_json_body(raw)
            try:
                body = self.decoder.decode(raw)
            except msgspec.ValidationError as error:
                raise invalid_body(error) from None
            except msgspec.DecodeError:
                raise AkaError(Code.INVALID_INPUT, "request body is not valid JSON") from None
        ctx = RequestContext(request, self.route, auth, body=body, query=query, path=path)
        result = await self.handler(ctx)
        if isinstance(result, Response):
            return result
        content = b"" if result is None else _encode(result)
        headers = [(b"content-length", str(len(content)).encode())]
        if result is not None:
            headers.append(_JSON)
        if ctx._headers:  # the context is ours; a public property would cost a call
            headers.extend(ctx._headers)
        return content, headers

    def _decode_query(self, query_string: bytes) -> Any:
        """The declared query Struct (None when the route declares none), after the
        group's rule for parameters the route does not declare."""
        lists = self.query_lists or frozenset()
        pairs = parse_qsl(query_string.decode("latin-1"), keep_blank_values=True)
        check_parameters(pairs, "query")
        data: dict[str, Any] = {}
        for key, value in pairs:
            if key not in self.query_names:
                if self.refuse_unknown_query:
                    raise AkaError(
                        Code.INVALID_INPUT, f"unknown query parameter `{key}`", field=key
                    )
                continue
            if key in lists:
                data.setdefault(key, []).append(value)
            else:
                data[key] = value
        if self.query is None:
            return None
        try:
            return msgspec.convert(data, self.query, strict=False)
        except msgspec.ValidationError as error:
            raise invalid_parameter(error, "query") from None

    async def _read_body(self, scope: Scope, receive: Receive) -> bytes:
        """The body, refusing it as soon as it is known to pass the limit, or to be
        declared as something other than JSON."""
        limit = self.limit
        content_type: str | None = None
        for name, value in scope["headers"]:
            if name == b"content-length":
                if value.isdigit() and int(value) > limit:
                    raise body_too_large(limit)
            elif name == b"content-type":
                content_type = value.decode("latin-1")
        require_json_media_type(content_type)
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                raise ClientDisconnect
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                # Stop here: a client that lies about (or omits) Content-Length must not
                # make us buffer an unbounded body.
                raise body_too_large(limit)
            chunks.append(chunk)
            if not message.get("more_body", False):
                return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def compile_group(
    group: RouteGroup, *, max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
) -> list[StarletteRoute]:
    """Starlette routes for a group, flattened (no Mount: one less hop per request)."""
    return [
        StarletteRoute(
            group.prefix + route.path,
            _Endpoint(route, group, max_body_bytes),
            methods=[route.method],
            name=route.name,
        )
        for route in group.routes
    ]
