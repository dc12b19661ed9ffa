"""The housekeeper inside `aka serve`: every few minutes, each workspace forgets what
has expired (`service.housekeeping.sweep`: idempotent answers, Mimecast request ids,
abandoned uploads), whichever doors are open.

It runs from the first `SWEEP_SECONDS` after start (not at once: a fresh process must
not queue for the write lock an `aka import` may hold), in a worker thread since store
calls block, and a busy store is retried with the job worker's `Backoff`: one log line
per episode, never a traceback per retry.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import Final

import anyio
import anyio.to_thread

from aka.core.ports import Store
from aka.http.worker import Backoff
from aka.service import housekeeping

SWEEP_SECONDS: Final = 300.0


class Housekeeper:
    def __init__(self, store: Store, every: float = SWEEP_SECONDS) -> None:
        self.store = store
        self.every = every
        self.backoff = Backoff(first=every / 10, most=every)
        self.stopping = threading.Event()
        self._wake: anyio.Event | None = None
        self._done: anyio.Event | None = None

    def sweep_all(self, now: datetime | None = None) -> housekeeping.Swept:
        """One sweep of every workspace; the totals removed."""
        now = now or datetime.now(UTC)
        answers = requests = files = 0
        for workspace in self.store.workspaces():
            if self.stopping.is_set():
                break
            with self.store.transaction(workspace.id) as tx:
                swept = housekeeping.sweep(tx, now)
            answers, requests, files = (
                answers + swept.answers,
                requests + swept.requests,
                files + swept.files,
            )
        return housekeeping.Swept(answers, requests, files)

    async def run(self) -> None:
        """Sweep every `every` seconds until `stop`."""
        self._wake, self._done = anyio.Event(), anyio.Event()  # of the running loop
        pause = self.every
        try:
            while not self.stopping.is_set():
                with anyio.move_on_after(pause):
                    await self._wake.wait()
                if self.stopping.is_set():
                    break
                try:
                    await anyio.to_thread.run_sync(self.sweep_all)
                except Exception as error:  # logged by `Backoff`, then retried
                    pause = self.backoff.failed(error)
                else:
                    self.backoff.succeeded()
                    pause = self.every
        finally:
            self._done.set()

    async def stop(self) -> None:
        self.stopping.set()
        if self._wake is not None and self._done is not None:
            self._wake.set()
            await self._done.wait()
