"""Every request's id and its one access line (pure ASGI, in front of the router).

The id is the caller's `X-Request-Id` when it is a plausible one (1-128 visible ASCII
characters), else a new UUIDv7; it is returned in the answer's `X-Request-Id` and set
in `aka.logging.request_id` for the request's whole context, so each line logged on
its behalf (in worker threads too: they copy the context) carries it.

The access line (logger `aka.access`, INFO) holds the method, the route *template*
(`/v1/profiles/{profile_id}`, never the raw path, which can hold identifiers), the door
that answered, the status, the duration in ms and the API key's id (never its secret).
A request whose client went away before any answer (or that was cancelled) is logged
with status 499. The same fields, less the key, are what `observe` is given for the
request metrics (`aka.metrics`), whether or not the line is logged. An error that
escaped the routes after Starlette answered 500 is logged here, with its traceback
and the request id, instead of by the server.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from typing import Final

import uuid_utils
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from aka.logging import log_access, request_id

__all__ = ["Observe", "RequestLog"]

Observe = Callable[[str | None, str, str | None, int, float], None]
"""(door, method, route template, status, seconds) of each finished request."""

log = logging.getLogger("aka.access")
crash = logging.getLogger("aka.http")

HEADER: Final = b"x-request-id"
CLIENT_CLOSED: Final = 499  # nginx's convention: the client left before the answer
_PLAUSIBLE = re.compile(rb"[\x21-\x7e]{1,128}")  # no spaces or controls: no log injection


def _request_id(headers: list[tuple[bytes, bytes]]) -> str:
    for name, value in headers:
        if name == HEADER:
            if _PLAUSIBLE.fullmatch(value):
                return value.decode("ascii")
            break
    return uuid_utils.uuid7().hex


def _template(scope: Scope) -> str | None:
    """The matched route's path template (None when no route matched)."""
    route = scope.get("route")
    return getattr(route, "path", None) if route is not None else None


class RequestLog:
    """Wraps an ASGI app: request id in, request id out, one access line per request.

    `door_of(scope)` names the door whose face answers a request ("native", "braze", ...),
    or None outside every door (`/healthz`, `/docs`)."""

    def __init__(
        self, app: ASGIApp, door_of: Callable[[Scope], str | None], observe: Observe | None = None
    ) -> None:
        self.app = app
        self.door_of = door_of
        self.observe = observe

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = _request_id(scope["headers"])
        token = request_id.set(rid)
        echoed = (HEADER, rid.encode("ascii"))
        status = CLIENT_CLOSED

        async def answer(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                # A new list: a Response may be sent again (and its headers with it).
                message = {**message, "headers": [*message.get("headers", ()), echoed]}
            await send(message)

        started = time.perf_counter()
        try:
            await self.app(scope, receive, answer)
        except Exception:
            if status == CLIENT_CLOSED:  # nothing was sent: the server answers 500
                status = 500
                raise
            # Starlette answered 500 and re-raised for the server to log: logged here,
            # where the request id is still set, and not again by the server.
            crash.exception("unhandled error in %s %s", scope["method"], _template(scope))
        finally:
            seconds = time.perf_counter() - started
            if self.observe is not None:
                self.observe(
                    self.door_of(scope), scope["method"], _template(scope), status, seconds
                )
            if log.isEnabledFor(logging.INFO):
                self._log(scope, status, seconds)
            request_id.reset(token)

    def _log(self, scope: Scope, status: int, seconds: float) -> None:
        template = _template(scope)
        auth = scope.get("auth")
        fields = {
            "method": scope["method"],
            "route": template,
            "door": self.door_of(scope),
            "status": status,
            "duration_ms": round(seconds * 1000, 3),
            "key_id": getattr(auth, "key_id", None),
        }
        log_access(f"{scope['method']} {template or '(no route)'} {status}", fields)
