"""`GET /v1/events/stream`: the change feed as Server-Sent Events (ADR 0030).

Each event is one SSE message: `id:` its `seq` (the cursor a client resumes from),
`event:` its type, `data:` the same JSON as an item of `GET /v1/events`. An idle
stream sends a `:` comment line every `events_stream_heartbeat_seconds`.

Where to start: the `Last-Event-ID` header when present, else `?after=`, else 0 (the
whole log). The header wins because a browser's `EventSource` reconnects to the URL
it was opened with (its `after` included) and adds the header naming the last event it
received: the later position, the one that loses nothing and repeats nothing.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any, Final

import msgspec
from starlette.responses import StreamingResponse
from starlette.types import Receive, Scope, Send

from aka.core import namespace_scope
from aka.core.errors import AkaError, Code
from aka.engine.feed import Feed, Slot
from aka.http.input_rules import INT64_MAX, NonNegativeInt64
from aka.http.native.common import principal
from aka.http.native.schemas import _In, event_out
from aka.http.routing import RawBody, RequestContext, RouteGroup
from aka.security.keys import Scope as KeyScope

MEDIA_TYPE: Final = "text/event-stream"
_encode = msgspec.json.Encoder().encode

STREAM_BODY: Final = RawBody(
    MEDIA_TYPE,
    {
        "type": "string",
        "description": "Server-Sent Events. Each event: `id: <seq>`, `event: <type>`, "
        "`data: <one JSON object, as an item of GET /v1/events>`, then a blank line. "
        "Idle: a `: heartbeat` comment line every `events_stream_heartbeat_seconds`.",
    },
)


class StreamQuery(_In):
    after: NonNegativeInt64 | None = None


class EventStreamResponse(StreamingResponse):
    """A stream that gives its place back when its response ends, however it ends
    (also when the client left before the first byte, when the body never starts)."""

    def __init__(self, body: AsyncIterator[bytes], slot: Slot) -> None:
        super().__init__(
            body,
            media_type=MEDIA_TYPE,
            # No cache may keep it and no proxy (nginx: X-Accel-Buffering) may hold it
            # back: each message must reach the client as it is sent.
            headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
        )
        self.slot = slot

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            self.slot.release()


def start_after(after: int | None, last_event_id: str | None) -> int:
    """The cursor a stream starts from: `Last-Event-ID` wins over `after` (module doc)."""
    if last_event_id is None:
        return after or 0
    text = last_event_id.strip()
    if not text.isascii() or not text.isdigit() or int(text) > INT64_MAX:
        raise AkaError(
            Code.INVALID_INPUT,
            f"Last-Event-ID must be an event seq: a whole number from 0 to {INT64_MAX}",
            field="Last-Event-ID",
        )
    return int(text)


def register(group: RouteGroup, feed: Feed) -> None:
    @group.get(
        "/events/stream",
        query=StreamQuery,
        raw_response=STREAM_BODY,
        scopes=(KeyScope.READ,),
        errors=(503,),
        tags=("history",),
        summary="The change feed, pushed (Server-Sent Events)",
        description="Every event after the cursor, oldest first, then each new one as it is "
        "committed. Starts after `Last-Event-ID` when that header is sent (a reconnecting "
        "`EventSource` sends it), else after `after`, else from the first event. Events are "
        "shown as `GET /v1/events` shows them (a key limited to namespaces sees them "
        "redacted). 503 `too_many_streams` when the server process holds "
        "`events_stream_max` streams.",
    )
    async def event_stream(ctx: RequestContext[None, StreamQuery, None]) -> EventStreamResponse:
        after = start_after(ctx.query.after, ctx.request.headers.get("last-event-id"))
        workspace_id = principal(ctx.auth).workspace_id
        scope = namespace_scope.current()
        slot = feed.admit()
        return EventStreamResponse(_messages(feed, workspace_id, after, scope), slot)


async def _messages(
    feed: Feed, workspace_id: str, after: int, scope: namespace_scope.NamespaceScope
) -> AsyncIterator[bytes]:
    # A first line at once: the client (and any proxy) sees the stream is open.
    yield f": events after {after}\n\n".encode()
    async for page in feed.follow(workspace_id, after, scope):
        if not page:
            yield b": heartbeat\n\n"
            continue
        yield b"".join(_message(event_out(e)) for e in page)


def _message(item: Any) -> bytes:
    return b"id: %d\nevent: %s\ndata: %s\n\n" % (item.seq, item.type.encode(), _encode(item))
