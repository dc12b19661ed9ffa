"""The change feed pushed to a stream (`GET /v1/events/stream`, ADR 0030): the events
after a cursor, as they are committed, without holding a database connection between
them.

A stream reads a page of the log (one short read, like `GET /v1/events`), hands it
on, and reads again until it is level with the log; then it waits, holding nothing,
for this process's next commit into the workspace (`Runtime.commits`), for the poll
timer (writes of other processes) or for its heartbeat. A stream follows its key's
namespace limit: each read runs as `Runtime.read` runs a request's (ADR 0026).

Streams are bounded per process (`events_stream_max`) and all end when the server
shuts down (`close`), so a stopping process does not wait for clients to leave.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from functools import partial
from typing import Final

from aka.core import namespace_scope
from aka.core.errors import AkaError, Code
from aka.core.model import Event
from aka.core.namespace_scope import NamespaceScope
from aka.core.ports import Transaction
from aka.engine.commits import first_of
from aka.engine.runtime import Runtime
from aka.service import queries

PAGE: Final = queries.EVENTS_PAGE_MAX
"""Events read at a time while a stream catches up (the polled feed's largest page)."""


@dataclass
class Feed:
    rt: Runtime
    max_streams: int
    heartbeat_seconds: float
    poll_seconds: float
    _open: int = field(default=0, init=False)
    _closing: asyncio.Event | None = field(default=None, init=False)

    @property
    def open_streams(self) -> int:
        return self._open

    def _closed(self) -> asyncio.Event:
        if self._closing is None:
            self._closing = asyncio.Event()  # of the running loop, made on first use
        return self._closing

    def admit(self) -> Slot:
        """Take one of the process's stream places, or refuse (503, retry shortly).
        The caller gives it back (`Slot.release`) when the stream's response ends,
        whether or not it ever started."""
        if self._closed().is_set():
            raise AkaError(
                Code.TOO_MANY_STREAMS,
                "the server is shutting down; reconnect (with Last-Event-ID) to another",
                details={"retry_after": 1},
            )
        if self._open >= self.max_streams:
            raise AkaError(
                Code.TOO_MANY_STREAMS,
                f"this server process holds its most event streams ({self.max_streams}, "
                "events_stream_max); retry later or poll GET /v1/events",
                details={"limit": self.max_streams, "retry_after": 5},
            )
        self._open += 1
        return Slot(self)

    def _release(self) -> None:
        self._open -= 1

    async def follow(
        self, workspace_id: str, after: int, scope: NamespaceScope
    ) -> AsyncIterator[list[Event]]:
        """Pages of new events after `after`, oldest first, for as long as the stream
        lives; an empty page when a heartbeat is due. It ends when the server shuts
        down (`close`) or the caller stops reading."""
        closing = self._closed()
        cursor = after
        beat = time.monotonic() + self.heartbeat_seconds
        while not closing.is_set():
            ticket = self.rt.commits.ticket(workspace_id)  # before the read: no gap
            with namespace_scope.acting_as(scope):
                page = await self.rt.read(workspace_id, partial(_page, cursor))
            if page:
                cursor = page[-1].seq
                beat = time.monotonic() + self.heartbeat_seconds
                yield page
                continue
            wait = min(self.poll_seconds, max(0.0, beat - time.monotonic()))
            await first_of(ticket, closing, timeout=wait)
            if time.monotonic() >= beat and not closing.is_set():
                beat = time.monotonic() + self.heartbeat_seconds
                yield []

    def close(self) -> None:
        """Shutdown: every stream ends after the page it is sending."""
        self._closed().set()


def _page(after: int, tx: Transaction) -> list[Event]:
    return tx.events(after, PAGE)


@dataclass
class Slot:
    """One admitted stream's place; `release` gives it back (once)."""

    feed: Feed
    released: bool = False

    def release(self) -> None:
        if not self.released:
            self.released = True
            self.feed._release()
