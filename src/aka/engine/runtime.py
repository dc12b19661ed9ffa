"""One transaction per request: the boundary where services' work is committed.

Store calls are synchronous. For the embedded SQLite store they run inline on the event
loop: a point read costs microseconds and a thread hop measured ~4x the read itself
(docs/adr/0001). A networked database (PostgreSQL) can block for a round trip or a lock
wait, so its calls run in worker threads instead (`offload=True`).

Writes are commands (`service.commands`): `write` runs a list of them in one
transaction, each standing or falling alone, through the bulk runner (`service.bulk`:
their reads prefetched, their rows written many per statement); `write_one` runs one
and raises its refusal. `write_unit` is the escape hatch for a unit of work that is not
a command (API keys, settings, uploaded files, jobs, Mimecast request ids).

An interceptor may open the request's transaction itself (`Runtime.transaction`), as
idempotency does, so that the stored answer commits with the work; reads and writes
then join that transaction instead of opening another (a second writer on SQLite
would wait for the first: ourselves).

A dry run (`preview`, ADR 0023) is the same joining over a write transaction that is
rolled back when the block ends (`engine.preview`): the request's writes run exactly as
they would, nothing is kept but the events they appended, and no sequence is noted.

`group=True` is for a request's small commands (a link, a new profile, a few aliases):
concurrent ones of a workspace are committed together by its group-commit writer
(`group_commit.py` and its ADR), each still answered with its own outcome, and only
after the shared commit returned. A request inside an ambient transaction keeps joining
it instead: its stored answer must commit with its work. The app's lifespan calls
`aclose` on shutdown so queued single writes are finished.

Read-your-writes (`core.consistency`, ADR 0022): every write notes the workspace's event
sequence it committed into the request's state (answered as `Aka-Seq`); a read may be
served by a read replica that holds what the request needs, unless `primary=True` (rows
no event sequence covers: keys, jobs, files, settings).

Inline (SQLite), a large unit of work would hold the event loop for its whole length
and every other request with it (issue 12: a 10,000-member Coveo push stalled
`/healthz` for a minute). So a write whose commands weigh `HEAVY_OPERATIONS` items or
more (`Command.weight`) runs in a worker thread, and inline writers take turns on an
asyncio lock rather than on SQLite's own write lock: a small write arriving while a
heavy one holds the database waits without blocking the loop, and reads go on beside
it (WAL). Measured and decided in docs/adr/0008-large-requests-off-the-loop.md.

Each write method tells `commits` once its work committed, so the change feed's
streams and the webhook deliverer of this process wake at once (`engine.commits`,
ADR 0030) instead of waiting for their poll.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractContextManager, asynccontextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Final, TypeVar, cast

import anyio.to_thread
from anyio import CapacityLimiter

from aka.config import Settings
from aka.core import consistency, namespace_scope
from aka.core.errors import AkaError
from aka.core.ports import Store, Transaction
from aka.engine.commits import Commits
from aka.engine.group_commit import GroupCommit
from aka.engine.preview import Rehearsal, rolled_back
from aka.metrics import NULL, Metrics
from aka.service import bulk
from aka.service.commands import Command
from aka.service.namespace_limits import scoped_command, scoped_work

T = TypeVar("T")

HEAVY_OPERATIONS: Final = 200
"""Items (identifiers, members, operations) from which a unit of work leaves the event
loop for a worker thread even on SQLite: below it the thread hop costs more than it
saves, at it the work runs ~10 ms or more (docs/adr/0008)."""

_ambient: ContextVar[Transaction | None] = ContextVar("aka_ambient_transaction", default=None)
# Set while a dry run's transaction is the ambient one: its writes commit nothing, so
# they note no sequence (no `Aka-Seq`, no raised read floor), and count as no operation.
_rehearsal: ContextVar[Rehearsal | None] = ContextVar("aka_rehearsal", default=None)
# Set while `transaction`'s block runs: the outcomes of the commands run in it, counted
# once it commits (what it applied), or when it rolls back (only what it refused).
_held: ContextVar[list[tuple[list[str], list[Any]]] | None] = ContextVar(
    "aka_held_outcomes", default=None
)


@dataclass
class Runtime:
    store: Store
    settings: Settings
    offload: bool = False
    threads: int = 16
    metrics: Metrics = NULL
    _limiter: CapacityLimiter | None = field(default=None, init=False, repr=False)
    _writer: asyncio.Lock | None = field(default=None, init=False, repr=False)
    group_commit: GroupCommit = field(init=False, repr=False)
    commits: Commits = field(default_factory=Commits, init=False, repr=False)
    """Told after each write this runtime committed: the change feed waits on it."""

    def __post_init__(self) -> None:
        caller = self.call if self.offload else self._inline_write
        self.group_commit = GroupCommit(
            self.store, caller, inline=not self.offload, metrics=self.metrics
        )

    async def call(self, fn: Callable[..., T], *args: Any) -> T:
        """Run a synchronous store call: inline, or in a worker thread when offloading."""
        if not self.offload:
            return fn(*args)
        return await self._in_thread(fn, *args)

    async def _in_thread(self, fn: Callable[..., T], *args: Any) -> T:
        if self._limiter is None:
            # Created lazily: a CapacityLimiter belongs to the running event loop.
            self._limiter = CapacityLimiter(self.threads)
        return await anyio.to_thread.run_sync(partial(fn, *args), limiter=self._limiter)

    def _write_turn(self) -> asyncio.Lock:
        """Inline writers' turns: one at a time, as SQLite allows, queued on the loop.
        (asyncio's lock: taking a free one does not give up a loop turn.)"""
        if self._writer is None:
            self._writer = asyncio.Lock()
        return self._writer

    async def _inline_write(self, fn: Callable[..., T], *args: Any) -> T:
        """A small write inline, once no other inline writer holds the database."""
        async with self._write_turn():
            return fn(*args)

    async def _write_call(self, fn: Callable[..., T], *args: Any, operations: int) -> T:
        """A write transaction's store call: offloaded like every call (PostgreSQL), or
        inline in its turn, or in a worker thread in its turn when it is heavy."""
        if self.offload:
            return await self._in_thread(fn, *args)
        if operations < HEAVY_OPERATIONS:
            return await self._inline_write(fn, *args)
        async with self._write_turn():
            return await self._in_thread(fn, *args)

    async def read(
        self,
        workspace_id: str,
        work: Callable[[Transaction], T],
        *,
        primary: bool = False,
        several: bool = False,
    ) -> T:
        """`work` in a read transaction (inside the request's write transaction, if it
        has one open). It may run on a read replica that has applied what the request
        needs (`consistency.read_floor()`); `primary=True` for what no event sequence
        covers (keys, jobs, files, settings), which only the primary is sure to hold.
        `several`: `work` is known to make more than one statement (`Store.read`)."""
        work = scoped_work(work, namespace_scope.current())
        ambient = _ambient.get()
        if ambient is not None and ambient.workspace_id == workspace_id:
            return await self.call(work, ambient)
        if primary:
            with consistency.on_primary():
                return await self.call(self._read, workspace_id, work, several)
        return await self.call(self._read, workspace_id, work, several)

    def _read(self, workspace_id: str, work: Callable[[Transaction], T], several: bool) -> T:
        # Reads only read (`Store.read`: it may answer without a transaction). The work
        # is typed for a `Transaction` where a route's read shares its callable with a
        # write path; a read view offers every read it makes.
        return self.store.read(workspace_id, work, several=several)  # type: ignore[arg-type]

    async def write(
        self, workspace_id: str, commands: Sequence[Command[T]], *, group: bool = False
    ) -> list[T | AkaError]:
        """The commands in order in one write transaction, each standing or falling
        alone (`bulk.run_all`): each one's outcome, or its refusal with its changes
        undone. Committed before this returns.

        `group=True`: a request's small commands, committed with the workspace's other
        concurrent ones (group commit). Whatever is asked, commands weighing
        `HEAVY_OPERATIONS` or more get a transaction of their own, in a worker thread,
        so the event loop goes on answering other requests; inside an ambient
        transaction they join it, in a savepoint.

        A request whose key is limited to namespaces (ADR 0026) has each command run
        for its key (`Scoped`) and the outcomes redacted."""
        scope = namespace_scope.current()
        if scope.limited:
            mine = [scoped_command(command, scope) for command in commands]
            done = await self._write(workspace_id, mine, group)
            self.commits.committed(workspace_id)
            return cast(list[T | AkaError], scope.redact(done))
        outcomes = await self._write(workspace_id, commands, group)
        self.commits.committed(workspace_id)
        return outcomes

    async def _write(
        self, workspace_id: str, commands: Sequence[Command[T]], group: bool
    ) -> list[T | AkaError]:
        try:
            outcomes = await self._write_all(workspace_id, commands, group)
        except Exception as failure:
            self._count(commands, [failure] * len(commands))
            raise
        self._count(commands, outcomes)
        return outcomes

    async def _write_all(
        self, workspace_id: str, commands: Sequence[Command[T]], group: bool
    ) -> list[T | AkaError]:
        weight = sum(command.weight for command in commands)
        heavy = weight >= HEAVY_OPERATIONS
        ambient = _ambient.get()
        if ambient is not None and ambient.workspace_id == workspace_id:
            work = partial(_in_savepoint, ambient, partial(_run_all, commands))
            return await (self._in_thread(work) if heavy else self.call(work))
        if group and not heavy:
            return await self.group_commit.submit(workspace_id, commands)
        return await self._write_unit(workspace_id, partial(_run_all, commands), weight)

    async def write_one(self, workspace_id: str, command: Command[T], *, group: bool = False) -> T:
        """One command, as `write` runs it; its outcome, or its refusal raised (and its
        changes undone). A small one outside group commit runs straight on a
        transaction of its own, which a refusal rolls back."""
        scope = namespace_scope.current()
        if scope.limited:
            mine = scoped_command(command, scope)
            outcome = await self._write_one(workspace_id, mine, group)
            self.commits.committed(workspace_id)
            return cast(T, scope.redact(outcome))
        outcome = await self._write_one(workspace_id, command, group)
        self.commits.committed(workspace_id)
        return outcome

    async def _write_one(self, workspace_id: str, command: Command[T], group: bool) -> T:
        if group or (command.weight >= HEAVY_OPERATIONS and not command.reads().direct):
            (outcome,) = await self._write(workspace_id, [command], group)
            if isinstance(outcome, AkaError):
                raise outcome
            return outcome
        try:
            outcome = await self._write_unit(workspace_id, command.run, command.weight)
        except Exception as failure:
            self._count([command], [failure])
            raise
        self._count([command], [outcome])
        return outcome

    def _count(self, commands: Sequence[Command[Any]], outcomes: Sequence[Any]) -> None:
        """The commands' outcomes, for metrics: counted now when their transaction has
        committed (or they were refused), held until the ambient transaction ends when
        they ran inside one; a dry run's are not operations at all."""
        if not self.metrics.enabled or _rehearsal.get() is not None:
            return
        operations = [command.operation() for command in commands]
        held = _held.get()
        if held is not None:
            held.append((operations, list(outcomes)))
        else:
            self.metrics.committed(operations, outcomes)

    async def write_unit(
        self, workspace_id: str, work: Callable[[Transaction], T], *, operations: int = 1
    ) -> T:
        """`work` in a write transaction of its own, committed when it returns: for a
        unit of work that is not a command. `operations`: how many items it holds; from
        `HEAVY_OPERATIONS` on it runs in a worker thread, so the event loop goes on
        answering other requests. A key limited to namespaces does it on the scoped
        transaction, its answer redacted (ADR 0026)."""
        work = scoped_work(work, namespace_scope.current())
        done = await self._write_unit(workspace_id, work, operations)
        self.commits.committed(workspace_id)
        return done

    async def _write_unit(
        self, workspace_id: str, work: Callable[[Transaction], T], operations: int
    ) -> T:
        ambient = _ambient.get()
        if ambient is not None and ambient.workspace_id == workspace_id:
            if operations >= HEAVY_OPERATIONS:
                return await self._in_thread(_in_savepoint, ambient, work)
            return await self.call(_in_savepoint, ambient, work)
        return await self._write_call(self._run, workspace_id, work, operations=operations)

    async def aclose(self) -> None:
        """Shutdown: finish every queued single write (and refuse new ones)."""
        await self.group_commit.close()

    def _run(self, workspace_id: str, work: Callable[[Transaction], T]) -> T:
        with self.store.transaction(workspace_id, write=True) as tx:
            done = work(tx)
            _note_seq(tx)
            return done

    @asynccontextmanager
    async def transaction(self, workspace_id: str) -> AsyncIterator[Transaction]:
        """A write transaction that `read`/`write` join until the block ends; it commits
        when the block ends normally and rolls back when it raises. Inline, it holds the
        writers' turn for the whole block (other inline writers wait on the loop)."""
        manager = self.store.transaction(workspace_id, write=True)
        held: list[tuple[list[str], list[Any]]] = []
        token = _held.set(held)
        committed = False
        try:
            async with self._turn(), self._joined(manager, lambda tx: tx) as tx:
                yield tx
            committed = True
            self.commits.committed(workspace_id)
        finally:
            _held.reset(token)
            for operations, outcomes in held:
                if committed:
                    self.metrics.committed(operations, outcomes)
                    continue
                # Rolled back: nothing was applied, but the refusals still were refused.
                kept = [
                    (op, out)
                    for op, out in zip(operations, outcomes, strict=True)
                    if isinstance(out, BaseException)
                ]
                self.metrics.committed([op for op, _ in kept], [out for _, out in kept])

    @asynccontextmanager
    async def preview(self, workspace_id: str) -> AsyncIterator[Rehearsal]:
        """A dry run (ADR 0023): `read`/`write` join a write transaction as they join
        `transaction`'s, in savepoints, exactly as the real call's work would run
        (never in a group-commit round: nobody else's work shares it); when the block
        ends the events its work appended are in the rehearsal and everything is rolled
        back. A write inside notes no sequence: the request answers no `Aka-Seq`."""
        manager = rolled_back(self.store, workspace_id)
        async with self._turn(), self._joined(manager, lambda r: r.tx) as rehearsal:
            token = _rehearsal.set(rehearsal)
            try:
                yield rehearsal
            finally:
                _rehearsal.reset(token)

    @asynccontextmanager
    async def _turn(self) -> AsyncIterator[None]:
        if self.offload:
            yield
            return
        async with self._write_turn():
            yield

    @asynccontextmanager
    async def _joined(
        self, manager: AbstractContextManager[T], tx_of: Callable[[T], Transaction]
    ) -> AsyncIterator[T]:
        """`manager`'s transaction as the ambient one for the block; entered and left
        through `call` (a worker thread, when offloading)."""
        entered = await self.call(manager.__enter__)
        token = _ambient.set(tx_of(entered))
        failure: BaseException | None = None
        try:
            yield entered
        except BaseException as exc:
            failure = exc
            raise
        finally:
            _ambient.reset(token)
            if failure is None:
                await self.call(manager.__exit__, None, None, None)
            else:
                await self.call(manager.__exit__, type(failure), failure, failure.__traceback__)


def _run_all(commands: Sequence[Command[T]], tx: Transaction) -> list[T | AkaError]:
    return bulk.run_all(tx, commands)


def _in_savepoint(tx: Transaction, work: Callable[[Transaction], T]) -> T:
    # The joined work fails alone: its changes are undone, the outer transaction lives on
    # (the interceptor decides what to keep).
    with tx.savepoint():
        done = work(tx)
    _note_seq(tx)
    return done


def _note_seq(tx: Transaction) -> None:
    """Inside a write transaction, after its work: the workspace's sequence, which the
    transaction's lock holds still, is what it commits (`Aka-Seq`). A dry run commits
    nothing, so it notes nothing."""
    if consistency.tracking() and _rehearsal.get() is None:
        consistency.wrote(tx.last_seq())
