"""Read replicas with read-your-writes (ADR 0022), against a real streaming replica.

The pair (`bench/pg_pair.py`) is a PostgreSQL primary and a `pg_basebackup -R` standby
of it. Lag is made on demand by pausing the replica's replay (`pg_wal_replay_pause()`):
a read that the paused replica answers cannot see what was written since, which proves
both that the replica served it and that the test exercises lag. A read that needs a
write made during the pause must still see it: the primary serves it.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from bench.pg_pair import PgPair

from aka.config import Settings
from aka.core import consistency
from aka.core.errors import AkaError, Code
from aka.core.model import ResolvedProfile
from aka.core.settings import WorkspaceSettings
from aka.engine.read_batch import ReadBatcher
from aka.engine.runtime import Runtime
from aka.service import queries
from aka.service.graph_commands import CreateProfile
from aka.service.identities import NewIdentifier
from aka.service.refs import ProfileRef
from aka.storage import replicas
from aka.storage.postgres import PostgresStore
from tests.replication import migrated_database
from tests.storage.builders import key_record

pytestmark = pytest.mark.anyio


@dataclass
class Replicated:
    """The pair, one database on it, and a runtime over a store reading from the replica."""

    pair: PgPair
    primary_url: str
    replica_url: str
    store: PostgresStore
    rt: Runtime
    workspace: str

    async def create(self, value: str, *, group: bool = False) -> ResolvedProfile:
        command = CreateProfile(identifiers=[NewIdentifier("device", value)])
        if group:
            (created,) = await self.rt.write(self.workspace, [command], group=True)
            assert not isinstance(created, AkaError)
            return created
        return await self.rt.write_one(self.workspace, command)

    async def resolve(self, value: str, *, primary: bool = False) -> ResolvedProfile | None:
        ref = ProfileRef(namespace="device", value=value)
        try:
            return await self.rt.read(
                self.workspace, lambda tx: queries.get(tx, ref, "query"), primary=primary
            )
        except AkaError as error:
            if error.code is not Code.PROFILE_NOT_FOUND:
                raise
            return None

    def last_seq(self) -> int:
        found = self.store.workspace(self.workspace)
        assert found is not None
        return found.last_seq


@pytest.fixture(scope="module")
def database(replication: PgPair) -> tuple[str, str]:
    """A migrated database on the pair: its URLs on (primary, replica)."""
    return migrated_database(replication)


@pytest.fixture
def replicated(replication: PgPair, database: tuple[str, str]) -> Iterator[Replicated]:
    """A fresh workspace the replica already holds; replay runs again at the end."""
    primary_url, replica_url = database
    store = PostgresStore(primary_url, read_urls=[replica_url])
    workspace = f"ws-{secrets.token_hex(4)}"
    store.create_workspace(workspace, WorkspaceSettings())
    replication.wait_caught_up()
    rt = Runtime(store, Settings(database_url=primary_url), offload=True)
    try:
        yield Replicated(replication, primary_url, replica_url, store, rt, workspace)
    finally:
        store.close()
        if not replica_running(replication):
            replication.start_replica()
        replication.resume_replay()
        replication.wait_caught_up()


def replica_running(pair: PgPair) -> bool:
    return (pair.replica.data / "postmaster.pid").exists()


async def test_a_read_needing_nothing_is_served_by_the_replica(replicated: Replicated) -> None:
    """Without a floor a read may use any replica: with replay paused, it does not see a
    write made since (the paused replica answered it)."""
    replicated.pair.pause_replay()
    await replicated.create("d1")
    assert await replicated.resolve("d1") is None


async def test_a_read_needing_a_write_sees_it_while_the_replica_lags(
    replicated: Replicated,
) -> None:
    """A request that asks for the sequence of a write (`Aka-Min-Seq`) reads it, though
    the replica has not applied it: the primary serves that read."""
    replicated.pair.pause_replay()
    created = await replicated.create("d1")
    seq = replicated.last_seq()
    with consistency.for_request(min_seq=seq):
        found = await replicated.resolve("d1")
    assert found is not None
    assert found.profile.id == created.profile.id


async def test_a_write_notes_the_sequence_it_committed(replicated: Replicated) -> None:
    """Each write path notes the workspace's sequence after it into the request's state
    (answered as `Aka-Seq`): a write of its own and a group-commit round alike."""
    with consistency.for_request() as state:
        await replicated.create("d1")
    assert state.seq == replicated.last_seq()
    with consistency.for_request() as state:
        await replicated.create("d2", group=True)
    assert state.seq == replicated.last_seq()


async def test_a_request_reads_its_own_write_without_being_told(replicated: Replicated) -> None:
    """A write raises its own request's floor: a read later in the same request sees it,
    though the replica lags."""
    replicated.pair.pause_replay()
    with consistency.for_request():
        created = await replicated.create("d1")
        found = await replicated.resolve("d1")
    assert found is not None
    assert found.profile.id == created.profile.id


async def test_a_replica_that_has_applied_the_floor_serves_it(replicated: Replicated) -> None:
    """Once the replica holds the needed sequence it serves the read: paused again after
    catching up, it answers with the first write and without a later one."""
    await replicated.create("d1")
    needed = replicated.last_seq()
    replicated.pair.wait_caught_up()
    replicated.pair.pause_replay()
    await replicated.create("d2")
    with consistency.for_request(min_seq=needed):
        assert await replicated.resolve("d1") is not None
        assert await replicated.resolve("d2") is None  # the paused replica answered


async def test_resumed_replay_lets_the_replica_serve_again(replicated: Replicated) -> None:
    """Lag ends when replay resumes: the replica then serves what it missed."""
    replicated.pair.pause_replay()
    await replicated.create("d1")
    assert await replicated.resolve("d1") is None
    replicated.pair.resume_replay()
    replicated.pair.wait_caught_up()
    assert await replicated.resolve("d1") is not None


async def test_a_read_round_reads_at_the_highest_floor_it_carries(
    replicated: Replicated,
) -> None:
    """The read batcher serves many requests in one transaction: a request's floor
    travels with its query, so its round reads where that floor is met."""
    batcher: ReadBatcher[ProfileRef, ResolvedProfile] = ReadBatcher(
        replicated.rt, lambda tx, refs: queries.resolve_many(tx, refs, "query")
    )
    replicated.pair.pause_replay()
    created = await replicated.create("d1")
    ref = ProfileRef(namespace="device", value="d1")
    with consistency.for_request(min_seq=replicated.last_seq()):
        found = await batcher.read(replicated.workspace, ref)
    assert found.profile.id == created.profile.id
    with pytest.raises(AkaError):  # no floor: the paused replica answers
        await batcher.read(replicated.workspace, ref)


async def test_records_beside_the_graph_are_read_from_the_primary(
    replicated: Replicated,
) -> None:
    """Keys, jobs, files and settings carry no event sequence: `primary=True` reads (and
    key lookups) see them at once, whatever the replica holds."""
    replicated.pair.pause_replay()
    replicated.store.create_key(
        key_record("fresh", workspace_id=replicated.workspace, secret_hash="h-fresh")
    )
    assert replicated.store.key_by_hash("h-fresh") is not None
    keys = await replicated.rt.read(replicated.workspace, lambda tx: tx.keys.all(), primary=True)
    assert [k.id for k in keys] == ["fresh"]
    await replicated.create("d1")
    assert await replicated.resolve("d1", primary=True) is not None


async def test_a_workspace_the_replica_does_not_hold_yet_is_read_from_the_primary(
    replicated: Replicated,
) -> None:
    """Creating a workspace is no event: a read of one created during the lag is
    answered (by the primary), not refused as unknown."""
    replicated.pair.pause_replay()
    replicated.store.create_workspace("brand-new", WorkspaceSettings())
    found = await replicated.rt.read("brand-new", lambda tx: tx.last_seq())
    assert found == 0
    with pytest.raises(AkaError) as refused:
        await replicated.rt.read("never-made", lambda tx: tx.last_seq())
    assert refused.value.code is Code.WORKSPACE_NOT_FOUND


async def test_a_replica_that_is_down_leaves_reads_to_the_primary(
    replicated: Replicated, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Reads go on while the replica is stopped (the primary answers them, with one
    warning), and go back to the replica once it is up again."""
    monkeypatch.setattr(replicas, "RETRY_AFTER_S", 0.2)
    await replicated.create("d1")
    replicated.pair.wait_caught_up()
    assert await replicated.resolve("d1") is not None  # a pooled replica connection
    replicated.pair.stop_replica()
    with caplog.at_level(logging.WARNING, logger="aka.replicas"):
        for value in ("d1", "d1", "d1"):
            assert await replicated.resolve(value) is not None
    warnings = [r for r in caplog.records if "unreachable" in r.getMessage()]
    assert len(warnings) == 1
    replicated.pair.start_replica()
    replicated.pair.wait_caught_up()
    replicated.pair.pause_replay()
    await replicated.create("d2")
    await asyncio.sleep(0.3)  # past RETRY_AFTER_S: the replica is tried again
    assert await replicated.resolve("d2") is None  # the (paused) replica answered
