"""`Runtime.preview`, the one dry-run mechanism (ADR 0023), on every backend as the app
runs it (inline for memory and SQLite, worker threads for PostgreSQL): the work runs in
a write transaction of its own that is rolled back, never in a group-commit round, and
collects the events it would have appended; a concurrent real write is unaffected."""

from __future__ import annotations

import asyncio
import contextvars

import pytest

from aka.core import consistency
from aka.core.errors import AkaError, Code
from aka.core.ports import Store
from aka.engine.runtime import Runtime
from aka.service.graph_commands import CreateProfile, Link
from aka.service.identities import NewIdentifier
from aka.service.refs import ProfileRef
from tests.engine.conftest import WS

pytestmark = pytest.mark.anyio


def create(value: str) -> CreateProfile:
    return CreateProfile(None, {}, [NewIdentifier("device", value)], actor="t")


def last_seq(store: Store) -> int:
    with store.transaction(WS, write=False) as tx:
        return tx.last_seq()


async def test_a_preview_collects_the_events_and_keeps_none(rt: Runtime, store: Store) -> None:
    """Group writes inside a preview join its transaction (no round commits them), see
    each other, and are gone when it ends; their events are in the rehearsal, numbered
    as the real writes would be."""
    before = last_seq(store)
    async with rt.preview(WS) as rehearsal:
        made = await rt.write_one(WS, create("d1"), group=True)
        link = Link(ProfileRef.by_id(made.profile.id), NewIdentifier("device", "d2"), "t")
        linked = await rt.write_one(WS, link, group=True)
        assert {i.value for i in linked.profile.identifiers} == {"d1", "d2"}
    assert rt.group_commit.stats.transactions == 0
    assert [(e.seq, e.type) for e in rehearsal.events] == [
        (before + 1, "profile.created"),
        (before + 2, "identifier.linked"),
    ]
    assert last_seq(store) == before
    real = await rt.write_one(WS, create("d1"), group=True)  # d1 is free: nothing was kept
    assert real.profile.id != made.profile.id


async def test_a_refusal_inside_a_preview_is_raised_and_rolls_back(
    rt: Runtime, store: Store
) -> None:
    await rt.write_one(WS, create("taken"))
    before = last_seq(store)

    async def preview() -> None:
        async with rt.preview(WS):
            await rt.write_one(WS, create("new"))
            await rt.write_one(WS, create("taken"))

    with pytest.raises(AkaError) as refused:
        await preview()
    assert refused.value.code is Code.IDENTIFIER_CONFLICT
    assert last_seq(store) == before


async def test_a_preview_notes_no_sequence(rt: Runtime) -> None:
    """No `Aka-Seq` for a request that previewed: it committed nothing."""
    with consistency.for_request() as state:
        async with rt.preview(WS):
            await rt.write_one(WS, create("s1"))
        assert state.seq is None
        await rt.write_one(WS, create("s1"))
        assert state.seq is not None


async def test_a_real_write_beside_a_preview_commits_and_is_not_seen(
    rt: Runtime, store: Store
) -> None:
    """Writers take turns: a real write asked for while a preview holds the workspace
    waits, then commits; the preview's rollback does not take it with it, and the
    preview's events are its own."""
    async with rt.preview(WS) as rehearsal:
        await rt.write_one(WS, create("p1"))
        # Another request: a task with a context of its own, as each request has.
        other = asyncio.get_running_loop().create_task(
            _elsewhere(rt, "r1"), context=contextvars.Context()
        )
        await asyncio.sleep(0.05)
        assert not other.done()  # it waits for the preview's turn to end
    done = await other
    assert [e.payload["identifiers"][0]["value"] for e in rehearsal.events] == ["p1"]
    with store.transaction(WS, write=False) as tx:
        assert tx.profile(done) is not None
        assert [e.type for e in tx.events(0, 10)] == ["profile.created"]


async def _elsewhere(rt: Runtime, value: str) -> str:
    """A write of another request (its own context: not the preview's)."""
    made = await rt.write_one(WS, create(value), group=True)
    return made.profile.id
