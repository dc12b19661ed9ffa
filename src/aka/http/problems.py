"""Errors on the wire: one value type (`Problem`) and pluggable renderers ("faces").

Every failure a route can produce (a domain `AkaError`, a validation error, an
oversize body, an unknown route, a crash) is first turned into a `Problem`; the route
group's `ErrorRenderer` then turns the `Problem` into a `Response`. The native face is
RFC 9457 `application/problem+json` (`render_problem`); vendor dialects supply their own
renderer and map `Problem.code` (a stable code, never the message) to their envelope in
that one function.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any, Final

import msgspec
from starlette.requests import Request
from starlette.responses import Response

from aka.core.errors import AkaError, Code, ErrorKind

__all__ = [
    "HTTP_ERROR",
    "INTERNAL_ERROR",
    "PROBLEM_MEDIA_TYPE",
    "ErrorRenderer",
    "Problem",
    "ProblemDetails",
    "body_too_large",
    "invalid_body",
    "invalid_parameter",
    "problem_body",
    "problem_for_http_status",
    "problem_from_error",
    "render_problem",
    "status_for_kind",
]

PROBLEM_MEDIA_TYPE: Final = "application/problem+json"
TYPE_PREFIX: Final = "urn:aka:error:"

# Not a domain `Code`: the core never produces it, only the HTTP boundary does when a
# handler crashes, so it lives here rather than in `aka.core.errors.Code`.
INTERNAL_ERROR: Final = "internal_error"
# Likewise for an HTTP status Starlette raises that is neither 404 nor 405.
HTTP_ERROR: Final = "http_error"


def status_for_kind(kind: ErrorKind) -> int:
    """The HTTP status of a domain error kind; the one place this mapping is made."""
    match kind:
        case ErrorKind.INVALID:
            return 422
        case ErrorKind.NOT_FOUND:
            return 404
        case ErrorKind.CONFLICT:
            return 409
        case ErrorKind.UNAUTHENTICATED:
            return 401
        case ErrorKind.FORBIDDEN:
            return 403
        case ErrorKind.TOO_LARGE:
            return 413
        case ErrorKind.RATE_LIMITED:
            return 429
        case ErrorKind.UNAVAILABLE:
            return 503
        case ErrorKind.UNSUPPORTED_MEDIA:
            return 415


_TITLES: Final[Mapping[ErrorKind, str]] = {
    ErrorKind.INVALID: "Invalid request",
    ErrorKind.NOT_FOUND: "Not found",
    ErrorKind.CONFLICT: "Conflict",
    ErrorKind.UNAUTHENTICATED: "Unauthenticated",
    ErrorKind.FORBIDDEN: "Forbidden",
    ErrorKind.TOO_LARGE: "Payload too large",
    ErrorKind.RATE_LIMITED: "Too many requests",
    ErrorKind.UNAVAILABLE: "Service unavailable",
    ErrorKind.UNSUPPORTED_MEDIA: "Unsupported media type",
}

# `Code.METHOD_NOT_ALLOWED` is filed under ErrorKind.INVALID in the core, but HTTP
# clients (and Allow-header handling) need a real 405, so the code overrides the kind.
_STATUS_BY_CODE: Final[Mapping[str, tuple[int, str]]] = {
    Code.METHOD_NOT_ALLOWED: (405, "Method not allowed"),
}

# Members of the problem object that `details` may not overwrite: a detail called
# `status` must never change the status a client reads.
_RESERVED: Final = frozenset({"type", "title", "status", "detail", "code", "field", "instance"})


@dataclass(frozen=True, slots=True)
class Problem:
    """A failure on its way out: what every face renders, whatever its envelope.

    `code` is the stable contract (an `aka.core.errors.Code` value or `internal_error`);
    `kind` is None for failures that are not domain errors (crash, 405).
    """

    status: int
    code: str
    title: str
    detail: str
    field: str | None = None
    details: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    headers: Mapping[str, str] = dataclasses.field(default_factory=dict)
    kind: ErrorKind | None = None

    @classmethod
    def internal(cls) -> Problem:
        """The answer to an unexpected exception: says nothing about its cause."""
        return cls(
            status=500,
            code=INTERNAL_ERROR,
            title="Internal server error",
            detail="the server failed to handle this request; it has been logged",
        )


def problem_from_error(error: AkaError) -> Problem:
    """The problem for a domain error: status and title from its kind (or code override)."""
    kind = error.kind
    status, title = _STATUS_BY_CODE.get(error.code, (status_for_kind(kind), _TITLES[kind]))
    headers: dict[str, str] = {}
    if status == 401:
        # RFC 9110 §11.6.1: a 401 must say which scheme would be accepted.
        headers["WWW-Authenticate"] = "Bearer"
    elif status in (429, 503) and isinstance(error.details.get("retry_after"), int):
        # The rate limiter reports its wait in `details`; clients honour the header.
        headers["Retry-After"] = str(error.details["retry_after"])
    return Problem(
        status=status,
        code=str(error.code),
        title=title,
        detail=error.message,
        field=error.field,
        details=error.details,
        headers=headers,
        kind=kind,
    )


def problem_for_http_status(status: int, detail: str | None, headers: Mapping[str, str]) -> Problem:
    """A problem for a bare HTTP status raised by the router (404, 405) or by Starlette."""
    if status == 404:
        return problem_from_error(AkaError(Code.ROUTE_NOT_FOUND, "no route matches this path"))
    if status == 405:
        return Problem(
            status=405,
            code=str(Code.METHOD_NOT_ALLOWED),
            title="Method not allowed",
            detail="this path does not accept this method",
            headers=dict(headers),
        )
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = "Error"
    return Problem(
        status=status,
        code=HTTP_ERROR,
        title=phrase,
        detail=detail or phrase,
        headers=dict(headers),
    )


ErrorRenderer = Callable[[Problem, Request], Response]
"""A face: turns a `Problem` into its vendor's (or our) error response."""


_encode = msgspec.json.Encoder().encode


def problem_body(problem: Problem) -> dict[str, Any]:
    """The RFC 9457 members of a problem (also embedded per item in batch answers)."""
    body: dict[str, Any] = {
        "type": TYPE_PREFIX + problem.code,
        "title": problem.title,
        "status": problem.status,
        "detail": problem.detail,
        "code": problem.code,
    }
    if problem.field is not None:
        body["field"] = problem.field
    for key, value in problem.details.items():
        if key not in _RESERVED:
            body[key] = value
    return body


def render_problem(problem: Problem, request: Request) -> Response:  # noqa: ARG001 (face signature)
    """The native face: RFC 9457 problem+json with a stable `type` per code."""
    return Response(
        _encode(problem_body(problem)),
        status_code=problem.status,
        headers=dict(problem.headers),
        media_type=PROBLEM_MEDIA_TYPE,
    )


class ProblemDetails(msgspec.Struct, omit_defaults=True):
    """RFC 9457 problem details. Extra members carry the error's `details`."""

    type: str
    title: str
    status: int
    detail: str
    code: str
    field: str | msgspec.UnsetType = msgspec.UNSET


# msgspec says "<message> - at `$.a[0].b`"; for unknown and missing fields the path is
# that of the *containing* object and the field is named in the message, so we append it.
_NAMED_FIELD = re.compile(r"Object (contains unknown|missing required) field `(.*)`$")


def _split(error: msgspec.ValidationError) -> tuple[str, str, str]:
    """(message, field path like `identifiers[0].value` or "", "unknown"/"missing"/"")."""
    message, _, at = str(error).partition(" - at `")
    path = at.removesuffix("`").removeprefix("$").removeprefix(".")
    named = _NAMED_FIELD.match(message)
    if named is None:
        return message, path, ""
    kind, name = named.groups()
    return message, f"{path}.{name}" if path else name, kind.split()[0]


# An array past the `Meta(max_length=...)` its schema declares.
_TOO_LONG = re.compile(r"Expected `array` of length <= (\d+)$")


def invalid_body(
    error: msgspec.ValidationError, hints: Mapping[str, str] | None = None
) -> AkaError:
    """A msgspec validation error in a JSON body, as `invalid_input` at the field's path
    (`too_many_items` for an array longer than its declared maximum). `hints`: for an
    unknown field a caller may well send (a body's `FIELD_HINTS`), where to go instead."""
    message, path, kind = _split(error)
    too_long = _TOO_LONG.match(message)
    if too_long is not None:
        return too_many_items(path, int(too_long[1]))
    if kind == "contains" and hints and path in hints:
        message = f"{message}: {hints[path]}"
    return AkaError(Code.INVALID_INPUT, message, field=path or None)


def invalid_parameter(error: msgspec.ValidationError, where: str) -> AkaError:
    """A msgspec validation error in query or path parameters, naming the parameter."""
    message, path, kind = _split(error)
    name = re.split(r"[.\[]", path, maxsplit=1)[0]
    if kind == "contains":
        detail = f"unknown {where} parameter `{name}`"
    elif kind == "missing":
        detail = f"missing required {where} parameter `{name}`"
    else:
        detail = f"invalid {where} parameter `{name}`: {message}"
    return AkaError(Code.INVALID_INPUT, detail, field=name or None)


def too_many_items(field: str, limit: int) -> AkaError:
    """The refusal of an array longer than its documented maximum, naming both."""
    return AkaError(
        Code.TOO_MANY_ITEMS,
        f"too many items in {field}: the maximum is {limit}",
        field=field,
        details={"limit": limit},
    )


def body_too_large(limit: int) -> AkaError:
    """The refusal of a body past `limit` bytes; the limit is named for the client."""
    return AkaError(
        Code.BODY_TOO_LARGE,
        f"request body is larger than the limit of {limit} bytes",
        details={"limit_bytes": limit},
    )
