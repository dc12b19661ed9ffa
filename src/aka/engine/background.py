"""Loops that run beside the server in every `aka serve` process (the job worker, the
housekeeper): a blocking step in a worker thread (store calls block), a pause between
steps, and failures told apart from load.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

import anyio
import anyio.to_thread

from aka.core.errors import AkaError, Code


class Backoff:
    """A loop's consecutive failures, as episodes. The first failure of a kind logs one
    line: a busy store its cause and no traceback (it is expected load), anything else
    its traceback, once. Each retry then waits twice as long as the one before, up to
    `most`; the first success ends the episode.

    Why: while an `aka import` held SQLite's write lock, the job worker logged every
    retry with its ~450-line chained traceback: 2,777 lines in 60 s (issue 12); and
    rendering one held the event loop ~2 s during a 10,000-member Coveo push on
    PostgreSQL.
    """

    def __init__(self, log: logging.Logger, what: str, first: float, most: float) -> None:
        self.log, self.what = log, what
        self.first, self.most = first, most
        self._kind: str | None = None  # what the episode under way is failing with
        self._delay = first

    def failed(self, error: Exception) -> float:
        """Note a failure (logged when it starts an episode); seconds to wait before
        trying again."""
        busy = isinstance(error, AkaError) and error.code is Code.STORE_BUSY
        kind = "busy" if busy else type(error).__qualname__
        if kind == self._kind:
            self._delay = min(self._delay * 2, self.most)
            return self._delay
        self._kind, self._delay = kind, self.first
        quiet = f"Retrying with back-off (at most every {self.most:g} s), not logging each retry."
        if busy:
            self.log.warning("%s paused: %s. %s", self.what, str(error), quiet)
        else:
            self.log.error("%s failed. %s", self.what, quiet, exc_info=error)
        return self._delay

    def succeeded(self) -> None:
        """The store answered: the episode, if any, is over."""
        self._kind, self._delay = None, self.first


class Loop:
    """Run `step` in a worker thread until `stop`: again at once when it says it did
    work, after `pause` seconds when it did not (and first of all, when `pause_first`),
    after `backoff`'s wait when it raised."""

    def __init__(
        self, step: Callable[[], bool], pause: float, backoff: Backoff, *, pause_first: bool
    ) -> None:
        self.step, self.pause, self.backoff = step, pause, backoff
        self.pause_first = pause_first
        self.stopping = threading.Event()  # seen by the step's thread too, between items
        self._wake: anyio.Event | None = None
        self._done: anyio.Event | None = None

    async def run(self) -> None:
        self._wake, self._done = anyio.Event(), anyio.Event()  # of the running loop
        wait: float | None = self.pause if self.pause_first else None
        try:
            while not self.stopping.is_set():
                if wait is not None:
                    with anyio.move_on_after(wait):
                        await self._wake.wait()
                    if self.stopping.is_set():
                        break
                try:
                    worked = await anyio.to_thread.run_sync(self.step)
                except Exception as error:  # logged by `Backoff`, then retried
                    wait = self.backoff.failed(error)
                else:
                    self.backoff.succeeded()
                    wait = None if worked else self.pause
        finally:
            self._done.set()

    async def stop(self) -> None:
        """Let the step under way finish, then return."""
        self.stopping.set()
        if self._wake is not None and self._done is not None:
            self._wake.set()
            await self._done.wait()
