"""Reading PostgreSQL's cache generation for a whole process: one round trip, on the
event loop, shared by every request that arrived while it was being waited for.

Strict by construction (ADR 0021): a caller is answered only by a read that *started
after it called*. A read already on the wire when it calls may have been sent before a
revocation committed, so the caller waits for the next one, which starts the moment the
current one returns and carries everyone who called meanwhile (the pattern of
`engine/read_batch.py`). Under load one read answers many requests; alone, a request
waits one round trip, at most two.

LISTEN/NOTIFY was not used: a notification is delivered whenever the listening
connection next reads its socket, so a request arriving just after the revoking commit
could still be served from memory. Telling "no notification yet" from "nothing
happened" needs a round trip anyway, and this is that round trip.

The connection is psycopg's `AsyncConnection` on the running loop: no worker-thread hop,
and no pooled connection taken from the store's worker threads. It is opened on first
use and reopened after an error; a read that fails fails its callers (a database that
is down refuses requests, as before, rather than letting them be served from memory).
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
from collections.abc import Callable
from typing import Any

import psycopg

from aka.storage.cache_generation import READ, generation_of


class GenerationProbe:
    """`await probe.read()`: the generation, read by a statement sent after the call.
    `seen` hears each generation read, before any caller is answered."""

    def __init__(
        self, conninfo: str, connect_args: dict[str, Any], seen: Callable[[int], object]
    ) -> None:
        self._conninfo = conninfo
        self._args = connect_args
        self._seen = seen
        self._conn: psycopg.AsyncConnection[Any] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._running: asyncio.Future[int] | None = None  # the read on the wire
        self._next: asyncio.Future[int] | None = None  # callers who came after it was sent
        self._tasks: set[asyncio.Task[None]] = set()  # kept, or they may be collected

    async def read(self) -> int:
        loop = asyncio.get_running_loop()
        if loop is not self._loop:
            self._forget()  # a connection (and futures) of another, finished, loop
            self._loop = loop
        if self._running is None:
            self._running = future = loop.create_future()
            # A fresh context: its reads serve many requests and must not carry the
            # first one's (its request id), as `read_batch`'s rounds do not.
            task = loop.create_task(self._rounds(), context=contextvars.Context())
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        else:
            if self._next is None:
                self._next = loop.create_future()
            future = self._next
        # Shielded: a caller that goes away (its client hung up) must not cancel the
        # read that others wait for too.
        return await asyncio.shield(future)

    async def _rounds(self) -> None:
        while (future := self._running) is not None:
            try:
                generation = await self._select()
            except Exception as failure:  # every waiter is told; the next call tries afresh
                future.set_exception(failure)
                future.add_done_callback(_retrieved)  # no "never retrieved" noise
            except BaseException:  # cancelled (the loop is shutting down)
                for waited in (future, self._next):
                    if waited is not None:
                        waited.cancel()
                self._running = self._next = None
                raise
            else:
                self._seen(generation)
                future.set_result(generation)
            self._running, self._next = self._next, None

    async def _select(self) -> int:
        reused = self._conn is not None and not self._conn.closed
        try:
            return await self._once()
        except psycopg.OperationalError:
            self._drop()
            if not reused:
                raise
        # An idle connection the server or a proxy dropped: once more on a new one, as
        # the pool's pre-ping replaces a dead connection instead of failing a request.
        return await self._once()

    async def _once(self) -> int:
        conn = self._conn
        if conn is None or conn.closed:
            conn = self._conn = await psycopg.AsyncConnection.connect(
                self._conninfo, autocommit=True, **self._args
            )
        cursor = await conn.execute(READ, prepare=True)
        return generation_of(await cursor.fetchone())

    def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            # Closed without awaiting: libpq's own close is immediate, and there is
            # nothing in flight on a connection whose read just failed or finished.
            with contextlib.suppress(Exception):
                conn.pgconn.finish()

    def _forget(self) -> None:
        self._drop()
        self._running = self._next = None
        self._tasks.clear()

    def close(self) -> None:
        """Close the connection (sync: called from `Store.close`)."""
        self._forget()


def _retrieved(future: asyncio.Future[int]) -> None:
    future.exception()
