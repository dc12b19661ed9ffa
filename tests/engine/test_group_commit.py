"""Group commit: concurrent single writes of a workspace share one transaction, and
each request is still answered as if it had been alone.

Run on every backend as the app runs them: inline on the event loop (memory, SQLite)
and in worker threads (PostgreSQL). Transactions are counted by a wrapper around the
real store, which opens every transaction for real.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pytest

from aka.config import Settings
from aka.core import events as ev
from aka.core.errors import AkaError, Code
from aka.core.events import Change
from aka.core.model import IdentifierKey, ResolvedProfile
from aka.core.ports import Transaction
from aka.core.state import ReplayError
from aka.engine.runtime import Runtime
from aka.service import admin, identities
from aka.service.commands import Command, Reads
from aka.service.graph_commands import CreateProfile, Link
from aka.service.identities import LinkOutcome, LinkResult, NewIdentifier
from aka.service.refs import ProfileRef
from tests.backends import open_backend
from tests.counting_store import CountingStore

pytestmark = pytest.mark.anyio

T = TypeVar("T")
WS = "w"


@pytest.fixture
def store(backend: str, tmp_path: Path) -> Iterator[CountingStore]:
    inner = open_backend(backend, tmp_path, workspace=WS)
    yield CountingStore(inner)
    inner.close()


@pytest.fixture
def rt(store: CountingStore, backend: str) -> Runtime:
    """The runtime as the app builds it: store calls offloaded for PostgreSQL only."""
    settings = Settings(database_url="memory://")
    return Runtime(store, settings, offload=backend == "postgres")  # type: ignore[arg-type]


@dataclass(frozen=True)
class As(Command[T]):
    """A command run as it is, but read and weighed as a test says: `direct` (nothing
    prefetched, run in its own database savepoint), `items` its weight."""

    inner: Command[T]
    direct: bool = False
    items: int = 1

    def reads(self) -> Reads:
        return Reads.DIRECT if self.direct else self.inner.reads()

    @property
    def weight(self) -> int:
        return self.items

    def run(self, tx: Transaction) -> T:
        return self.inner.run(tx)


class Linker:
    """`links(pid, value)`: one link through group commit, either as the native route
    sends it (its reads prefetched and buffered with its round) or direct (run in its
    own savepoint on the transaction itself)."""

    def __init__(self, rt: Runtime, prefetch: bool) -> None:
        self.rt = rt
        self.prefetch = prefetch

    def __call__(
        self, pid: str, value: str, *, workspace: str = WS, operations: int = 1
    ) -> Awaitable[LinkResult]:
        command = As(link(pid, value), direct=not self.prefetch, items=operations)
        return self.rt.write_one(workspace, command, group=True)


@pytest.fixture(params=["prefetched", "one-by-one"])
def links(request: pytest.FixtureRequest, rt: Runtime) -> Linker:
    return Linker(rt, prefetch=request.param == "prefetched")


# --- helpers -----------------------------------------------------------------------


def profiles(store: CountingStore, n: int) -> list[str]:
    with store.inner.transaction(WS) as tx:
        return [identities.create_profile(tx).profile.id for _ in range(n)]


def link(profile_id: str, value: str) -> Link:
    return Link(ProfileRef.by_id(profile_id), NewIdentifier("device", value))


def owner(store: CountingStore, value: str) -> str | None:
    with store.inner.transaction(WS, write=False) as tx:
        found = tx.identifier(IdentifierKey("device", value))
        return None if found is None else found.profile_id


def event_count(store: CountingStore) -> int:
    with store.inner.transaction(WS, write=False) as tx:
        return len(tx.events(0, 100_000))


async def at_once(*calls: Callable[[], Any]) -> list[Any]:
    """Start every call in the same loop turn; each one's result or exception."""
    return list(await asyncio.gather(*(c() for c in calls), return_exceptions=True))


@dataclass(frozen=True)
class ConflictingAppend(Command[None]):
    """A command the database itself refuses: it appends a link of an identifier that
    is already owned, which breaks the unique index (SQL) or the graph's replay
    (memory), i.e. a failure that is not a refusal by the rules (an AkaError)."""

    value: str
    profile_id: str

    def run(self, tx: Transaction) -> None:
        payload = {"namespace": "device", "value": self.value, "kind": "USER",
                   "primary": False, "attributes": {}}  # fmt: skip
        tx.append(Change(ev.IDENTIFIER_LINKED, self.profile_id, payload, None))


@dataclass(frozen=True)
class LinkThenCrash(Command[None]):
    """A command with a bug: it links, then fails with an exception that is no refusal."""

    profile_id: str

    def run(self, tx: Transaction) -> None:
        link(self.profile_id, "half-done").run(tx)
        raise ValueError("bug")


# --- sharing -----------------------------------------------------------------------


async def test_concurrent_single_writes_share_one_transaction(
    rt: Runtime, store: CountingStore, links: Linker
) -> None:
    """64 links queued together are committed by one transaction, and each request
    gets its own result: its identifier, on its profile."""
    ids = profiles(store, 64)
    store.writes = 0
    answers = await at_once(*(lambda p=p, n=n: links(p, f"d-{n}") for n, p in enumerate(ids)))
    assert store.writes == 1
    for n, (pid, answer) in enumerate(zip(ids, answers, strict=True)):
        assert isinstance(answer, LinkResult), answer
        assert answer.outcome is LinkOutcome.LINKED
        assert answer.profile.profile.id == pid
        assert answer.identifier.value == f"d-{n}"
        assert owner(store, f"d-{n}") == pid
    assert rt.group_commit.stats.largest == 64


async def test_a_round_carries_at_most_the_cap_of_operations(
    rt: Runtime, store: CountingStore
) -> None:
    """300 single writes: a round of 256 operations, then one of the remaining 44."""
    [pid] = profiles(store, 1)
    store.writes = 0

    def create(n: int) -> CreateProfile:
        return CreateProfile(identifiers=[NewIdentifier("device", f"c-{n}")])

    answers = await at_once(
        *(lambda n=n: rt.write_one(WS, create(n), group=True) for n in range(300))
    )
    assert all(isinstance(a, ResolvedProfile) for a in answers), answers
    assert len({a.profile.id for a in answers}) == 300
    assert store.writes == 2
    assert rt.group_commit.stats.largest == 256
    del pid


async def test_a_heavy_request_counts_its_operations_against_the_cap(
    rt: Runtime, store: CountingStore, links: Linker
) -> None:
    """Two requests of 200 operations each do not share a round (400 > 256); a single
    request heavier than the cap still runs, alone."""
    ids = profiles(store, 3)
    store.writes = 0
    answers = await at_once(
        lambda: links(ids[0], "h-0", operations=200),
        lambda: links(ids[1], "h-1", operations=200),
        lambda: links(ids[2], "h-2", operations=1000),
    )
    assert all(isinstance(a, LinkResult) for a in answers), answers
    assert store.writes == 3


# --- each request stands or falls alone ------------------------------------------------


async def test_a_refused_request_among_many_fails_alone(
    rt: Runtime, store: CountingStore, links: Linker
) -> None:
    """An identifier owned elsewhere gets its 409 refusal naming the owner; the ten
    links around it are committed in the same transaction."""
    owner_id, thief, *ids = profiles(store, 12)
    await links(owner_id, "taken")
    store.writes = 0
    calls = [lambda p=p, n=n: links(p, f"d-{n}") for n, p in enumerate(ids)]
    calls.insert(5, lambda: links(thief, "taken"))
    answers = await at_once(*calls)
    refused = answers.pop(5)
    assert isinstance(refused, AkaError)
    assert refused.code == Code.IDENTIFIER_CONFLICT
    assert refused.details["owner"] == owner_id
    assert all(isinstance(a, LinkResult) for a in answers), answers
    assert [owner(store, f"d-{n}") for n in range(10)] == ids
    assert owner(store, "taken") == owner_id
    assert store.writes == 1


async def test_a_database_failure_of_one_request_does_not_fail_the_others(
    rt: Runtime, store: CountingStore, links: Linker
) -> None:
    """A work the database refuses rolls the shared round back: it alone gets the
    error; the others run again in the next round and each is applied exactly once.
    (A prefetched round cannot tell whose work failed: it is first run again one
    savepoint per work, which can.)"""
    owner_id, *ids = profiles(store, 11)
    await links(owner_id, "taken")
    events_before = event_count(store)
    store.writes = 0
    calls = [lambda p=p, n=n: links(p, f"d-{n}") for n, p in enumerate(ids)]
    calls.insert(3, lambda: rt.write_one(WS, ConflictingAppend("taken", ids[0]), group=True))
    answers = await at_once(*calls)
    failed = answers.pop(3)
    assert isinstance(failed, ReplayError), failed
    assert all(isinstance(a, LinkResult) for a in answers), answers
    assert [a.outcome for a in answers] == [LinkOutcome.LINKED] * 10
    assert [owner(store, f"d-{n}") for n in range(10)] == ids
    assert event_count(store) == events_before + 10  # no write applied twice
    # Rolled back: the prefetched round (if it was one), the one-by-one round that
    # found the culprit; then the round that committed.
    tries = 2 if links.prefetch else 1
    assert store.writes == tries + 1
    assert rt.group_commit.stats.rolled_back == tries


async def test_a_bug_in_one_work_does_not_fail_the_others(
    rt: Runtime, store: CountingStore, links: Linker
) -> None:
    """Any exception that is not a refusal is handled like a database failure."""
    ids = profiles(store, 4)
    answers = await at_once(
        lambda: links(ids[0], "a"),
        lambda: rt.write_one(WS, LinkThenCrash(ids[3]), group=True),
        lambda: links(ids[1], "b"),
    )
    assert isinstance(answers[1], ValueError)
    assert isinstance(answers[0], LinkResult)
    assert isinstance(answers[2], LinkResult)
    assert owner(store, "half-done") is None  # the failed work left nothing behind
    assert (owner(store, "a"), owner(store, "b")) == (ids[0], ids[1])


async def test_when_no_transaction_can_be_opened_every_request_is_told(
    rt: Runtime, store: CountingStore, links: Linker
) -> None:
    """A failure that is nobody's in particular (here: no such workspace) answers
    every request of the round with it, and nothing is tried again."""
    answers = await at_once(
        *(lambda n=n: links("p", f"d-{n}", workspace="nowhere") for n in range(5))
    )
    assert [a.code for a in answers] == [Code.WORKSPACE_NOT_FOUND] * 5
    assert store.writes == 1


async def test_when_the_commit_fails_nobody_is_told_success_and_nothing_runs_twice(
    rt: Runtime, store: CountingStore, links: Linker
) -> None:
    """COMMIT's outcome is unknown when it fails on the way back: every request gets
    the error, and none is run again (it may have landed: here it did, once)."""
    ids = profiles(store, 5)
    events_before = event_count(store)
    store.writes = 0
    store.fail_after_commit = True
    answers = await at_once(*(lambda p=p, n=n: links(p, f"d-{n}") for n, p in enumerate(ids)))
    store.fail_after_commit = False
    assert all(isinstance(a, ConnectionError) for a in answers), answers
    assert store.writes == 1
    assert event_count(store) == events_before + 5


# --- order and visibility --------------------------------------------------------------


async def test_requests_apply_in_arrival_order(
    rt: Runtime, store: CountingStore, links: Linker
) -> None:
    """Within one round, a later request sees an earlier one's write: the first link of
    an identifier wins, the second (to another profile) gets 409 naming the first."""
    first, second = profiles(store, 2)
    store.writes = 0
    answers = await at_once(
        lambda: links(first, "shared"),
        lambda: links(second, "shared"),
        lambda: links(first, "shared"),
    )
    assert store.writes == 1
    assert isinstance(answers[0], LinkResult)
    assert answers[0].outcome is LinkOutcome.LINKED
    assert isinstance(answers[1], AkaError)
    assert answers[1].code == Code.IDENTIFIER_CONFLICT
    assert answers[1].details["owner"] == first
    assert isinstance(answers[2], LinkResult)
    assert answers[2].outcome is LinkOutcome.EXISTING


async def test_an_answered_write_is_visible_to_the_very_next_read(
    rt: Runtime, store: CountingStore, links: Linker
) -> None:
    """Each request reads right after its answer and finds its own write."""
    ids = profiles(store, 32)

    async def link_then_read(pid: str, value: str) -> str | None:
        await links(pid, value)

        def read(tx: Transaction) -> str | None:
            found = tx.identifier(IdentifierKey("device", value))
            return None if found is None else found.profile_id

        return await rt.read(WS, read)

    answers = await at_once(
        *(lambda p=p, n=n: link_then_read(p, f"v-{n}") for n, p in enumerate(ids))
    )
    assert answers == ids


async def test_workspaces_have_their_own_lanes(
    rt: Runtime, store: CountingStore, links: Linker
) -> None:
    """Writes of two workspaces never share a transaction."""
    admin.create_workspace(store.inner, "other")
    [here] = profiles(store, 1)
    with store.inner.transaction("other") as tx:
        there = identities.create_profile(tx).profile.id
    store.writes = 0
    answers = await at_once(
        lambda: links(here, "x"),
        lambda: links(there, "x", workspace="other"),
        lambda: links(here, "y"),
    )
    assert all(isinstance(a, LinkResult) for a in answers), answers
    assert store.writes == 2


async def test_inside_an_ambient_transaction_the_work_joins_it(
    rt: Runtime, store: CountingStore, links: Linker
) -> None:
    """As idempotency needs: no queue, the work commits (or not) with the ambient
    transaction."""
    [pid] = profiles(store, 1)
    store.writes = 0

    async def joined_then_undone() -> None:
        async with rt.transaction(WS):
            await links(pid, "joined")
            raise RuntimeError("undo")

    with pytest.raises(RuntimeError, match="undo"):
        await joined_then_undone()
    assert owner(store, "joined") is None
    async with rt.transaction(WS):
        await links(pid, "joined")
    assert owner(store, "joined") == pid
    assert store.writes == 2
    assert rt.group_commit.stats.transactions == 0


# --- cancellation and shutdown ---------------------------------------------------------


class Gate:
    """Holds each round until opened, so a test can act while a round is taken."""

    def __init__(self, rt: Runtime) -> None:
        self.opened = asyncio.Event()
        self.rounds = 0
        inner = rt.call

        async def gated(fn: Callable[..., T], *args: Any) -> T:
            self.rounds += 1
            await self.opened.wait()
            return await inner(fn, *args)

        rt.group_commit._call = gated  # the test's hold on the writer


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


async def test_a_request_cancelled_while_queued_is_dropped_and_one_already_taken_is_kept(
    rt: Runtime, store: CountingStore, links: Linker
) -> None:
    """Client gone while its work was still queued: it never runs. Gone after its work
    was taken: it is committed once, and the writer goes on with the rest."""
    ids = profiles(store, 3)
    gate = Gate(rt)
    taken = asyncio.create_task(links(ids[0], "taken"))
    await settle()  # the writer took `taken` and waits at the gate
    queued = asyncio.create_task(links(ids[1], "queued"))
    later = asyncio.create_task(links(ids[2], "later"))
    await settle()
    taken.cancel()
    queued.cancel()
    gate.opened.set()
    answer = await later
    assert answer.outcome is LinkOutcome.LINKED
    assert taken.cancelled()
    assert queued.cancelled()
    assert owner(store, "taken") == ids[0]
    assert owner(store, "queued") is None
    assert owner(store, "later") == ids[2]
    assert gate.rounds == 2


async def test_closing_finishes_queued_work_and_refuses_new_work(
    rt: Runtime, store: CountingStore, links: Linker
) -> None:
    """Shutdown: what was queued is committed and answered, not dropped."""
    ids = profiles(store, 6)
    gate = Gate(rt)
    pending = [asyncio.create_task(links(p, f"d-{n}")) for n, p in enumerate(ids)]
    await settle()
    closing = asyncio.create_task(rt.aclose())
    await settle()
    assert not closing.done()  # it waits for the writer
    gate.opened.set()
    await closing
    assert [(await t).outcome for t in pending] == [LinkOutcome.LINKED] * 6
    assert [owner(store, f"d-{n}") for n in range(6)] == ids
    with pytest.raises(RuntimeError, match="shutting down"):
        await links(ids[0], "too-late")
