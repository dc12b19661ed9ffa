"""The indexes ADR 0013 keeps are the ones the planner reads, on SQLite and PostgreSQL.

`profiles.merged_into`, `events.other_profile_id` and `events.ref_seq` are NULL on
nearly every row, so their indexes hold only the rows with a value. A partial index
serves a query only when the query's WHERE implies the index's: each query that reads
one of these columns compares it with `=` or `IN` or says `IS NOT NULL`, which both
planners accept. A query that looks a profile up at either end (an event's two
profiles, an edge's two ends) is an OR over two indexes, which SQLite splits into one
search per index only when each arm names the workspace itself.

These tests capture the statements the store really runs and ask each database for its
plan, on a workspace with enough rows that a scan would be the wrong choice.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from aka.core import events as ev
from aka.storage.sql_plain import plain_sql
from aka.storage.sql_store import SqlStore
from aka.storage.tables import events, identifier_spans, jobs, memberships, profiles

from .catalog import PARTIAL, declared_predicates
from .conftest import WORKSPACE

T = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
FILLER = 2000  # live profiles, each with one `profile.created` event


def _profile(pid: str, merged_into: str | None = None) -> dict[str, Any]:
    return {
        "workspace_id": WORKSPACE,
        "id": pid,
        "external_id": None,
        "attributes": {},
        "merged_into": merged_into,
        "created_at": T,
        "updated_at": T,
    }


def _event(
    seq: int, type_: str, pid: str, other: str | None = None, ref: int | None = None
) -> dict[str, Any]:
    return {
        "workspace_id": WORKSPACE,
        "seq": seq,
        "type": type_,
        "profile_id": pid,
        "other_profile_id": other,
        "ref_seq": ref,
        "actor": "test",
        "at": T,
        "payload": {},
    }


@pytest.fixture
def filled(sql_store: SqlStore) -> SqlStore:
    """`FILLER` live profiles `p-0`... with their creation events, and the rare rows:
    tombstone `t` merged into `p-0` (merge seq 90001), an undone merge of `p-2` into
    `p-1` (merge 90002, unmerge 90003), `p-0` the group of every other profile and `p-1`
    of five. Raw rows: the plans depend on the rows, not on how they were written.
    PostgreSQL is analysed, as autovacuum would."""
    with sql_store.engine.begin() as conn:
        conn.execute(sa.insert(profiles), [_profile(f"p-{n}") for n in range(FILLER)])
        conn.execute(sa.insert(profiles), [_profile("t", merged_into="p-0")])
        created = [_event(n + 1, ev.PROFILE_CREATED, f"p-{n}") for n in range(FILLER)]
        rare = [
            _event(90001, ev.PROFILE_MERGED, "p-0", other="t"),
            _event(90002, ev.PROFILE_MERGED, "p-1", other="p-2"),
            _event(90003, ev.PROFILE_UNMERGED, "p-1", other="p-2", ref=90002),
        ]
        conn.execute(sa.insert(events), [*created, *rare])
        # Group `p-0` holds every other profile; `p-1` is also a group of five.
        edges = [("p-0", f"p-{n}") for n in range(1, FILLER)]
        edges += [("p-1", f"p-{n}") for n in range(2, 7)]
        conn.execute(
            sa.insert(memberships),
            [
                {"workspace_id": WORKSPACE, "group_id": g, "member_id": m, "seq": 1}
                for g, m in edges
            ],
        )
    if sql_store.engine.dialect.name == "postgresql":
        with sql_store.engine.connect() as conn:
            for table in ("profiles", "events", "memberships"):
                conn.execute(sa.text(f"ANALYZE {table}"))
            conn.commit()
    return sql_store


Statement = tuple[str, Any]


@contextmanager
def captured() -> Iterator[list[Statement]]:
    """Every statement run through SQLAlchemy meanwhile, with its parameters (on every
    engine: SQLite's readers run on engines of their own)."""
    seen: list[Statement] = []

    def record(*args: Any) -> None:
        _conn, _cursor, statement, parameters, _context, _many = args
        seen.append((statement, parameters))

    sa.event.listen(sa.Engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        sa.event.remove(sa.Engine, "before_cursor_execute", record)


def plan(store: SqlStore, statement: Statement) -> str:
    """The database's plan for one captured statement, as text."""
    sql, parameters = statement
    explain = "EXPLAIN QUERY PLAN " if store.engine.dialect.name == "sqlite" else "EXPLAIN "
    with store.engine.connect() as conn:
        rows = conn.exec_driver_sql(explain + sql, parameters).all()
    return "\n".join(" ".join(str(c) for c in row) for row in rows)


def plans_of(store: SqlStore, read: Callable[[Any], object]) -> tuple[object, str]:
    """What `read(tx)` answers in a read transaction, and the plans of the statements it
    ran on the graph's tables."""
    with captured() as seen, store.transaction(WORKSPACE, write=False) as tx:
        answer = read(tx)
    mine = [s for s in seen if re.search(r"\bFROM (profiles|events|memberships|jobs)\b", s[0])]
    assert mine, "the read ran no statement on the graph's tables"
    return answer, "\n---\n".join(plan(store, s) for s in mine)


def test_tombstones_of_reads_the_partial_merged_into_index(filled: SqlStore) -> None:
    """A profile's tombstones (history, merge, erasure) come off the partial index on
    `merged_into`: `merged_into = ?` implies `merged_into IS NOT NULL`."""
    answer, text = plans_of(filled, lambda tx: tx.tombstones_of("p-0"))
    assert answer == ["t"]
    assert "ix_profiles_workspace_id_merged_into" in text, text


def test_history_reads_both_event_indexes(filled: SqlStore) -> None:
    """`events_about` (history, explain, erasure) reads the events naming a profile on
    either side: the full `profile_id` index and the partial `other_profile_id` one.
    Each arm of its OR names the workspace, so both planners split it into one search
    per index (SQLite: MULTI-INDEX OR; PostgreSQL: BitmapOr) rather than reading every
    event of the workspace."""
    answer, text = plans_of(filled, lambda tx: [e.seq for e in tx.events_about(["t", "p-2"])])
    assert answer == [3, 90001, 90002, 90003]  # 3: `p-2` created
    assert "ix_events_workspace_id_profile_id" in text, text
    assert "ix_events_workspace_id_other_profile_id" in text, text


def test_unmerge_of_reads_the_partial_ref_seq_index(filled: SqlStore) -> None:
    """Undo asks whether a merge was already undone: `ref_seq = ?` implies the partial
    index's `ref_seq IS NOT NULL`."""
    answer, text = plans_of(filled, lambda tx: (tx.unmerge_of(90002), tx.unmerge_of(90001)))
    assert answer == (90003, None)
    assert "ix_events_workspace_id_ref_seq" in text, text


def test_undone_merges_reads_the_partial_ref_seq_index(filled: SqlStore) -> None:
    """`aka check` lists every undone merge: the query says `ref_seq IS NOT NULL`, the
    index's own predicate, so it reads the few unmerges and not the whole log."""
    answer, text = plans_of(filled, lambda tx: tx.undone_merges())
    assert answer == {90002: 90003}
    assert "ix_events_workspace_id_ref_seq" in text, text


def test_memberships_touching_reads_both_membership_indexes(filled: SqlStore) -> None:
    """The edges at either end of a profile (merge, undo, erasure, a Coveo push) come
    from the primary key (as group) and the member index (as member), one search each,
    not from every edge of the workspace: each arm of the OR names the workspace."""
    answer, text = plans_of(filled, lambda tx: len(tx.memberships_touching("p-1")))
    assert answer == 6  # p-0 -> p-1, and p-1 -> p-2..p-6
    assert "ix_memberships_workspace_id_member_id" in text, text
    assert "pk_memberships" in text or "sqlite_autoindex_memberships_1" in text, text


def test_profiles_with_field_reads_the_shared_value_index(filled: SqlStore) -> None:
    """The holders of a shared email or phone (ADR 0018) come off the expression index
    on the profile's field, not from every profile of the workspace, on both databases."""
    with filled.engine.begin() as conn:
        conn.execute(
            sa.update(profiles)
            .where(profiles.c.id.in_(["p-7", "p-9"]))
            .values(attributes={"email": "fam@x.io", "phone": "+14155550100"})
        )
        if filled.engine.dialect.name == "postgresql":
            conn.execute(sa.text("ANALYZE profiles"))
    for name, value in (("email", "fam@x.io"), ("phone", "+14155550100")):
        answer, text = plans_of(
            filled, lambda tx, n=name, v=value: tx.profiles_with_field(n, v, 10)
        )
        assert [p.id for p in answer] == ["p-7", "p-9"]  # type: ignore[attr-defined]
        assert f"ix_profiles_workspace_id_{name}" in text, text


def _job(n: int, status: str, lease_until: datetime | None = None) -> dict[str, Any]:
    at = T + timedelta(seconds=n)
    return {
        "workspace_id": WORKSPACE,
        "id": f"job-{n}",
        "kind": "test",
        "status": status,
        "params": {},
        "done": 0,
        "failed": 0,
        "total": None,
        "errors": [],
        "created_at": at,
        "updated_at": at,
        "lease_until": lease_until,
    }


def test_runnable_jobs_searches_the_status_index(sql_store: SqlStore) -> None:
    """The worker's poll (twice a second per process) reads the queued jobs and the
    running ones whose lease ran out by searching the status index for each status,
    not by reading every job the workspace ever ran."""
    finished = [_job(n, "done") for n in range(FILLER)]
    waiting = [_job(FILLER, "queued"), _job(FILLER + 1, "running", lease_until=T)]
    with sql_store.engine.begin() as conn:
        conn.execute(sa.insert(jobs), [*finished, *waiting])
    if sql_store.engine.dialect.name == "postgresql":
        with sql_store.engine.connect() as conn:
            conn.execute(sa.text("ANALYZE jobs"))
            conn.commit()
    answer, text = plans_of(sql_store, lambda tx: tx.jobs.runnable(T + timedelta(hours=1)))
    assert answer == [f"job-{FILLER}", f"job-{FILLER + 1}"]
    # What each index is searched by: SQLite's `(workspace_id=? AND ...)` after the
    # index's name, PostgreSQL's `Index Cond:`.
    searched = re.findall(r"USING (?:COVERING )?INDEX \w+ \((.*)\)|Index Cond: (.*)", text)
    assert any("status" in "".join(found) for found in searched), text


def test_exactly_the_rare_columns_have_partial_indexes(sql_store: SqlStore) -> None:
    """The migrated schema's partial indexes are these three, each on `col IS NOT NULL`."""
    assert declared_predicates(sql_store) == PARTIAL


def test_the_as_of_reads_each_search_their_index(filled: SqlStore) -> None:
    """Resolve as of a moment (ADR 0025) makes four reads, each one index search on
    both databases, never every version or every event of the workspace: an
    identifier's version then (the spans' primary key), a profile's identifiers then
    (its profile index), a profile's events (the two event indexes; with the seq or an
    ORDER BY in the statement SQLite walked the primary key instead), and the last event
    at or before a time (the time index, read backwards)."""
    spans = [
        {
            "workspace_id": WORKSPACE,
            "namespace": "email",
            "value": f"u{n}@x.io",
            "from_seq": n + 1,
            "to_seq": n + 2,
            "profile_id": f"p-{n}",
            "kind": "USER",
            "is_primary": False,
            "disabled": False,
            "attributes": {},
            "created_at": T,
            "seq": n + 1,
        }
        for n in range(FILLER)
    ]
    with filled.engine.begin() as conn:
        conn.execute(sa.insert(identifier_spans), spans)
        if filled.engine.dialect.name == "postgresql":
            conn.execute(sa.text("ANALYZE identifier_spans"))
    dialect = filled.engine.dialect
    sql = plain_sql(dialect.name)
    at = events.c.at.type.dialect_impl(dialect).bind_processor(dialect)
    assert at is not None
    ws = WORKSPACE
    reads = {
        "identifier_at": (sql.identifier_at, (ws, "email", "u7@x.io", 50, 50) * 2),
        "identifiers_at": (sql.identifiers_at, (ws, "p-7", 50, 50) * 2),
        "profile_events": (sql.profile_events, (ws, "p-2", ws, "p-2")),
        "seq_at": (sql.seq_at, (ws, at(T))),
    }
    plans = {name: plan(filled, statement) for name, statement in reads.items()}
    spans_key = (
        "sqlite_autoindex_identifier_spans_1" if dialect.name == "sqlite" else "pk_identifier_spans"
    )
    assert spans_key in plans["identifier_at"], plans["identifier_at"]
    assert "ix_identifier_spans_workspace_id_profile_id_from_seq" in plans["identifiers_at"]
    assert "ix_events_workspace_id_profile_id" in plans["profile_events"]
    assert "ix_events_workspace_id_other_profile_id" in plans["profile_events"]
    assert "ix_events_workspace_id_at_seq" in plans["seq_at"], plans["seq_at"]
