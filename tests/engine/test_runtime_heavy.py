"""A large unit of work leaves the event loop (issue 12): while it runs, the loop goes on
answering other requests, and a small write that arrives meanwhile waits its turn
without holding the loop.

Run on every backend as the app runs them: store calls inline on the loop (memory,
SQLite) or in worker threads (PostgreSQL). Each heavy work below blocks until the test,
from the event loop, lets it go: if it ran on the loop, nothing else could run and the
release would never come (the work gives up after a timeout and says so).
"""

from __future__ import annotations

import asyncio
import threading

import pytest

from aka.core.errors import AkaError
from aka.core.model import IdentifierKey
from aka.core.ports import Store, Transaction
from aka.engine.runtime import HEAVY_OPERATIONS, Runtime
from aka.service import identities
from aka.service.commands import Command
from aka.service.graph_commands import CreateProfile, Link
from aka.service.identities import NewIdentifier
from aka.service.refs import ProfileRef
from tests.engine.conftest import WS

pytestmark = pytest.mark.anyio

PATIENCE = 10.0  # seconds a held work waits for the loop before giving up


class Held(Command[bool]):
    """A command of HEAVY_OPERATIONS items that links `value` to a new profile, then
    waits for `release`."""

    def __init__(self, value: str) -> None:
        self.value = value
        self.started = threading.Event()
        self.release = threading.Event()
        self.thread: int | None = None

    @property
    def weight(self) -> int:
        return HEAVY_OPERATIONS

    def run(self, tx: Transaction) -> bool:
        identities.create_profile(tx, identifiers=[NewIdentifier("device", self.value)])
        self.thread = threading.get_ident()
        self.started.set()
        return self.release.wait(PATIENCE)

    async def wait_started(self) -> None:
        while not self.started.is_set():
            await asyncio.sleep(0.001)


def owner(store: Store, value: str) -> str | None:
    with store.transaction(WS, write=False) as tx:
        found = tx.identifier(IdentifierKey("device", value))
        return None if found is None else found.profile_id


async def test_a_heavy_write_runs_off_the_event_loop(rt: Runtime, store: Store) -> None:
    """A write of HEAVY_OPERATIONS items runs in a worker thread: the loop keeps
    running (here: it releases the work) and the write commits."""
    held = Held("heavy")
    task = asyncio.create_task(rt.write_one(WS, held))
    await held.wait_started()
    await asyncio.sleep(0.01)  # the loop has turns while the work runs
    held.release.set()
    assert await task is True, "the heavy work held the event loop"
    assert held.thread != threading.get_ident()
    assert owner(store, "heavy") is not None


async def test_a_small_write_waits_for_a_heavy_one_without_holding_the_loop(
    rt: Runtime, store: Store
) -> None:
    """A single write arriving while a heavy one holds the database is answered after
    it, and meanwhile the loop answers other work (a read of committed data)."""
    with store.transaction(WS) as tx:
        pid = identities.create_profile(tx).profile.id
    held = Held("first")
    heavy = asyncio.create_task(rt.write_one(WS, held))
    await held.wait_started()
    link = Link(ProfileRef.by_id(pid), NewIdentifier("device", "second"))
    small = asyncio.create_task(rt.write_one(WS, link, group=True))
    await asyncio.sleep(0.01)
    assert not small.done(), "the small write did not wait for the heavy one"
    found = await rt.read(WS, lambda tx: tx.profile(pid))  # the loop still answers
    assert found is not None
    held.release.set()
    assert await heavy is True
    assert (await small).profile.profile.id == pid
    assert owner(store, "first") is not None
    assert owner(store, "second") == pid


async def test_a_heavy_single_write_goes_through_the_bulk_runner(rt: Runtime, store: Store) -> None:
    """A group-commit command of HEAVY_OPERATIONS items gets a transaction of its own
    and is written as one alone would be: every identifier on the new profile, and a
    refusal raised to its caller with nothing written."""
    items = [NewIdentifier("device", f"d{n}") for n in range(HEAVY_OPERATIONS)]
    n = len(items)
    with store.transaction(WS) as tx:
        tx.save_settings(tx.settings().updated({"namespaces": {"device": {"max_per_profile": n}}}))
    created = await rt.write_one(WS, CreateProfile(identifiers=items), group=True)
    assert len(created.identifiers) == n
    assert {owner(store, f"d{k}") for k in range(n)} == {created.profile.id}
    assert rt.group_commit.stats.transactions == 0
    # Refused: its weight is its identifiers', heavy whatever they are.
    again = [NewIdentifier("device", "fresh"), *items[: HEAVY_OPERATIONS - 1]]
    with pytest.raises(AkaError) as refused:
        await rt.write_one(WS, CreateProfile(identifiers=again), group=True)
    assert refused.value.field == "identifiers[1]"
    assert owner(store, "fresh") is None
