"""Read coalescing (`read_batch.ReadBatcher`): concurrent reads of a workspace share a
round (one read transaction), each answered with its own result or error; a lone read
is answered at once; nothing read before a write is served after it."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from aka.config import Settings
from aka.core.errors import AkaError, Code
from aka.core.model import ResolvedProfile
from aka.core.ports import Transaction
from aka.core.settings import WorkspaceSettings
from aka.engine.read_batch import ReadBatcher
from aka.engine.runtime import Runtime
from aka.logging import request_id
from aka.service import queries
from aka.service.graph_commands import CreateProfile
from aka.service.identities import NewIdentifier
from aka.service.refs import ProfileRef
from tests.backends import open_backend

pytestmark = pytest.mark.anyio


@pytest.fixture
def rt(tmp_path: Path) -> Iterator[Runtime]:
    """Store calls in worker threads, on SQLite (whose readers never wait for each
    other, unlike the memory twin's one lock)."""
    store = open_backend("sqlite", tmp_path)
    store.create_workspace("acme", WorkspaceSettings())
    yield Runtime(store, Settings(database_url="sqlite://"), offload=True)
    store.close()


class Rounds:
    """A batch function that records each round and can hold the first one open."""

    def __init__(self) -> None:
        self.seen: list[list[str]] = []
        self.hold = threading.Event()
        self.hold.set()
        self.entered = threading.Event()

    def __call__(self, _tx: Transaction, queries: Sequence[str]) -> list[str | AkaError]:
        self.seen.append(list(queries))
        self.entered.set()
        self.hold.wait(5)
        if "boom" in queries:
            raise RuntimeError("the round failed")
        return [
            AkaError(Code.PROFILE_NOT_FOUND, f"no {q}") if q.startswith("missing") else q.upper()
            for q in queries
        ]


async def until(event: threading.Event) -> None:
    for _ in range(500):
        if event.is_set():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("never happened")


async def first_round_held(
    rt: Runtime, readers: int = 1
) -> tuple[Rounds, ReadBatcher[str, str], asyncio.Task[str]]:
    """A batcher whose first round (reading "a") has started and is held open until
    `rounds.hold` is set: what arrives meanwhile waits for a later round."""
    rounds = Rounds()
    rounds.hold.clear()
    batcher: ReadBatcher[str, str] = ReadBatcher(rt, rounds, readers=readers)
    first = asyncio.create_task(batcher.read("acme", "a"))
    await until(rounds.entered)
    return rounds, batcher, first


async def test_a_lone_read_is_answered_by_a_round_of_its_own(rt: Runtime) -> None:
    rounds = Rounds()
    batcher: ReadBatcher[str, str] = ReadBatcher(rt, rounds, readers=1)
    assert await batcher.read("acme", "a") == "A"
    assert rounds.seen == [["a"]]


async def test_reads_arriving_during_a_round_share_the_next(rt: Runtime) -> None:
    rounds, batcher, first = await first_round_held(rt)
    rest = [asyncio.create_task(batcher.read("acme", q)) for q in ("b", "c", "d")]
    await asyncio.sleep(0.05)
    rounds.hold.set()
    assert await first == "A"
    assert [await r for r in rest] == ["B", "C", "D"]
    assert rounds.seen == [["a"], ["b", "c", "d"]]


async def test_up_to_readers_rounds_run_at_once_then_reads_queue(rt: Runtime) -> None:
    """With two readers, a read arriving while one round waits starts the second; later
    ones queue for whichever round ends first."""
    rounds, batcher, first = await first_round_held(rt, readers=2)
    second = asyncio.create_task(batcher.read("acme", "b"))
    for _ in range(500):
        if len(rounds.seen) == 2:
            break
        await asyncio.sleep(0.01)
    rest = [asyncio.create_task(batcher.read("acme", q)) for q in ("c", "d")]
    await asyncio.sleep(0.05)
    rounds.hold.set()
    assert [await t for t in (first, second, *rest)] == ["A", "B", "C", "D"]
    assert rounds.seen[:2] == [["a"], ["b"]]
    assert sorted(q for r in rounds.seen[2:] for q in r) == ["c", "d"]


async def test_each_read_gets_its_own_error(rt: Runtime) -> None:
    rounds = Rounds()
    batcher: ReadBatcher[str, str] = ReadBatcher(rt, rounds, readers=1)
    answers = await asyncio.gather(
        batcher.read("acme", "a"), batcher.read("acme", "missing-b"), return_exceptions=True
    )
    assert answers[0] == "A"
    assert isinstance(answers[1], AkaError)
    assert answers[1].code is Code.PROFILE_NOT_FOUND
    assert rounds.seen == [["a", "missing-b"]]


async def test_a_failed_round_fails_its_reads_and_the_next_round_runs(rt: Runtime) -> None:
    rounds = Rounds()
    rounds.hold.clear()
    batcher: ReadBatcher[str, str] = ReadBatcher(rt, rounds, readers=1)
    doomed = [asyncio.create_task(batcher.read("acme", q)) for q in ("boom", "a")]
    await until(rounds.entered)
    later = asyncio.create_task(batcher.read("acme", "b"))
    await asyncio.sleep(0.05)
    rounds.hold.set()
    for task in doomed:
        with pytest.raises(RuntimeError, match="the round failed"):
            await task
    assert await later == "B"


async def test_an_unknown_workspace_fails_every_read_of_its_round(rt: Runtime) -> None:
    batcher: ReadBatcher[str, str] = ReadBatcher(rt, Rounds(), readers=1)
    with pytest.raises(AkaError) as refused:
        await batcher.read("ghost", "a")
    assert refused.value.code is Code.WORKSPACE_NOT_FOUND


async def test_a_cancelled_read_leaves_the_others_answered(rt: Runtime) -> None:
    rounds, batcher, first = await first_round_held(rt)
    gone = asyncio.create_task(batcher.read("acme", "b"))
    kept = asyncio.create_task(batcher.read("acme", "c"))
    await asyncio.sleep(0.01)
    gone.cancel()
    rounds.hold.set()
    assert (await first, await kept) == ("A", "C")
    assert rounds.seen == [["a"], ["c"]]


async def test_a_round_carries_at_most_max_batch_reads(rt: Runtime) -> None:
    rounds = Rounds()
    batcher: ReadBatcher[str, str] = ReadBatcher(rt, rounds, max_batch=2, readers=1)
    answers = await asyncio.gather(*(batcher.read("acme", q) for q in "abcde"))
    assert answers == list("ABCDE")
    assert rounds.seen == [["a", "b"], ["c", "d"], ["e"]]


async def test_a_write_is_seen_by_the_next_read(rt: Runtime) -> None:
    batcher: ReadBatcher[ProfileRef, ResolvedProfile] = ReadBatcher(
        rt, lambda tx, refs: queries.resolve_many(tx, refs, "query")
    )
    ref = ProfileRef(namespace="device", value="d1")
    with pytest.raises(AkaError):
        await batcher.read("acme", ref)
    created = await rt.write_one("acme", CreateProfile(identifiers=[NewIdentifier("device", "d1")]))
    found = await batcher.read("acme", ref)
    assert found.profile.id == created.profile.id


async def test_a_shared_round_does_not_carry_the_first_requests_id(rt: Runtime) -> None:
    """A round reads for many requests: a line it logs must not name the request that
    happened to start it (`aka.logging.request_id`)."""
    seen: list[str | None] = []

    def rounds(_tx: Transaction, queries: Sequence[str]) -> list[str | AkaError]:
        seen.append(request_id.get())
        return [q.upper() for q in queries]

    batcher: ReadBatcher[str, str] = ReadBatcher(rt, rounds, readers=1)
    token = request_id.set("first-request")
    try:
        assert await batcher.read("acme", "a") == "A"
    finally:
        request_id.reset(token)
    assert seen == [None]


@pytest.fixture
def pg_rt(tmp_path: Path) -> Iterator[Runtime]:
    """As `rt`, on PostgreSQL: the store whose settings memory a request validates."""
    store = open_backend("postgres", tmp_path)
    store.create_workspace("acme", WorkspaceSettings())
    yield Runtime(store, Settings(database_url="postgresql://"), offload=True)
    store.close()


async def _resolve_in_rounds(rt: Runtime, *, validate: bool, requests: int) -> None:
    """`requests` concurrent requests resolving one identifier each, every one of them
    validating the store's memory first (as authentication does) when `validate`."""
    store = rt.store
    batcher = ReadBatcher(rt, queries.resolve_many)

    async def request() -> ResolvedProfile:
        if validate:
            await store.validate_caches()  # type: ignore[attr-defined]
        return await batcher.read("acme", ProfileRef(namespace="device", value="d-1"))

    answers = await asyncio.gather(*(request() for _ in range(requests)))
    assert {a.profile.id for a in answers} == {answers[0].profile.id}


async def test_a_round_of_validated_requests_is_one_statement(pg_rt: Runtime) -> None:
    """Every request of a round validated the settings memory after it arrived, so the
    round may take the workspace's settings from it and read in one statement; a round
    with a request that did not reads them, in a transaction."""
    await pg_rt.write_one(
        "acme", CreateProfile(identifiers=[NewIdentifier("device", "d-1")]), group=False
    )
    reads = pg_rt.store.reads  # type: ignore[attr-defined]
    await _resolve_in_rounds(pg_rt, validate=True, requests=1)  # learns the settings
    before = (reads.in_one_statement, reads.in_transaction)
    await _resolve_in_rounds(pg_rt, validate=True, requests=8)
    assert reads.in_one_statement > before[0]
    assert reads.in_transaction == before[1]
    before = (reads.in_one_statement, reads.in_transaction)
    await _resolve_in_rounds(pg_rt, validate=False, requests=8)
    assert reads.in_one_statement == before[0]
    assert reads.in_transaction > before[1]
