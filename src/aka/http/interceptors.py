"""Interceptors: code that runs around every handler of a route group.

They see the finished answer (a handler's error already rendered in the group's own
envelope), so cross-cutting concerns such as rate-limit headers and idempotent replays
live in one place for every face.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from aka.core.errors import AkaError

if TYPE_CHECKING:
    from aka.http.routing import Route


@dataclass(slots=True)
class Answer:
    """A finished answer on its way out, as interceptors see and may amend it.

    `streamed`: a response whose body is sent as it is made (an event stream), which
    no interceptor can hold whole; they see its status and amend its headers, and
    `content` is empty."""

    status: int
    content: bytes
    headers: list[tuple[bytes, bytes]]
    streamed: StreamingResponse | None = None

    @classmethod
    def of(cls, response: Response) -> Answer:
        if isinstance(response, StreamingResponse):
            return cls(response.status_code, b"", list(response.raw_headers), response)
        return cls(response.status_code, bytes(response.body), list(response.raw_headers))

    def add_header(self, name: str, value: str) -> None:
        self.headers.append((name.lower().encode("latin-1"), value.encode("latin-1")))


@dataclass(frozen=True, slots=True)
class Call:
    """What an interceptor knows of a request: the raw body (None when the route takes
    none), the authentication result, how to answer an error in the group's face, and
    whether the request is a dry run (ADR 0023: its work will be rolled back)."""

    request: Request
    route: Route
    auth: Any
    body: bytes | None
    render: Callable[[AkaError], Answer]
    dry_run: bool = False


Proceed = Callable[[], Awaitable[Answer]]
Interceptor = Callable[[Call, Proceed], Awaitable[Answer]]
"""Runs around a route's handler, after authentication: may answer itself (an error
via `call.render`), or call `proceed()` and amend what comes back (headers)."""


def bind(interceptor: Interceptor, call: Call, proceed: Proceed) -> Proceed:
    async def bound() -> Answer:
        return await interceptor(call, proceed)

    return bound
