"""Mimecast's wire shapes: the `{meta, data, fail}` envelope and its error codes.

Every answer, success or failure, is the envelope; a failed item is a `fail` entry
`{key: <the item>, errors: [{code, message, retryable}]}` under HTTP 200 (the
`mimecast-api` client reads `fail`, not the status). `render_error` is this face's one
mapping from aka's stable codes to Mimecast's.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Final

import msgspec
from starlette.requests import Request
from starlette.responses import Response

from aka.core.errors import AkaError, Code
from aka.http.problems import Problem

_encode = msgspec.json.Encoder().encode

INVALID_SIGNATURE: Final = ("err_xdk_invalid_signature", "0004 Invalid Signature")

# aka code -> Mimecast code. Mimecast documents only the signature error; the others
# are ours, in its `err_` style (docs/dialects/mimecast.md lists them).
_CODES: Final[Mapping[str, str]] = {
    Code.EMAIL_INVALID: "err_validation_email_invalid",
    Code.INVALID_INPUT: "err_validation_invalid",
    Code.VALUE_INVALID: "err_validation_invalid",
    Code.VALUE_BLOCKED: "err_validation_blocked_value",
    Code.IDENTIFIER_NOT_FOUND: "err_address_not_found",
    Code.IDENTIFIER_CONFLICT: "err_address_exists",
    Code.NAMESPACE_LIMIT: "err_alias_limit_reached",
    Code.FORBIDDEN: "err_xdk_forbidden",
    Code.NAMESPACE_NOT_ALLOWED: "err_xdk_forbidden",
    Code.RATE_LIMITED: "err_xdk_rate_limited",
    Code.BODY_TOO_LARGE: "err_xdk_request_too_large",
    Code.UNSUPPORTED_MEDIA_TYPE: "err_xdk_unsupported_media_type",
    Code.TOO_MANY_OPERATIONS: "err_xdk_request_too_large",
    Code.TOO_MANY_ITEMS: "err_xdk_request_too_large",
    Code.ROUTE_NOT_FOUND: "err_xdk_route_not_found",
    Code.METHOD_NOT_ALLOWED: "err_xdk_method_not_allowed",
    Code.STORE_BUSY: "err_xdk_service_busy",
    Code.WORKSPACE_NOT_FOUND: "err_xdk_invalid_signature",
}
_RETRYABLE: Final = frozenset({Code.RATE_LIMITED, Code.STORE_BUSY, "internal_error"})


ITEMS_MAX: Final = 500
"""Items per request (ours: Mimecast documents none); a longer `data` is refused whole
while decoding, 413 `err_xdk_request_too_large`."""


class Envelope(msgspec.Struct):
    """A request body: `{"data": [item, ...]}` (other members ignored, as Mimecast does)."""

    data: Annotated[
        list[Any], msgspec.Meta(max_length=ITEMS_MAX, description=f"At most {ITEMS_MAX} items.")
    ] = msgspec.field(default_factory=list)


class ErrorOut(msgspec.Struct):
    code: str
    message: str
    retryable: bool


class FailOut(msgspec.Struct, omit_defaults=True):
    errors: list[ErrorOut]
    key: Any = None


class MetaOut(msgspec.Struct):
    status: int


class EnvelopeOut(msgspec.Struct):
    """Every answer of this door."""

    meta: MetaOut
    data: list[Any]
    fail: list[FailOut]


def error_out(code: str, message: str) -> ErrorOut:
    if code == Code.UNAUTHENTICATED:
        return ErrorOut(*INVALID_SIGNATURE, False)
    return ErrorOut(_CODES.get(code, f"err_{code}"), message, code in _RETRYABLE)


def item_failure(item: Any, error: AkaError) -> FailOut:
    return FailOut([error_out(error.code, error.message)], item)


def envelope(data: list[Any], fail: list[FailOut]) -> EnvelopeOut:
    return EnvelopeOut(MetaOut(200), data, fail)


def render_error(problem: Problem, request: Request) -> Response:  # noqa: ARG001 (face signature)
    """A request-level failure in the envelope: 401 (any signature failure, one answer
    so a caller learns nothing about which part was wrong), 403, 429, 413, 400 (bad JSON
    or input: Mimecast has no 422), 404, 500."""
    status = 400 if problem.status == 422 else problem.status
    body = EnvelopeOut(MetaOut(status), [], [FailOut([error_out(problem.code, problem.detail)])])
    headers = {k: v for k, v in problem.headers.items() if k.lower() != "www-authenticate"}
    if status == 401:
        headers["WWW-Authenticate"] = "MC"
    return Response(_encode(body), status, headers, media_type="application/json")
