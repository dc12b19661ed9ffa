"""The housekeeper inside `aka serve`: every few minutes, each workspace forgets what
has expired (`service.housekeeping.sweep`: idempotent answers, Mimecast request ids,
abandoned uploads, old webhook deliveries), whichever doors are open.

It runs from the first `SWEEP_SECONDS` after start (not at once: a fresh process must
not queue for the write lock an `aka import` may hold), in a worker thread since store
calls block, and a busy store is retried with the job worker's `Backoff`: one log line
per episode, never a traceback per retry.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Final

from aka.core.ports import Store
from aka.engine.background import Backoff, Loop
from aka.service import housekeeping

log = logging.getLogger("aka.housekeeping")

SWEEP_SECONDS: Final = 300.0


class Housekeeper:
    def __init__(
        self,
        store: Store,
        every: float = SWEEP_SECONDS,
        *,
        deliveries_kept: timedelta = housekeeping.DELIVERIES_KEPT,
    ) -> None:
        self.store = store
        self.deliveries_kept = deliveries_kept
        backoff = Backoff(log, "housekeeping", first=every / 10, most=every)
        self.loop = Loop(self.step, every, backoff, pause_first=True)

    def step(self) -> bool:
        self.sweep_all()
        return False  # then wait for the next round

    def sweep_all(self, now: datetime | None = None) -> housekeeping.Swept:
        """One sweep of every workspace; the totals removed."""
        now = now or datetime.now(UTC)
        answers = requests = files = deliveries = 0
        for workspace in self.store.workspaces():
            if self.loop.stopping.is_set():
                break
            with self.store.transaction(workspace.id) as tx:
                swept = housekeeping.sweep(tx, now, self.deliveries_kept)
            answers, requests, files, deliveries = (
                answers + swept.answers,
                requests + swept.requests,
                files + swept.files,
                deliveries + swept.deliveries,
            )
        return housekeeping.Swept(answers, requests, files, deliveries)

    async def run(self) -> None:
        """Sweep every `every` seconds until `stop`."""
        await self.loop.run()

    async def stop(self) -> None:
        await self.loop.stop()
