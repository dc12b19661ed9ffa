"""Who wants to know that a workspace committed new events: the change feed's streams
and the webhook deliverer of this process (ADR 0030).

The runtime calls `committed` after each write it ran returned (the write is then
durable); a waiter takes a `ticket` *before* it reads the log, then waits on it, so a
commit between its read and its wait still wakes it. Writes made by other processes
(another worker, a replica's primary, `aka import`) are not seen here: each waiter
also polls on a short timer, the fallback this signal only makes rarely needed.

Everything here runs on the event loop (the runtime's write methods are async), so a
plain `asyncio.Event` per workspace is enough; an event is replaced once fired.
"""

from __future__ import annotations

import asyncio


class Commits:
    def __init__(self) -> None:
        self._next: dict[str, asyncio.Event] = {}
        self._any = asyncio.Event()

    def ticket(self, workspace_id: str) -> asyncio.Event:
        """Set by the next commit into `workspace_id` (take it before reading)."""
        found = self._next.get(workspace_id)
        if found is None:
            found = self._next[workspace_id] = asyncio.Event()
        return found

    def any_ticket(self) -> asyncio.Event:
        """Set by the next commit into any workspace."""
        return self._any

    def committed(self, workspace_id: str) -> None:
        """A write into `workspace_id` committed: wake whoever waits for one."""
        fired = self._next.pop(workspace_id, None)
        if fired is not None:
            fired.set()
        self._any.set()
        self._any = asyncio.Event()


async def first_of(*events: asyncio.Event, timeout: float) -> None:
    """Return when one of `events` is set or `timeout` seconds have passed."""
    waits = [asyncio.ensure_future(e.wait()) for e in events]
    try:
        await asyncio.wait(waits, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for w in waits:
            w.cancel()
