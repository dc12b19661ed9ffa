"""aka's error answers as typed exceptions.

Every error aka answers on the native API is an RFC 9457 problem (`application/problem+json`)
with a stable `code` and, when one input is at fault, the `field` it names
(docs/errors.md lists the codes). A generated call never returns one: `raise_for_problem`
raises it as the `ProblemError` subclass for its status, carrying the code, the field and every
other member the problem holds (`owner`, `limit`, ...).
"""

from __future__ import annotations

import email.utils
import json
import time
from typing import Any, ClassVar

import httpx

__all__ = [
    "ConflictError",
    "ForbiddenError",
    "NotFoundError",
    "ProblemError",
    "RateLimitedError",
    "RetryLaterError",
    "ServerError",
    "TooLargeError",
    "UnauthenticatedError",
    "UnavailableError",
    "UnprocessableError",
    "UnsupportedMediaTypeError",
    "raise_for_problem",
    "retry_after",
]

_STANDARD = frozenset({"type", "title", "status", "detail", "code", "field"})


class ProblemError(Exception):
    """aka refused a request. `code` is the stable error code (`identifier_conflict`,
    `too_many_items`, ...), `field` the input at fault or None, `extra` the problem's
    other members. An error answer that is not a problem (a proxy's 502 page) has the
    code `http_<status>` and its text as `detail`."""

    status_code: ClassVar[int | None] = None  # the status a subclass stands for

    def __init__(
        self,
        status: int,
        code: str,
        detail: str,
        *,
        field: str | None = None,
        title: str = "",
        type: str = "about:blank",  # RFC 9457 names the member `type`
        extra: dict[str, Any] | None = None,
        response: httpx.Response | None = None,
    ) -> None:
        self.status = status
        self.code = code
        self.detail = detail
        self.field = field
        self.title = title
        self.type = type
        self.extra: dict[str, Any] = dict(extra or {})
        self.response = response
        where = f" (field {field})" if field else ""
        super().__init__(f"{status} {code}: {detail}{where}")


class UnauthenticatedError(ProblemError):
    """401: no key, or a key aka does not know."""

    status_code = 401


class ForbiddenError(ProblemError):
    """403: the key lacks a scope the route needs."""

    status_code = 403


class NotFoundError(ProblemError):
    """404: no such profile, identifier, merge, key or job."""

    status_code = 404


class ConflictError(ProblemError):
    """409: the graph's rules refuse the change (`identifier_conflict`, a merge that
    needs `force`, ...); `extra` names what is in the way (`owner`)."""

    status_code = 409


class TooLargeError(ProblemError):
    """413: a body or an array over its limit (`extra["limit"]`)."""

    status_code = 413


class UnsupportedMediaTypeError(ProblemError):
    """415: a body declared as anything but JSON."""

    status_code = 415


class UnprocessableError(ProblemError):
    """422: input that breaks a rule (`invalid_input`, `idempotency_key_reused`, ...)."""

    status_code = 422


class RetryLaterError(ProblemError):
    """A refusal that did nothing and may be sent again (429, 503), raised after the
    client's own retries: `retry_after` is the seconds aka asked to wait, if it said."""

    @property
    def retry_after(self) -> float | None:
        return retry_after(self.response) if self.response is not None else None


class RateLimitedError(RetryLaterError):
    """429: the key's rate limit for this kind of request is spent."""

    status_code = 429


class UnavailableError(RetryLaterError):
    """503 (`store_busy`: nothing was changed)."""

    status_code = 503


class ServerError(ProblemError):
    """Any other 5xx."""


_BY_STATUS: dict[int, type[ProblemError]] = {
    cls.status_code: cls
    for cls in (
        UnauthenticatedError,
        ForbiddenError,
        NotFoundError,
        ConflictError,
        TooLargeError,
        UnsupportedMediaTypeError,
        UnprocessableError,
        RateLimitedError,
        UnavailableError,
    )
    if cls.status_code is not None
}


def _problem_class(status: int) -> type[ProblemError]:
    found = _BY_STATUS.get(status)
    if found is not None:
        return found
    return ServerError if status >= 500 else ProblemError


def raise_for_problem(response: httpx.Response) -> None:
    """Raise the typed `ProblemError` for an error answer (status >= 400); return otherwise."""
    if response.status_code < 400:
        return
    response.read()
    body = _json_object(response)
    cls = _problem_class(response.status_code)
    if body is None or not isinstance(body.get("code"), str):
        raise cls(
            response.status_code,
            f"http_{response.status_code}",
            response.text[:500] or response.reason_phrase,
            response=response,
        )
    raise cls(
        response.status_code,
        body["code"],
        str(body.get("detail", "")),
        field=body["field"] if isinstance(body.get("field"), str) else None,
        title=str(body.get("title", "")),
        type=str(body.get("type", "about:blank")),
        extra={k: v for k, v in body.items() if k not in _STANDARD},
        response=response,
    )


def _json_object(response: httpx.Response) -> dict[str, Any] | None:
    try:
        body = json.loads(response.content)
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def retry_after(response: httpx.Response) -> float | None:
    """Seconds the answer's `Retry-After` asks to wait (delta-seconds or an HTTP date),
    or None when it has none or none that parses."""
    raw = response.headers.get("retry-after", "").strip()
    if not raw:
        return None
    if raw.isdigit():
        return float(raw)
    try:
        when = email.utils.parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())
