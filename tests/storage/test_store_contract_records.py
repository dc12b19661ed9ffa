"""Contract: what every record kept beside the graph shares, noun by noun (answers,
keys, request ids, push records, jobs, files), on every backend. Each belongs to its
workspace, commits with the transaction that wrote it, and is undone by a savepoint
that raised, like the graph's own rows."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from aka.core.model import IdentifierKey
from aka.core.ports import FileRecord, JobRecord, PushRecord, Store, StoredAnswer, Transaction
from aka.core.settings import WorkspaceSettings

from .builders import key_record
from .conftest import WORKSPACE

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
LATER = NOW + timedelta(hours=1)
PUSHED = IdentifierKey("p", "a")


def write_a_file(tx: Transaction, file_id: str) -> None:
    tx.files.add(FileRecord(file_id, "h", NOW, LATER))
    tx.files.write_chunk(file_id, 0, b"data")


@dataclass(frozen=True)
class Noun:
    """One record noun: how to write a record of it, and whether a transaction sees it."""

    name: str
    write: Callable[[Transaction], object]
    seen: Callable[[Transaction], bool]


NOUNS = [
    Noun(
        "answers",
        lambda tx: tx.answers.put("k", StoredAnswer("h", 201, [], b"{}", NOW, LATER)),
        lambda tx: tx.answers.get("k", NOW) is not None,
    ),
    Noun(
        "keys",
        lambda tx: tx.keys.add(key_record("k1", workspace_id=WORKSPACE)),
        lambda tx: any(k.id == "k1" for k in tx.keys.all()),
    ),
    Noun(
        "request_ids",
        lambda tx: tx.request_ids.remember("r", NOW, LATER),
        # Ids are only ever remembered or purged: a purge once it expired counts it
        # (each test asks again only after a write, or in a transaction that rolls back).
        lambda tx: tx.request_ids.purge(LATER) == 1,
    ),
    Noun(
        "push_records",
        lambda tx: tx.push_records.put(PUSHED, PushRecord(1)),
        lambda tx: tx.push_records.get(PUSHED) is not None,
    ),
    Noun(
        "jobs",
        lambda tx: tx.jobs.add(JobRecord("j", "coveo.batch", "queued", {}, NOW, NOW)),
        lambda tx: tx.jobs.get("j") is not None,
    ),
    Noun(
        "files",
        lambda tx: write_a_file(tx, "f"),
        lambda tx: tx.files.get("f") is not None or tx.files.chunk("f", 0) is not None,
    ),
]


@pytest.fixture(params=NOUNS, ids=[n.name for n in NOUNS])
def noun(request: pytest.FixtureRequest) -> Noun:
    found: Noun = request.param
    return found


def test_a_record_belongs_to_its_workspace(store: Store, ws: str, noun: Noun) -> None:
    """Written in one workspace, seen there and not in another."""
    store.create_workspace("other", WorkspaceSettings())
    with store.transaction(ws) as tx:
        noun.write(tx)
    with store.transaction(ws) as tx:
        assert noun.seen(tx)
    with store.transaction("other") as tx:
        assert not noun.seen(tx)


def test_a_record_commits_with_its_transaction_or_not_at_all(
    store: Store, ws: str, noun: Noun
) -> None:
    """A transaction that raised keeps none of the records it wrote."""

    def failing_work() -> None:
        with store.transaction(ws) as tx:
            noun.write(tx)
            raise RuntimeError("the work failed")

    with pytest.raises(RuntimeError):
        failing_work()
    with store.transaction(ws) as tx:
        assert not noun.seen(tx)


def fail_in_a_savepoint(tx: Transaction, work: Callable[[Transaction], object]) -> None:
    """Run `work` in a savepoint that then raises, as one failing operation of a batch."""
    with pytest.raises(RuntimeError), tx.savepoint():  # noqa: PT012 - the savepoint's body
        work(tx)
        raise RuntimeError("one operation of a batch failed")


def test_a_savepoint_that_raised_undoes_its_records(store: Store, ws: str, noun: Noun) -> None:
    """Inside one transaction, a record written in a savepoint that raised is gone at
    once; the transaction goes on, and what it writes next commits."""
    with store.transaction(ws) as tx:
        fail_in_a_savepoint(tx, noun.write)
        assert not noun.seen(tx)
    with store.transaction(ws) as tx:
        assert not noun.seen(tx)
        noun.write(tx)
    with store.transaction(ws) as tx:
        assert noun.seen(tx)


def test_a_savepoint_that_raised_keeps_what_came_before_it(
    store: Store, ws: str, noun: Noun
) -> None:
    """Undoing a savepoint restores the records as they stood when it began: one
    written earlier in the transaction stays, and commits."""
    with store.transaction(ws) as tx:
        noun.write(tx)
        fail_in_a_savepoint(tx, lambda _: None)
    with store.transaction(ws) as tx:
        assert noun.seen(tx)
