"""The pushed change feed's engine (`engine.feed`, ADR 0030), on every backend as the
app runs it: a stream follows the log, is woken by the runtime's own commits, and the
process holds a bounded number of them."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from aka.core.errors import AkaError, Code
from aka.core.model import Event
from aka.core.namespace_scope import UNLIMITED
from aka.engine.feed import Feed
from aka.engine.runtime import Runtime
from aka.service.graph_commands import CreateProfile
from aka.service.identities import NewIdentifier
from tests.engine.conftest import WS

pytestmark = pytest.mark.anyio


def feed(rt: Runtime, *, poll: float = 60, heartbeat: float = 60, most: int = 2) -> Feed:
    return Feed(rt, max_streams=most, heartbeat_seconds=heartbeat, poll_seconds=poll)


def create(value: str) -> CreateProfile:
    return CreateProfile(None, {}, [NewIdentifier("device", value)], actor="t")


async def next_page(pages: AsyncIterator[list[Event]], timeout: float = 5) -> list[Event]:
    return await asyncio.wait_for(pages.__anext__(), timeout)


async def test_a_stream_catches_up_then_is_woken_by_each_commit(rt: Runtime) -> None:
    """The events after the cursor first; then a write through the runtime reaches the
    stream at once although it would not poll for a minute."""
    await rt.write_one(WS, create("d1"))
    await rt.write_one(WS, create("d2"))
    f = feed(rt)
    pages = f.follow(WS, 1, UNLIMITED)
    assert [e.seq for e in await next_page(pages)] == [2]
    waiting = asyncio.ensure_future(next_page(pages, timeout=2))
    await asyncio.sleep(0.05)
    await rt.write_one(WS, create("d3"))
    assert [e.seq for e in await waiting] == [3]
    await pages.aclose()


async def test_an_idle_stream_gets_an_empty_page_per_heartbeat(rt: Runtime) -> None:
    f = feed(rt, heartbeat=0.05)
    pages = f.follow(WS, 0, UNLIMITED)
    assert await next_page(pages, timeout=1) == []
    await pages.aclose()


async def test_streams_are_bounded_and_a_released_place_is_free_again(rt: Runtime) -> None:
    f = feed(rt, most=2)
    first, _second = f.admit(), f.admit()
    with pytest.raises(AkaError) as refused:
        f.admit()
    assert refused.value.code is Code.TOO_MANY_STREAMS
    assert refused.value.details["retry_after"] > 0
    first.release()
    first.release()  # once only
    assert f.open_streams == 1
    f.admit()


async def test_closing_ends_every_stream_and_refuses_new_ones(rt: Runtime) -> None:
    f = feed(rt)
    pages = f.follow(WS, 0, UNLIMITED)
    waiting = asyncio.ensure_future(next_page(pages, timeout=2))
    await asyncio.sleep(0.05)
    f.close()
    with pytest.raises(StopAsyncIteration):
        await waiting
    with pytest.raises(AkaError):
        f.admit()
