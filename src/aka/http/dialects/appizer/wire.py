"""Appizer on the wire: `{error, message, code, details}` errors and bearer keys."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any, Final

import msgspec
from starlette.requests import Request
from starlette.responses import Response

from aka.core.errors import AkaError, Code, ErrorKind
from aka.engine.runtime import Runtime
from aka.http.authentication import principal_of
from aka.http.problems import INTERNAL_ERROR, Problem
from aka.http.routing import Route
from aka.security.auth import Principal, bearer_token, require_scopes
from aka.security.keys import hash_secret

_encode = msgspec.json.Encoder().encode

_ERROR_NAMES: Final = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    413: "Payload Too Large",
    415: "Unsupported Media Type",
    429: "Too Many Requests",
    500: "Internal Server Error",
    503: "Service Unavailable",
}
_MISSING = re.compile(r"missing required field|is required", re.IGNORECASE)
_TYPE = re.compile(r"^Expected `|must be a string|not a string", re.IGNORECASE)


class AppizerError(msgspec.Struct):
    """Appizer's error body."""

    error: str
    message: str
    code: str
    details: dict[str, Any]


def render(problem: Problem, request: Request) -> Response:  # noqa: ARG001 (face signature)
    """The Appizer face: the one place a stable code becomes an Appizer status and code."""
    status = 400 if problem.kind is ErrorKind.INVALID and problem.status == 422 else problem.status
    details: dict[str, Any] = {k: v for k, v in problem.details.items() if k != "reason"}
    if problem.field is not None:
        details["field"] = problem.field
    body = {
        "error": _ERROR_NAMES.get(status, "Error"),
        "message": problem.detail,
        "code": _code(problem),
        "details": details,
    }
    return Response(_encode(body), status, dict(problem.headers), media_type="application/json")


def _code(problem: Problem) -> str:
    code, reason = problem.code, problem.details.get("reason")
    if code == INTERNAL_ERROR or problem.status == 500:
        return "INTERNAL_ERROR"
    if problem.kind is ErrorKind.UNAUTHENTICATED:
        return {"missing": "MISSING_AUTH", "revoked": "REVOKED_API_KEY"}.get(
            str(reason), "INVALID_API_KEY"
        )
    if problem.kind is ErrorKind.INVALID and code != Code.METHOD_NOT_ALLOWED:
        if _MISSING.search(problem.detail):
            return "MISSING_FIELD"
        return "INVALID_TYPE" if _TYPE.search(problem.detail) else "INVALID_REQUEST"
    named: dict[str, str] = {
        Code.FORBIDDEN: "INSUFFICIENT_PERMISSIONS",
        Code.PROFILE_NOT_FOUND: "USER_NOT_FOUND",
        Code.IDENTIFIER_NOT_FOUND: "ALIAS_NOT_FOUND",
        Code.ROUTE_NOT_FOUND: "NOT_FOUND",
        Code.IDENTIFIER_CONFLICT: "CIRCULAR_ALIAS" if reason == "circular" else "ALIAS_CONFLICT",
        Code.EXTERNAL_ID_CONFLICT: "USER_CONFLICT",
        Code.RATE_LIMITED: "RATE_LIMIT_EXCEEDED",
        Code.BODY_TOO_LARGE: "PAYLOAD_TOO_LARGE",
        Code.METHOD_NOT_ALLOWED: "METHOD_NOT_ALLOWED",
        Code.STORE_BUSY: "SERVICE_UNAVAILABLE",
    }
    return named.get(code, "CONFLICT" if problem.kind is ErrorKind.CONFLICT else code.upper())


def authenticator(rt: Runtime) -> Callable[[Request, Route], Awaitable[Principal]]:
    """Bearer keys; Appizer tells a missing, an unknown and a revoked key apart."""

    async def authenticate(request: Request, route: Route) -> Principal:
        secret = bearer_token(request.headers.get("authorization"))
        try:
            who = await principal_of(rt, secret)
        except AkaError as error:
            raise await _why(rt, secret, error) from None
        require_scopes(who, route.scopes)
        return who

    return authenticate


async def _why(rt: Runtime, secret: str | None, error: AkaError) -> AkaError:
    if secret is None:
        reason, message = "missing", "Missing API key: send 'Authorization: Bearer <key>'"
    else:
        record = await rt.call(rt.store.key_by_hash, hash_secret(secret))
        revoked = record is not None and record.revoked_at is not None
        reason = "revoked" if revoked else "invalid"
        message = "This API key has been revoked" if revoked else "Invalid API key"
    return AkaError(error.code, message, field=error.field, details={"reason": reason})


def principal(auth: Any) -> Principal:
    assert isinstance(auth, Principal)
    return auth
