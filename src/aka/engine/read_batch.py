"""Read coalescing: concurrent resolves of a workspace share one read transaction.

On PostgreSQL a resolve alone costs a worker-thread hop and three round trips (BEGIN,
one read, COMMIT), nearly all of it overhead around a single indexed read. Here a
resolve joins its workspace's queue and waits; a reader (at most `READERS` at a time per
workspace) takes everything queued (up to `MAX_BATCH`, never waiting for more), resolves
all of it in one read-only transaction (`queries.resolve_many`: on the SQL stores two
statements for the whole batch) and answers each request with its own result or its
own error. While the readers read, new requests queue for the next round, so the busier
the workspace, the more each round carries; an idle server answers a lone request at
once.

A write is visible to the very next read: a round's transaction begins after every
request it carries arrived, so it sees every commit that was answered before any of
them was sent. Nothing is cached between rounds.

Each request's read floor (`core.consistency`: what it must see of its own writes,
with read replicas) is taken when it queues; a round reads at the highest floor it
carries, so a replica serves it only if it may serve every request in it.

Used where store calls leave the event loop (`Runtime.offload`): inline (SQLite) a
read costs less than the queueing would.
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Callable, Sequence
from typing import Final, Generic, TypeVar

from aka.core import consistency, namespace_scope
from aka.core.errors import AkaError
from aka.core.ports import ReadView
from aka.engine.runtime import Runtime

Q = TypeVar("Q")
R = TypeVar("R")

MAX_BATCH: Final = 256
"""Most reads one round carries; bounds a round's statements and its result size."""

READERS: Final = 1
"""Rounds of one workspace that may run at once. More let one round read while another
waits on the database, but each carries less, and their threads contend for the GIL
with the event loop: on a 2-core test machine 1 was best (docs/performance.md)."""

_Queued = tuple[Q, "asyncio.Future[R]", int, object]
"""A queued read: its query, its answer to come, its read floor, and the store whose
in-memory settings its request validated (`consistency.caches_validated_by`)."""

ManyReads = Callable[[ReadView, Sequence[Q]], Sequence[R | AkaError]]
"""Answers a batch of reads in one transaction, each with its result or its error."""


class ReadBatcher(Generic[Q, R]):
    """Queues reads per workspace and answers each from a shared round (module doc)."""

    def __init__(
        self,
        rt: Runtime,
        many: ManyReads[Q, R],
        *,
        max_batch: int = MAX_BATCH,
        readers: int = READERS,
    ) -> None:
        self._rt = rt
        self._many = many
        self._max = max_batch
        self._most = readers
        self._queues: dict[str, list[_Queued[Q, R]]] = {}
        self._readers: dict[str, int] = {}  # rounds running, by workspace
        self._tasks: set[asyncio.Task[None]] = set()  # kept, or they may be collected

    async def read(self, workspace_id: str, query: Q) -> R:
        """The answer to `query`, read with whatever else is queued for the workspace.
        A key limited to namespaces reads alone: a round runs in a context of its own,
        which does not carry the key's scope (ADR 0026)."""
        if namespace_scope.current().limited:
            (answer,) = await self._rt.read(workspace_id, lambda tx: self._many(tx, [query]))
            if isinstance(answer, AkaError):
                raise answer
            return answer
        future: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        queued = (query, future, consistency.read_floor(), consistency.caches_validated_by())
        self._queues.setdefault(workspace_id, []).append(queued)
        if self._readers.get(workspace_id, 0) < self._most:
            self._readers[workspace_id] = self._readers.get(workspace_id, 0) + 1
            # A task, so that requests arriving in this same turn of the loop join its
            # first round rather than each starting one. A fresh context: its rounds
            # serve many requests and must not carry this one's (its request id).
            task = asyncio.create_task(self._rounds(workspace_id), context=contextvars.Context())
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return await future

    async def _rounds(self, workspace_id: str) -> None:
        try:
            while queue := self._queues.get(workspace_id):
                # A request cancelled while queued (its client left) is simply dropped.
                live = [queued for queued in queue[: self._max] if not queued[1].done()]
                del queue[: self._max]
                if live:
                    await self._round(workspace_id, live)
        finally:
            self._readers[workspace_id] -= 1
            if not self._readers[workspace_id]:
                del self._readers[workspace_id]
                if not self._queues.get(workspace_id):
                    self._queues.pop(workspace_id, None)

    async def _round(self, workspace_id: str, taken: list[_Queued[Q, R]]) -> None:
        queries = [q for q, _, _, _ in taken]
        validated = {v for _, _, _, v in taken}
        try:
            with (
                consistency.reading_at(max(floor for _, _, floor, _ in taken)),
                consistency.validated_as(validated.pop() if len(validated) == 1 else None),
            ):
                answers = await self._rt.read(workspace_id, lambda tx: self._many(tx, queries))
        except BaseException as failure:  # no transaction, a database error: everyone's
            for _, future, _, _ in taken:
                if not future.done():
                    future.set_exception(failure)
            if not isinstance(failure, Exception):
                raise  # cancelled (shutdown): its requests were told above
            return
        for (_, future, _, _), answer in zip(taken, answers, strict=True):
            if future.done():
                continue  # cancelled while its round ran: nobody is waiting
            if isinstance(answer, AkaError):
                future.set_exception(answer)
            else:
                future.set_result(answer)
