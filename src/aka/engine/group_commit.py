"""Group commit: concurrent single writes of a workspace share one transaction.

Writers of a workspace take turns (docs/adr/0004), so a workspace commits one
transaction at a time, and a request that opens its own pays a whole transaction (a
PostgreSQL WAL flush, SQLite's BEGIN IMMEDIATE and COMMIT) for one small change.
Here a request hands its commands (`service.commands`) to the workspace's *lane* and
waits; the lane's one writer takes whatever is queued (up to `MAX_BATCH_OPERATIONS`,
never waiting for more), runs each command in its own savepoint inside ONE write
transaction, commits, and only then answers every request with its own outcomes (each
command's value or refusal, or the exception that failed the round). While it works,
new requests queue for the next round, so the busier the workspace, the more each
commit carries.

A round runs through `service.bulk.run_all`, the runner of `POST /v1/batch`: the
commands that the buffer models (a link, a new profile: `Command.reads()`) have their
reads prefetched for the whole round with one query per kind and their events written
with a few multi-row statements, so a round of 64 links costs about as many statements
as one link alone (their savepoints are the runner's, in memory); a direct command runs
on the transaction itself, in a database savepoint, as `batch.attempt` runs it.

What each request sees is what it would have seen alone, in arrival order:
- a refusal (`AkaError`) undoes that command's savepoint and answers it only;
- a command that fails otherwise (a database error, a bug) rolls the round back; the
  round is run again one savepoint per command (no buffering) to find which failed;
  its request gets the error, the others are run again, in order, in the next round;
- a failure that is nobody's in particular (no transaction could be opened: the
  store is busy or unreachable) or whose outcome is unknown (the COMMIT itself failed)
  answers every request of the round with it: none is told it succeeded, and none is
  run again, since a COMMIT that failed on the way back may have landed.
A command must therefore act only through its transaction (no effects outside it), as
any unit of work that may be retried.

A request cancelled while still queued is dropped (nothing of it ran, and nobody is
waiting for it); once taken it is carried through and its answer discarded, so work is
neither lost nor applied twice. `close` lets every lane finish what was queued.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, Protocol, TypeVar

from aka.core import consistency
from aka.core.errors import AkaError
from aka.core.ports import Store
from aka.metrics import NULL, Metrics
from aka.service import bulk
from aka.service.batch import attempt
from aka.service.commands import Command

log = logging.getLogger("aka.group_commit")

T = TypeVar("T")
R = TypeVar("R")

MAX_BATCH_OPERATIONS: Final = 256
"""Most operations one shared transaction carries. A round always takes at least one
request, however heavy; lighter ones are added while the total stays within this. It
bounds how long a round holds the workspace's write lock (and, inline, the event loop)."""


SETTLE_TURNS: Final = 8
"""Inline only: the most event-loop turns a writer yields, while its queue still grows,
before it starts a round (offloaded, the round's thread hop gives the loop its turns)."""


class Caller(Protocol):
    """How the store is called: inline on the loop, or in a worker thread
    (`Runtime.call`)."""

    def __call__(self, fn: Callable[..., R], *args: Any) -> Awaitable[R]: ...


@dataclass(eq=False, slots=True)
class _Request:
    commands: Sequence[Command[Any]]
    weight: int
    future: asyncio.Future[list[Any]]
    taken: bool = False  # a writer ran it at least once: it is carried to the end
    seq: int | None = None  # the workspace's event sequence its round committed


@dataclass(slots=True)
class _Round:
    """What one transaction gave: every request's answer, or why none is a success."""

    # Per request, per command: an outcome or the AkaError refusal.
    answers: list[list[Any]] = field(default_factory=list)
    failure: Exception | None = None
    stage: str = "commit"  # where the failure happened: "begin", "work" or "commit"
    culprit: int | None = None  # the request whose own failure rolled the round back
    seq: int | None = None  # the workspace's event sequence the round committed


@dataclass(slots=True)
class _Lane:
    queue: deque[_Request] = field(default_factory=deque)
    writer: asyncio.Task[None] | None = None


@dataclass(slots=True)
class Stats:
    """Counters for benchmarks and tests: how many requests each commit carried."""

    transactions: int = 0  # rounds that committed
    requests: int = 0  # requests answered from a committed round
    rolled_back: int = 0  # rounds undone by one request's failure and run again
    largest: int = 0


class GroupCommit:
    """Per-workspace lanes, each drained by one writer task at a time."""

    def __init__(
        self,
        store: Store,
        call: Caller,
        *,
        inline: bool,
        max_operations: int = MAX_BATCH_OPERATIONS,
        metrics: Metrics = NULL,
    ) -> None:
        self._store = store
        self._metrics = metrics
        self._call = call
        # Inline, a round runs on the event loop itself and blocks it while it runs.
        self._inline = inline
        self._max = max_operations
        self._lanes: dict[str, _Lane] = {}
        self._closed = False
        self.stats = Stats()

    async def submit(self, workspace_id: str, commands: Sequence[Command[T]]) -> list[T | AkaError]:
        """Each command's outcome or refusal once the transaction that ran them has
        committed, or the exception that failed them (or that transaction). Their
        weights count against `MAX_BATCH_OPERATIONS` operations per round."""
        if self._closed:
            raise RuntimeError("the group commit is closed; the server is shutting down")
        loop = asyncio.get_running_loop()
        weight = max(1, sum(command.weight for command in commands))
        request = _Request(commands, weight, loop.create_future())
        lane = self._lanes.get(workspace_id)
        if lane is None:
            lane = self._lanes[workspace_id] = _Lane()
        lane.queue.append(request)
        if lane.writer is None:
            # A fresh context: the writer serves many requests and must not carry the
            # first one's context variables (an ambient transaction, log fields).
            lane.writer = loop.create_task(
                self._drain(workspace_id, lane), context=contextvars.Context()
            )
        answers = await request.future
        if request.seq is not None:  # back in the request's own context
            consistency.wrote(request.seq)
        return answers

    async def close(self) -> None:
        """Refuse new work and wait until every lane has answered what it holds."""
        self._closed = True
        while writers := [lane.writer for lane in self._lanes.values() if lane.writer]:
            # `wait`, not `gather`: if `close` itself is cancelled the writers go on.
            await asyncio.wait(writers)

    # --- the writer ----------------------------------------------------------------
    async def _drain(self, workspace_id: str, lane: _Lane) -> None:
        batch: list[_Request] = []
        try:
            while True:
                if self._inline:
                    await self._let_arrivals_queue(lane)
                batch = self._take(lane)
                if not batch:
                    break
                started = time.perf_counter()
                done = await self._call(self._run_round, workspace_id, batch)
                if done.failure is None:
                    self._metrics.round(len(batch), time.perf_counter() - started)
                self._answer(lane, batch, done)
                batch = []
        except BaseException as exc:
            # Only a bug here or the loop shutting down: nobody may wait forever.
            failure = RuntimeError(f"the group commit writer stopped: {exc!r}")
            for request in [*batch, *lane.queue]:
                _settle(request, failure)
            lane.queue.clear()
            raise
        finally:
            lane.writer = None
            if not lane.queue and self._lanes.get(workspace_id) is lane:
                del self._lanes[workspace_id]

    @staticmethod
    async def _let_arrivals_queue(lane: _Lane) -> None:
        """Inline, a round holds the event loop: first give the loop back while the
        queue is still growing (requests already under way reaching it, the ones just
        answered sending their replies), at most `SETTLE_TURNS` loop turns. Not a timed
        wait: an idle loop comes straight back. Measured: rounds ~30% larger and ~25%
        more creates per second on SQLite (docs/performance.md)."""
        seen = -1
        for _ in range(SETTLE_TURNS):
            if len(lane.queue) == seen:
                return
            seen = len(lane.queue)
            await asyncio.sleep(0)

    def _take(self, lane: _Lane) -> list[_Request]:
        batch: list[_Request] = []
        total = 0
        while lane.queue:
            request = lane.queue[0]
            if request.future.cancelled() and not request.taken:
                lane.queue.popleft()  # its client is gone and none of it ran
                continue
            if batch and total + request.weight > self._max:
                break
            lane.queue.popleft()
            request.taken = True
            batch.append(request)
            total += request.weight
        return batch

    def _answer(self, lane: _Lane, batch: list[_Request], done: _Round) -> None:
        if done.failure is None:
            self.stats.transactions += 1
            self.stats.requests += len(batch)
            self.stats.largest = max(self.stats.largest, len(batch))
            for request, answer in zip(batch, done.answers, strict=True):
                request.seq = done.seq
                _settle(request, answer)
            return
        if done.culprit is None:  # nobody's in particular, or outcome unknown
            for request in batch:
                _settle(request, done.failure)
            return
        # One request failed and took the round down with it: it alone gets the error;
        # the rest go back to the head of the queue, in their order, for the next round.
        self.stats.rolled_back += 1
        failed = batch[done.culprit]
        # Its own answer (a 500 or STORE_BUSY) is logged where it is rendered.
        log.warning(
            "a write failed inside a shared transaction (%s); %d other request(s) run again",
            type(done.failure).__name__,
            len(batch) - 1,
        )
        _settle(failed, done.failure)
        lane.queue.extendleft(reversed([r for r in batch if r is not failed]))

    def _run_round(self, workspace_id: str, batch: list[_Request]) -> _Round:
        """One transaction over the batch (runs inline or in a worker thread)."""
        if all(c.reads().direct for request in batch for c in request.commands):
            return self._transact(workspace_id, batch, buffered=False)
        done = self._transact(workspace_id, batch, buffered=True)
        if done.failure is not None and done.stage == "work":
            # The buffered run cannot say whose command failed: run the round again,
            # one savepoint per command, which can.
            self.stats.rolled_back += 1
            done = self._transact(workspace_id, batch, buffered=False)
        return done

    def _transact(self, workspace_id: str, batch: list[_Request], *, buffered: bool) -> _Round:
        done = _Round()
        stage = "begin"
        try:
            with self._store.transaction(workspace_id, write=True) as tx:
                stage = "work"
                if buffered:
                    outcomes = iter(bulk.run_all(tx, [c for r in batch for c in r.commands]))
                    done.answers = [[next(outcomes) for _ in r.commands] for r in batch]
                else:
                    for request in batch:
                        # Each command its own savepoint: a refusal undoes only it.
                        done.answers.append([attempt(tx, c.run) for c in request.commands])
                stage = "commit"
                # One statement a round, whoever asks: what every request's `Aka-Seq` says.
                done.seq = tx.last_seq()
        except Exception as exc:
            culprit = len(done.answers) if stage == "work" and not buffered else None
            return _Round(failure=exc, stage=stage, culprit=culprit)
        return done


def _settle(request: _Request, answer: Any) -> None:
    if request.future.done():  # its client is gone: the answer has nobody to go to
        return
    if isinstance(answer, BaseException):
        request.future.set_exception(answer)
    else:
        request.future.set_result(answer)
