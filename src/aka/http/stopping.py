"""Hearing that the server process is asked to stop before the server says so.

granian (like most ASGI servers) stops a worker by waiting for its open requests to
finish, and runs the app's lifespan shutdown only after that. An event stream never
finishes by itself, so a worker holding one would wait for its client to leave: a
`SIGTERM` took as long as the client stayed (measured: until curl's own 30 s timeout).

`on_stop_signal` adds a Python-level handler for SIGINT and SIGTERM that calls back on
the event loop, then calls the handler it replaced. The event loop's own handlers (the
server's: asyncio dispatches them from its wakeup fd, not from this handler) still run,
so the server stops as before, and the streams end first.
"""

from __future__ import annotations

import asyncio
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


@contextmanager
def on_stop_signal(callback: Callable[[], None]) -> Iterator[None]:
    """Within the block, `callback()` runs on this event loop when the process gets
    SIGINT or SIGTERM. Only the main thread may set signal handlers: elsewhere (a test
    client's thread) it does nothing, and the lifespan's shutdown is the only signal."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    loop = asyncio.get_running_loop()
    replaced: dict[signal.Signals, Any] = {}
    for sig in STOP_SIGNALS:
        previous = signal.getsignal(sig)
        replaced[sig] = previous

        def handler(signum: int, frame: FrameType | None, previous: Any = previous) -> None:
            loop.call_soon_threadsafe(callback)
            if callable(previous):
                previous(signum, frame)

        signal.signal(sig, handler)
    try:
        yield
    finally:
        for stopped, previous in replaced.items():
            signal.signal(stopped, previous)
