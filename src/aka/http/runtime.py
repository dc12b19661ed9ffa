"""One transaction per request: the boundary where services' work is committed.

Store calls are synchronous. For the embedded SQLite store they run inline on the event
loop: a point read costs microseconds and a thread hop measured ~4x the read itself
(docs/adr/0001). A networked database (PostgreSQL) can block for a round trip or a lock
wait, so its calls run in worker threads instead (`offload=True`).

An interceptor may open the request's transaction itself (`Runtime.transaction`), as
idempotency does, so that the stored answer commits with the work; `read` and `write`
then join that transaction instead of opening another (a second writer on SQLite
would wait for the first: ourselves).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import partial
from typing import Any, TypeVar

import anyio.to_thread
from anyio import CapacityLimiter

from aka.config import Settings
from aka.core.ports import Store, Transaction

T = TypeVar("T")

_ambient: ContextVar[Transaction | None] = ContextVar("aka_ambient_transaction", default=None)


@dataclass
class Runtime:
    store: Store
    settings: Settings
    offload: bool = False
    threads: int = 16
    _limiter: CapacityLimiter | None = field(default=None, init=False, repr=False)

    async def call(self, fn: Callable[..., T], *args: Any) -> T:
        """Run a synchronous store call: inline, or in a worker thread when offloading."""
        if not self.offload:
            return fn(*args)
        if self._limiter is None:
            # Created lazily: a CapacityLimiter belongs to the running event loop.
            self._limiter = CapacityLimiter(self.threads)
        return await anyio.to_thread.run_sync(partial(fn, *args), limiter=self._limiter)

    async def read(self, workspace_id: str, work: Callable[[Transaction], T]) -> T:
        ambient = _ambient.get()
        if ambient is not None and ambient.workspace_id == workspace_id:
            return await self.call(work, ambient)
        return await self.call(self._run, workspace_id, False, work)

    async def write(self, workspace_id: str, work: Callable[[Transaction], T]) -> T:
        ambient = _ambient.get()
        if ambient is not None and ambient.workspace_id == workspace_id:
            return await self.call(_in_savepoint, ambient, work)
        return await self.call(self._run, workspace_id, True, work)

    def _run(self, workspace_id: str, write: bool, work: Callable[[Transaction], T]) -> T:
        with self.store.transaction(workspace_id, write=write) as tx:
            return work(tx)

    @asynccontextmanager
    async def transaction(self, workspace_id: str) -> AsyncIterator[Transaction]:
        """A write transaction that `read`/`write` join until the block ends; it commits
        when the block ends normally and rolls back when it raises."""
        manager = self.store.transaction(workspace_id, write=True)
        tx = await self.call(manager.__enter__)
        token = _ambient.set(tx)
        failure: BaseException | None = None
        try:
            yield tx
        except BaseException as exc:
            failure = exc
            raise
        finally:
            _ambient.reset(token)
            if failure is None:
                await self.call(manager.__exit__, None, None, None)
            else:
                await self.call(manager.__exit__, type(failure), failure, failure.__traceback__)


def _in_savepoint(tx: Transaction, work: Callable[[Transaction], T]) -> T:
    # The joined work fails alone: its changes are undone, the outer transaction lives on
    # (the interceptor decides what to keep).
    with tx.savepoint():
        return work(tx)
