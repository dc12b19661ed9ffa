"""Braze on the wire: the `{message, errors}` envelope, API keys, bodies and limits.

Braze clients read `message` from every answer, success or not; item-level problems
ride along in `errors` as `{type, input_array, index}` without failing the request.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Final, TypeVar

import msgspec
from starlette.requests import Request
from starlette.responses import Response

from aka.core.door_namespaces import DoorNamespace
from aka.core.errors import AkaError, Code, ErrorKind
from aka.core.rates import Rate
from aka.engine.runtime import Runtime
from aka.http.authentication import principal_of
from aka.http.input_rules import check_json_body, require_json_media_type
from aka.http.interceptors import Interceptor
from aka.http.problems import Problem, body_too_large, invalid_body
from aka.http.ratelimit import default_limits, rate_limit_interceptor
from aka.http.routing import RequestContext, Route
from aka.security.auth import Principal, bearer_token
from aka.security.permissions.braze import PERMISSIONS
from aka.security.ratelimit import RateLimiter
from aka.security.ratelimit_policy import RateLimitPolicy

T = TypeVar("T")

RATE_GROUP: Final = "braze"
# Braze's documented default for the shared bucket.
DEFAULT_RATE: Final = Rate(20_000, "minute")
SHARED_BUCKET: Final = frozenset(
    {"users.delete", "users.alias.new", "users.alias.update", "users.identify", "users.merge"}
)
# Braze's documented limit of the external id migration endpoints, a bucket of their own.
EXTERNAL_IDS_GROUP: Final = "braze_external_ids"
EXTERNAL_IDS_RATE: Final = Rate(1_000, "minute")
EXTERNAL_IDS_BUCKET: Final = frozenset({"users.external_ids.rename", "users.external_ids.remove"})
UNKNOWN_KEY: Final = "Unknown or missing REST API Key"
DOOR: Final = "braze"  # an alias label is a door namespace (`namespace_aliases`, ADR 0027)


def label(alias_label: str) -> DoorNamespace:
    """An alias label as the door namespace the workspace maps onto a stored one."""
    return DoorNamespace(DOOR, alias_label)


_encode = msgspec.json.Encoder().encode
_FIELD: Final = re.compile(r"^([A-Za-z_]+)(?:\[(\d+)\])?")


class BrazeError(msgspec.Struct, omit_defaults=True):
    """Braze's error body: a message, and the offending item when one is known."""

    message: str
    errors: list[dict[str, Any]] = msgspec.field(default_factory=list)


def minor(error: AkaError | str, input_array: str, index: int) -> dict[str, Any]:
    """A non-fatal item error as Braze reports it next to `"message": "success"`."""
    text = error.message if isinstance(error, AkaError) else error
    return {"type": text, "input_array": input_array, "index": index}


def refusals(outcomes: Sequence[object], input_array: str) -> list[dict[str, Any]]:
    """The refused items of a request's outcomes, as Braze's non-fatal errors."""
    return [
        minor(outcome, input_array, n)
        for n, outcome in enumerate(outcomes)
        if isinstance(outcome, AkaError)
    ]


def render(problem: Problem, request: Request) -> Response:  # noqa: ARG001 (face signature)
    """The Braze face: the one place a stable code becomes a Braze status and body."""
    status = problem.status
    body: dict[str, Any]
    if problem.kind is ErrorKind.UNAUTHENTICATED:
        body = {"message": UNKNOWN_KEY}
    elif problem.code == Code.NAMESPACE_NOT_ALLOWED:
        # A key limited to namespaces (ADR 0026) naming an alias label outside them:
        # Braze has no such refusal; a 403 like its permission errors, saying which.
        body = {"message": problem.detail, "errors": [_fatal_item(problem)]}
    elif problem.kind is ErrorKind.FORBIDDEN:
        needed = problem.details.get("required_scope", "")
        body = {"message": f"This API key does not have the {needed} permission"}
    elif problem.kind is ErrorKind.RATE_LIMITED:
        body = {"message": "API rate limit exceeded; retry after the Retry-After seconds"}
    elif problem.code == Code.ROUTE_NOT_FOUND:
        body = {"message": "Endpoint not found"}
    elif problem.status >= 500:
        body = {"message": "Internal server error" if status == 500 else problem.detail}
    else:
        # Braze answers every refused request with 400 (413 for a body too large, 415
        # for one declared as another format than JSON; an array over its 50 items is
        # a 400 there too).
        if problem.status not in (405, 413, 415) or problem.code == Code.TOO_MANY_ITEMS:
            status = 400
        body = {"message": problem.detail, "errors": [_fatal_item(problem)]}
    headers = dict(problem.headers)
    headers.pop("WWW-Authenticate", None)
    return Response(_encode(body), status, headers, media_type="application/json")


def _fatal_item(problem: Problem) -> dict[str, Any]:
    item: dict[str, Any] = {"type": problem.detail}
    match = _FIELD.match(problem.field or "")
    if match is not None:
        item["input_array"] = match[1]
        if match[2] is not None:
            item["index"] = int(match[2])
    return item


def success(errors: list[dict[str, Any]], **counts: int) -> dict[str, Any]:
    """`{"message": "success", ...counts}`, with the minor errors when there are any."""
    answer: dict[str, Any] = {**counts, "message": "success"}
    if errors:
        answer["errors"] = errors
    return answer


# --- bodies -------------------------------------------------------------------------


async def raw_body(request: Request, limit: int) -> bytes:
    """The request body, read once and kept on the request (auth may need `api_key`)."""
    cached = getattr(request.state, "braze_body", None)
    if isinstance(cached, bytes):
        return cached
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > limit:
        raise body_too_large(limit)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise body_too_large(limit)
        chunks.append(chunk)
    body = b"".join(chunks)
    request.state.braze_body = body
    return body


async def decode(ctx: RequestContext[None, None, None], kind: type[T], limit: int) -> T:
    """The body as `kind`; Braze clients send extra fields (`api_key`), so they pass.
    The input rules every door applies (`aka.http.input_rules`) come first."""
    require_json_media_type(ctx.request.headers.get("content-type"))
    raw = await raw_body(ctx.request, limit)
    if not raw.strip():
        raise AkaError(Code.INVALID_INPUT, "Request body is required")
    check_json_body(raw)
    try:
        return msgspec.json.decode(raw, type=kind)
    except msgspec.ValidationError as error:
        raise invalid_body(error) from None
    except msgspec.DecodeError:
        raise AkaError(Code.INVALID_INPUT, "Request body is not valid JSON") from None


# --- keys and permissions -----------------------------------------------------------


def permission_of(route: Route) -> str:
    return str(route.scopes[0])


def holds(who: Principal, permission: str) -> bool:
    """A key may carry the Braze permission itself or every aka scope it stands for."""
    return permission in who.scopes or set(PERMISSIONS[permission]) <= who.scopes


def authenticator(rt: Runtime) -> Callable[[Request, Route], Awaitable[Principal]]:
    async def authenticate(request: Request, route: Route) -> Principal:
        secret = bearer_token(request.headers.get("authorization"))
        secret = secret or request.query_params.get("api_key") or None
        if secret is None:
            secret = await _body_key(request, rt.settings.max_body_bytes)
        who = await principal_of(rt, secret)
        permission = permission_of(route)
        if not holds(who, permission):
            raise AkaError(
                Code.FORBIDDEN,
                f"this key lacks the {permission} permission",
                details={"required_scope": permission},
            )
        return who

    return authenticate


async def _body_key(request: Request, limit: int) -> str | None:
    """The legacy `api_key` member of a JSON body, if any."""
    if request.method != "POST":
        return None
    raw = await raw_body(request, limit)
    try:
        check_json_body(raw)  # a body too deep to decode has no key either
        data = msgspec.json.decode(raw)
    except (msgspec.DecodeError, AkaError):
        return None
    key = data.get("api_key") if isinstance(data, dict) else None
    return key if isinstance(key, str) and key else None


def group_of(route: Route) -> str:
    """The shared bucket for Braze's five identity writes, one for its two external id
    migration routes; export reads and track writes count against the native `read`
    and `write` groups."""
    permission = permission_of(route)
    if permission in SHARED_BUCKET:
        return RATE_GROUP
    if permission in EXTERNAL_IDS_BUCKET:
        return EXTERNAL_IDS_GROUP
    return "read" if permission == "users.export.ids" else "write"


def rate_limits(rt: Runtime, limiter: RateLimiter) -> Interceptor:
    async def workspace_limits(workspace_id: str) -> dict[str, Rate]:
        return await rt.read(workspace_id, lambda tx: dict(tx.settings().rate_limits), primary=True)

    policy = RateLimitPolicy(
        {
            **default_limits(rt.settings),
            RATE_GROUP: DEFAULT_RATE,
            EXTERNAL_IDS_GROUP: EXTERNAL_IDS_RATE,
        },
        workspace_limits,
        cache_seconds=rt.settings.rate_limit_cache_seconds,
    )
    return rate_limit_interceptor(
        limiter, policy, group_of=group_of, reset_unit="s", door="braze", metrics=rt.metrics
    )


def principal(auth: Any) -> Principal:
    assert isinstance(auth, Principal)
    return auth
