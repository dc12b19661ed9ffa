"""The floor of aka's own rows (bench/aka_rows.py): what aka wrote, split back into the
transactions aka wrote it in, whatever rows aka writes per person."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from bench.aka_rows import Table, Written, plan
from bench.backends import Backend
from bench.errors import BenchError
from bench.people import People, transactions
from bench.postgres_backend import DEFAULT_URL, PostgresBackend
from bench.sqlite_backend import SqliteBackend

from bench import aka_cli, aka_rows
from tests.backends import in_ci


def _written() -> Written:
    """Three people in three transactions: p1 (a, b), p2 (c), p3 (d); two events per
    person in one shape, a membership with a seq, and a table with neither seq nor
    profile."""
    profiles = [("ws", "p1", "x"), ("ws", "p2", "y"), ("ws", "p3", "z")]
    identifiers = [
        ("ws", "n", "a", "p1", 2), ("ws", "n", "b", "p1", 2),
        ("ws", "n", "c", "p2", 4), ("ws", "n", "d", "p3", 6),
    ]  # fmt: skip
    events = [("ws", seq, f"p{(seq + 1) // 2}") for seq in range(1, 7)]
    memberships = [("ws", "g", "p2", 4)]
    notes = [("ws", "one"), ("ws", "two"), ("ws", "three")]
    return Written(
        [
            Table("events", ["workspace_id", "seq", "profile_id"], events, events),
            Table(
                "identifiers",
                ["workspace_id", "namespace", "value", "profile_id", "seq"],
                identifiers,
                identifiers,
            ),
            Table(
                "memberships",
                ["workspace_id", "group_id", "member_id", "seq"],
                memberships,
                memberships,
            ),
            Table("notes", ["workspace_id", "text"], notes, notes),
            Table("profiles", ["workspace_id", "id", "external_id"], profiles, profiles),
        ],
        last_seq=6,
    )


_SENT = {"a": 0, "b": 0, "c": 1, "d": 2}


def test_each_row_goes_to_the_transaction_its_identifiers_were_sent_in() -> None:
    """Profiles by their identifiers, events and seq-bearing rows by the seq range that
    ends with the transaction's last event; `last_seq` as aka left it after each."""
    chunks = plan(_written(), lambda key: _SENT[key[1]], 3)
    assert [c.last_seq for c in chunks] == [2, 4, 6]
    assert [[r[1] for r in c.rows["profiles"]] for c in chunks] == [["p1"], ["p2"], ["p3"]]
    assert [[r[2] for r in c.rows["identifiers"]] for c in chunks] == [["a", "b"], ["c"], ["d"]]
    assert [[r[1] for r in c.rows["events"]] for c in chunks] == [[1, 2], [3, 4], [5, 6]]
    assert [len(c.rows["memberships"]) for c in chunks] == [0, 1, 0]
    assert [len(c.rows["notes"]) for c in chunks] == [1, 1, 1]  # spread evenly, in order
    assert next(iter(chunks[0].rows)) == "profiles"  # the others' foreign keys point at it


def test_a_transaction_that_wrote_nothing_ends_where_the_last_one_did() -> None:
    """A request whose every operation was refused commits no rows and no seq."""
    chunks = plan(_written(), lambda key: {"a": 0, "b": 0, "c": 2, "d": 2}[key[1]], 3)
    assert [c.last_seq for c in chunks] == [2, 2, 6]
    assert [len(c.rows["identifiers"]) for c in chunks] == [2, 0, 2]


@pytest.fixture(params=["sqlite", "postgres"])
def backend(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Backend]:
    # pytest's own temporary directory: it keeps the last few runs and removes older ones
    # (a `mkdtemp` here was never removed, two directories left in /tmp every run).
    workdir = tmp_path_factory.mktemp("aka-bench-test")
    if request.param == "sqlite":
        found: Backend = SqliteBackend(workdir)
    else:
        try:
            found = PostgresBackend(os.environ.get("AKA_BENCH_POSTGRES_URL", DEFAULT_URL), workdir)
        except BenchError as exc:
            if in_ci():
                raise
            pytest.skip(f"PostgreSQL for the bench: {exc}")
    try:
        yield found
    finally:
        found.close()


@pytest.mark.slow
def test_the_raw_copy_of_an_import_is_a_store_aka_checks_clean(
    backend: Backend, tmp_path: Path
) -> None:
    """`aka import` of the realistic shape refuses exactly the planned rows; what it
    wrote, read back and written raw into a fresh store in its chunks, is a store
    `aka check` finds clean, holding the same identifiers and `last_seq`."""
    people = People(300, tmp_path)
    chunk = 50
    with backend.database("test-import") as db, backend.database("test-raw") as fresh:
        aka_cli.prepare_store(db.url)
        aka_cli.prepare_store(fresh.url)
        before = backend.table_counts(db)
        rejects = tmp_path / "rejects.jsonl"
        done = aka_cli.timed_import(
            db.url, people.jsonl, chunk_size=chunk, log=tmp_path / "import.json", errors=rejects
        )
        summary: dict[str, Any] = done.summary or {}
        assert summary["rejected"] == people.refused == 3
        lines = {json.loads(line)["line"] - 1 for line in rejects.read_text().splitlines()}
        assert lines == set(people.conflicts)

        written = aka_rows.read_written(backend, db, before=before)
        assert written.identifier_keys() == people.accepted_keys
        empty = backend.table_counts(fresh)
        aka_rows.write_raw(
            backend,
            fresh,
            written,
            lambda key: people.position_of(key) // chunk,
            transactions(people.n, chunk),
        )
        copied = aka_rows.read_written(backend, fresh, before=empty)
        assert copied.counts() == written.counts()
        assert copied.identifier_keys() == people.accepted_keys
        assert copied.last_seq == written.last_seq
        report = json.loads(aka_cli.run(fresh.url, "check", "--json"))
        assert report["ok"], report
