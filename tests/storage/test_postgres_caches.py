"""What a PostgreSQL store keeps in memory (ADR 0021), and the shared generation probe
that keeps it honest: a request takes keys and settings from memory only after
`validate_caches`, which waits for a read of the generation sent after it was called,
so a change committed by any process before a request arrived is never missed."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from contextvars import Context, copy_context
from pathlib import Path
from typing import TypeVar

import anyio.to_thread
import psycopg
import pytest
from sqlalchemy.engine import make_url

from aka.core.settings import MergePolicy, WorkspaceSettings
from aka.storage.postgres import PostgresStore
from aka.storage.postgres_generation import GenerationProbe

from .test_cache_generation import (
    WS,
    a_key,
    database_with_workspace,
    read_policy,
    settings_behind_the_caches_back,
)

pytestmark = pytest.mark.anyio
T = TypeVar("T")


@pytest.fixture
def url(tmp_path: Path) -> str:
    return database_with_workspace("postgres", tmp_path)


@pytest.fixture
def server(url: str) -> Iterator[PostgresStore]:
    """The store a server process holds."""
    store = PostgresStore(url)
    yield store
    store.close()


@pytest.fixture
def elsewhere(url: str) -> Iterator[PostgresStore]:
    """Another process on the same database (another server, the CLI)."""
    store = PostgresStore(url)
    yield store
    store.close()


async def test_a_key_read_once_is_then_answered_from_memory(server: PostgresStore) -> None:
    assert server.cached_key("h1") is None
    server.create_key(a_key())
    await server.validate_caches()
    assert server.cached_key("h1") is None  # nothing kept before it was asked for
    first = server.key_by_hash("h1")
    assert first is not None
    await server.validate_caches()
    assert server.cached_key("h1") is first


async def test_a_key_revoked_anywhere_is_gone_from_memory_after_the_next_validation(
    server: PostgresStore, elsewhere: PostgresStore
) -> None:
    server.create_key(a_key())
    await server.validate_caches()
    assert server.key_by_hash("h1") is not None
    assert elsewhere.revoke_key(WS, "key-h1")
    await server.validate_caches()
    assert server.cached_key("h1") is None
    revoked = server.key_by_hash("h1")  # a lookup always reads the row
    assert revoked is not None
    assert revoked.revoked_at is not None


async def test_only_a_validated_request_reads_settings_from_memory(
    server: PostgresStore, elsewhere: PostgresStore
) -> None:
    """A row changed without a bump shows who reads from memory: a request context
    that awaited `validate_caches`, and the worker threads it calls (they run in a copy
    of its context); never a caller that did not (a job, the CLI, this test's own
    thread), which reads the row."""
    await server.validate_caches()
    assert read_policy(server) is MergePolicy.REFUSE  # read, and kept
    settings_behind_the_caches_back(elsewhere, MergePolicy.AUTO)
    assert read_policy(server) is MergePolicy.REFUSE
    assert copy_context().run(read_policy, server) is MergePolicy.REFUSE
    assert await anyio.to_thread.run_sync(read_policy, server) is MergePolicy.REFUSE
    assert await _in_a_fresh_context(read_policy, server) is MergePolicy.AUTO


async def test_a_settings_change_anywhere_reaches_the_next_validated_read(
    server: PostgresStore, elsewhere: PostgresStore
) -> None:
    await server.validate_caches()
    assert read_policy(server) is MergePolicy.REFUSE
    with elsewhere.transaction(WS) as tx:
        tx.save_settings(WorkspaceSettings(merge_policy=MergePolicy.AUTO))
    await server.validate_caches()
    assert read_policy(server) is MergePolicy.AUTO


async def test_concurrent_validations_share_a_round_trip(url: str) -> None:
    """Fifty requests at once: one read carries those that came before it was sent,
    one more all the others."""
    seen: list[int] = []
    probe = CountingProbe(url, seen.append)
    try:
        await asyncio.gather(*(probe.read() for _ in range(50)))
    finally:
        probe.close()
    assert 1 <= len(seen) <= 2


async def test_a_caller_is_answered_only_by_a_read_sent_after_it_called(
    url: str, elsewhere: PostgresStore
) -> None:
    """A read already on the wire may predate a commit: whoever calls while it is
    out waits for the next, even though the one out answers first."""
    probe = CountingProbe(url, lambda _: None)
    try:
        before = await probe.read()
        probe.hold = hold = asyncio.Event()
        early = asyncio.create_task(probe.read())
        await probe.answered.wait()  # the first read has its (old) answer, held back
        elsewhere.create_key(a_key())  # a bump, committed while that read is out
        late = asyncio.create_task(probe.read())
        await asyncio.sleep(0)
        hold.set()
        assert await early == before
        assert await late == before + 1
    finally:
        probe.close()


async def test_a_database_that_cannot_be_asked_fails_the_request() -> None:
    """Never an answer from memory that could not be checked."""
    store = PostgresStore("postgresql://postgres@127.0.0.1:1/nothing")
    try:
        with pytest.raises(psycopg.OperationalError):
            await store.validate_caches()
        with pytest.raises(psycopg.OperationalError):
            await store.validate_caches()  # and the next one tries again
    finally:
        store.close()


class CountingProbe(GenerationProbe):
    """A real probe on the test database that can hold an answer back."""

    def __init__(self, url: str, seen: Callable[[int], object]) -> None:
        conninfo = make_url(url).set(drivername="postgresql")
        super().__init__(conninfo.render_as_string(hide_password=False), {}, seen)
        self.hold: asyncio.Event | None = None
        self.answered = asyncio.Event()

    async def _once(self) -> int:
        generation = await super()._once()
        if self.hold is not None:
            hold, self.hold = self.hold, None
            self.answered.set()
            await hold.wait()
        return generation


async def _in_a_fresh_context(fn: Callable[[PostgresStore], T], store: PostgresStore) -> T:
    """`fn(store)` in a worker thread started from an empty context, as a background
    task's would be."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(None, Context().run, fn, store)
