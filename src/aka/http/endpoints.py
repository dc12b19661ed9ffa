"""Compiling a declared route group into raw ASGI endpoints (`compile_group`).

Each compiled route is a raw ASGI app (Starlette's `request_response` wrapper and its
per-request exception plumbing are skipped) that decodes and checks the request with
decoders built once here, calls the handler, encodes its answer, and catches every
failure itself, handing it to its group's error renderer, so each door answers in its
own envelope. The declarations themselves are `aka.http.routing`.
"""

from __future__ import annotations

import contextlib
import logging
from typing import Any
from urllib.parse import parse_qsl

import msgspec
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import Route as StarletteRoute
from starlette.types import Receive, Scope, Send

from aka.core import consistency, namespace_scope
from aka.core.errors import AkaError, Code
from aka.core.namespace_scope import UNLIMITED, NamespaceScope
from aka.http import consistency as seqs
from aka.http.input_rules import (
    check_declared_ints,
    check_json_body,
    check_parameters,
    require_json_media_type,
)
from aka.http.interceptors import Answer, Call, Proceed, bind
from aka.http.problems import (
    Problem,
    body_too_large,
    invalid_body,
    invalid_parameter,
    problem_for_http_status,
    problem_from_error,
)
from aka.http.routing import (
    DEFAULT_MAX_BODY_BYTES,
    RequestContext,
    Route,
    RouteGroup,
)
from aka.security.auth import Principal

__all__ = ["compile_group"]

log = logging.getLogger("aka.http")


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

DRY_RUN: str = "dry_run"
DRY_RUN_HEADER = (b"aka-dry-run", b"true")
_DRY_RUN_SCOPE = "aka.dry_run"  # set in the ASGI scope of a request that is a dry run


class _DryRunQuery(msgspec.Struct):
    dry_run: bool = False


class _DryRunBody(msgspec.Struct):
    """A body's `dry_run` member, read before the interceptors (the idempotency one must
    know); every other member is skipped here and checked by the body's own decoder."""

    dry_run: bool = False


def _body_fields(body: type[Any] | None) -> frozenset[str]:
    if body is None:
        return frozenset()
    return frozenset(f.encode_name for f in msgspec.structs.fields(body))


def query_pairs(query: str) -> list[tuple[str, str]]:
    """`parse_qsl(query, keep_blank_values=True)`, without its decoding work when there
    is nothing to decode (no `%` escape, no `+`): every resolve's query is parsed, and
    `parse_qsl` cost several µs of a read whose budget is tens (docs/performance.md)."""
    if "%" in query or "+" in query:
        return parse_qsl(query, keep_blank_values=True)
    pairs = []
    for part in query.split("&"):
        if part:
            name, _, value = part.partition("=")
            pairs.append((name, value))
    return pairs


class _Endpoint:
    """The compiled ASGI app of one route. Everything costly is done in `__init__`."""

    def __init__(
        self, route: Route, group: RouteGroup, max_body_bytes: int, recent: seqs.RecentWrites
    ) -> None:
        self.route = route
        self.recent = recent
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
        self.preview = group.preview if route.dry_run else None
        if route.dry_run and group.preview is None:
            raise ValueError(f"{route.method} {self.template}: dry_run needs the group's preview")
        self.dry_body = route.dry_run and DRY_RUN in _body_fields(route.body)
        for declared in (route.body, route.query, route.path_params):
            if declared is not None:
                check_declared_ints(declared, f"{route.method} {group.prefix}{route.path}")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # The request's read floor and write sequence (`aka.http.consistency`), for the
        # length of the request only; so is its key's namespace limit (set once the key
        # is known: `_namespaces`).
        token = namespace_scope.begin()  # a token, not a context manager: the hot path
        try:
            with consistency.for_request() as state:
                await self._call(scope, receive, send, state)
        finally:
            namespace_scope.end(token)

    async def _call(
        self, scope: Scope, receive: Receive, send: Send, state: consistency.Consistency
    ) -> None:
        request = Request(scope, receive)
        try:
            if self.interceptors:
                answer: (
                    Response | tuple[bytes, list[tuple[bytes, bytes]]] | Answer
                ) = await self._intercepted(request, scope, receive, state)
            else:
                answer = await self._respond(request, scope, receive, state)
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
        if scope.get(_DRY_RUN_SCOPE):
            _mark_dry_run(answer)
        # Sending is outside the try: once a response has started, a failure to send
        # must not trigger a second (error) response on the same connection.
        if isinstance(answer, Response):
            await answer(scope, receive, send)
            return
        if isinstance(answer, Answer):
            if answer.streamed is not None:  # its headers as the interceptors left them
                answer.streamed.raw_headers = answer.headers
                await answer.streamed(scope, receive, send)
                return
            status, content, headers = answer.status, answer.content, answer.headers
        else:
            status, (content, headers) = self.status, answer
        # The hot path: two ASGI messages, no Response object, no header re-parsing.
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": content})

    async def _respond(
        self, request: Request, scope: Scope, receive: Receive, state: consistency.Consistency
    ) -> Response | tuple[bytes, list[tuple[bytes, bytes]]]:
        """The handler's answer: a Response, or the JSON bytes and headers to send."""
        auth = await self.authenticate(request, self.route) if self.authenticate else None
        scope["auth"] = auth  # Starlette's place for it; the access log takes the key id
        seqs.begin(state, scope, auth, self.recent)
        namespace_scope.enter(_namespaces(auth))
        raw = await self._read_body(scope, receive) if self.decoder is not None else None
        self._note_dry_run(scope, raw)
        return await self._handle(request, scope, auth, raw, state)

    async def _intercepted(
        self, request: Request, scope: Scope, receive: Receive, state: consistency.Consistency
    ) -> Answer:
        """The answer through the group's interceptors, each seeing every answer (errors
        from the handler included, already in the group's envelope)."""
        auth = await self.authenticate(request, self.route) if self.authenticate else None
        scope["auth"] = auth
        seqs.begin(state, scope, auth, self.recent)
        namespace_scope.enter(_namespaces(auth))
        raw = await self._read_body(scope, receive) if self.decoder is not None else None
        dry_run = self._note_dry_run(scope, raw)

        def render(error: AkaError) -> Answer:
            return Answer.of(self.render(problem_from_error(error), request))

        call = Call(request, self.route, auth, raw, render, dry_run)

        async def innermost() -> Answer:
            try:
                result = await self._handle(request, scope, auth, raw, state)
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
        self,
        request: Request,
        scope: Scope,
        auth: Any,
        raw: bytes | None,
        state: consistency.Consistency,
    ) -> Response | tuple[bytes, list[tuple[bytes, bytes]]]:
        ctx = self._context(request, scope, auth, raw)
        if self.preview is not None and scope.get(_DRY_RUN_SCOPE):
            return await self._preview(ctx, auth)
        result = await self.handler(ctx)
        # Here, inside the interceptors: an idempotent replay keeps the first answer's.
        seq = seqs.finish(state, auth, self.recent)
        if seq is not None:
            stamp = (seqs.SEQ_NAME, seq)
            if isinstance(result, Response):
                result.raw_headers.append(stamp)
            else:
                ctx._headers = [*(ctx._headers or ()), stamp]
        if isinstance(result, Response):
            return result
        content = b"" if result is None else _encode(result)
        headers = [(b"content-length", str(len(content)).encode())]
        if result is not None:
            headers.append(_JSON)
        if ctx._headers:  # the context is ours; a public property would cost a call
            headers.extend(ctx._headers)
        return content, headers

    def _note_dry_run(self, scope: Scope, raw: bytes | None) -> bool:
        """Whether the request asks for a dry run (`?dry_run=true`, or a true `dry_run`
        member of a body that declares one), noted in its scope. Known before the
        interceptors run, since idempotency treats a dry run apart."""
        if self.preview is None:
            return False
        query_string = scope["query_string"]
        asked = False
        if DRY_RUN.encode() in query_string:
            given = {k: v for k, v in query_pairs(query_string.decode("latin-1")) if k == DRY_RUN}
            try:
                asked = msgspec.convert(given, _DryRunQuery, strict=False).dry_run
            except msgspec.ValidationError as error:
                raise invalid_parameter(error, "query") from None
        if not asked and self.dry_body and raw and b'"dry_run"' in raw:
            # Not a valid body: its own decoder says why, naming the field.
            with contextlib.suppress(msgspec.ValidationError, msgspec.DecodeError):
                asked = msgspec.json.decode(raw, type=_DryRunBody).dry_run
        if asked:
            scope[_DRY_RUN_SCOPE] = True
        return asked

    async def _preview(self, ctx: RequestContext[Any, Any, Any], auth: Any) -> Response:
        """The handler's answer as a dry run: run inside the group's preview (its writes
        rolled back), with the `dry_run` member added to the JSON object it answers. A
        real answer without a body (204) becomes 200 with that member alone, since a 204
        cannot carry one; the member's `status` says what the real call answers."""
        assert self.preview is not None
        async with self.preview(auth) as describe:
            result = await self.handler(ctx)
        if isinstance(result, Response):
            status, content = result.status_code, bytes(result.body)
        else:
            status, content = self.status, b"" if result is None else _encode(result)
        answer: dict[str, Any] = msgspec.json.decode(content) if content else {}
        answer[DRY_RUN] = describe(status)
        response = Response(
            _encode(answer), status_code=status if content else 200, media_type=_JSON[1].decode()
        )
        response.raw_headers.extend(ctx._headers or ())
        return response

    def _context(
        self, request: Request, scope: Scope, auth: Any, raw: bytes | None
    ) -> RequestContext[Any, Any, Any]:
        """The handler's context: path, query and body decoded and checked."""
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
                raise invalid_body(error, getattr(self.route.body, "FIELD_HINTS", None)) from None
            except msgspec.DecodeError:
                raise AkaError(Code.INVALID_INPUT, "request body is not valid JSON") from None
        return RequestContext(request, self.route, auth, body=body, query=query, path=path)

    def _decode_query(self, query_string: bytes) -> Any:
        """The declared query Struct (None when the route declares none), after the
        group's rule for parameters the route does not declare."""
        lists = self.query_lists or frozenset()
        pairs = query_pairs(query_string.decode("latin-1"))
        check_parameters(pairs, "query")
        data: dict[str, Any] = {}
        for key, value in pairs:
            if key == DRY_RUN and self.preview is not None:
                continue  # read before the interceptors (`_note_dry_run`)
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


def _mark_dry_run(answer: Response | tuple[bytes, list[tuple[bytes, bytes]]] | Answer) -> None:
    """Every answer of a dry run says so, a refusal's as much as a success's."""
    if isinstance(answer, Response):
        answer.raw_headers.append(DRY_RUN_HEADER)
    elif isinstance(answer, Answer):
        answer.headers.append(DRY_RUN_HEADER)
    else:
        answer[1].append(DRY_RUN_HEADER)


def compile_group(
    group: RouteGroup,
    *,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    recent: seqs.RecentWrites | None = None,
) -> list[StarletteRoute]:
    """Starlette routes for a group, flattened (no Mount: one less hop per request).
    `recent`: the process's memory of each key's latest write (`aka.http.consistency`),
    shared by every group of an app."""
    recent = recent if recent is not None else seqs.RecentWrites()
    return [
        StarletteRoute(
            group.prefix + route.path,
            _Endpoint(route, group, max_body_bytes, recent),
            methods=[route.method],
            name=route.name,
        )
        for route in group.routes
    ]


def _namespaces(auth: Any) -> NamespaceScope:
    """The namespaces the request's key may use (ADR 0026): what every read and write of
    the request is held to, on every door (the engine applies it)."""
    return auth.namespaces if isinstance(auth, Principal) else UNLIMITED
