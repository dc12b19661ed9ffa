"""What only the SQLite store promises: its pragmas, its locking, and a schema that
refuses broken rows even when they bypass `append`."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError, StatementError

from aka.core.settings import WorkspaceSettings
from aka.core.state import ReplayError
from aka.storage import open_store
from aka.storage.memory import MemoryStore
from aka.storage.sqlite import SqliteStore
from aka.storage.tables import events, identifiers, memberships, profiles

from .changes import created, linked, the_merge

WS = "acme"
T = datetime(2025, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)


def row(**values: Any) -> dict[str, Any]:
    return {"workspace_id": WS, **values}


def a_profile_row(pid: str, **values: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"id": pid, "external_id": None, "attributes": {}, "merged_into": None}
    return row(**{**base, "created_at": T, "updated_at": T, **values})


def an_identifier_row(value: str, pid: str, **values: Any) -> dict[str, Any]:
    base = {"namespace": "email", "value": value, "profile_id": pid, "kind": "USER"}
    flags = {"is_primary": False, "disabled": False, "attributes": {}}
    return row(**{**base, **flags, "created_at": T, "seq": 1, **values})


@pytest.fixture
def engine(sqlite_store: SqliteStore) -> sa.Engine:
    """The store's engine with profiles `a` and `b` (a bare writer bypassing `append`)."""
    with sqlite_store.engine.begin() as conn:
        conn.execute(sa.insert(profiles), [a_profile_row("a"), a_profile_row("b")])
    return sqlite_store.engine


def test_connections_use_wal_foreign_keys_and_a_busy_timeout(engine: sa.Engine) -> None:
    """Every pooled connection gets aka's pragmas."""
    with engine.connect() as conn:
        pragma = {
            name: conn.exec_driver_sql(f"PRAGMA {name}").scalar()
            for name in ("journal_mode", "foreign_keys", "synchronous", "busy_timeout")
        }
    assert pragma == {
        "journal_mode": "wal",
        "foreign_keys": 1,
        "synchronous": 1,
        "busy_timeout": 5000,
    }


@pytest.mark.parametrize(
    ("table", "values"),
    [
        pytest.param(identifiers, an_identifier_row("x", "b"), id="taken identifier key"),
        pytest.param(identifiers, an_identifier_row("y", "ghost"), id="identifier, no profile"),
        pytest.param(identifiers, an_identifier_row("z", "a", kind="ROBOT"), id="unknown kind"),
        pytest.param(profiles, a_profile_row("c", external_id="u-a"), id="taken external id"),
        pytest.param(profiles, a_profile_row("c", merged_into="ghost"), id="tombstone, no target"),
        pytest.param(profiles, a_profile_row("c", merged_into="c"), id="tombstone of itself"),
        pytest.param(
            memberships, row(group_id="a", member_id="ghost", seq=1), id="edge, no member"
        ),
        pytest.param(memberships, row(group_id="a", member_id="b", seq=9), id="duplicate edge"),
        pytest.param(events, row(seq=1, type="x", at=T, payload={}), id="duplicate seq"),
    ],
)
def test_the_schema_refuses_rows_that_break_invariants(
    engine: sa.Engine, table: sa.Table, values: dict[str, Any]
) -> None:
    """Invariants 1-3 hold in the database itself, against any writer."""
    with engine.begin() as conn:
        conn.execute(sa.update(profiles).where(profiles.c.id == "a").values(external_id="u-a"))
        conn.execute(sa.insert(identifiers).values(an_identifier_row("x", "a")))
        conn.execute(sa.insert(memberships).values(row(group_id="a", member_id="b", seq=1)))
        conn.execute(sa.insert(events).values(row(seq=1, type="x", at=T, payload={})))
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(sa.insert(table).values(values))


def test_a_tombstone_keeps_its_external_id_from_reuse(engine: sa.Engine) -> None:
    """External ids are unique over tombstones too, so a lookup by one always forwards."""
    with engine.begin() as conn:
        conn.execute(
            sa.update(profiles)
            .where(profiles.c.id == "a")
            .values(external_id="u-a", merged_into="b")
        )
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(sa.insert(profiles).values(a_profile_row("c", external_id="u-a")))


def test_deleting_a_profile_that_still_holds_identifiers_is_refused(engine: sa.Engine) -> None:
    """No identifier is ever left pointing at nothing (invariant 1)."""
    with engine.begin() as conn:
        conn.execute(sa.insert(identifiers).values(an_identifier_row("x", "a")))
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(sa.delete(profiles).where(profiles.c.id == "a"))


def test_times_come_back_in_utc_to_the_microsecond(engine: sa.Engine) -> None:
    """Any aware time is stored as its UTC instant and read back aware, exact."""
    oslo = T.astimezone(timezone(timedelta(hours=2)))
    with engine.begin() as conn:
        conn.execute(sa.update(profiles).where(profiles.c.id == "a").values(updated_at=oslo))
        stored = conn.execute(sa.select(profiles.c.updated_at).where(profiles.c.id == "a")).scalar()
    assert stored == T
    assert stored is not None
    assert stored.tzinfo is UTC


def test_naive_times_are_refused(engine: sa.Engine) -> None:
    """A time without a zone is ambiguous; storing one is a bug, caught at the boundary."""
    with pytest.raises(StatementError, match="naive datetime"), engine.begin() as conn:
        conn.execute(
            sa.update(profiles).where(profiles.c.id == "a").values(updated_at=datetime(2025, 1, 1))
        )


def test_a_refused_append_leaves_nothing_and_the_transaction_goes_on(
    sqlite_store: SqliteStore,
) -> None:
    """`append` is atomic on its own: a refused event uses no seq and leaves no row,
    and the transaction stays usable (a PostgreSQL error would otherwise abort it)."""
    with sqlite_store.transaction(WS) as tx:
        tx.append(created("a"))
        with pytest.raises(ReplayError, match="UNIQUE"):
            tx.append(created("a"))
        assert tx.append(linked("a", "x@example.com")).seq == 2
    with sqlite_store.transaction(WS, write=False) as tx:
        assert [e.seq for e in tx.all_events()] == [1, 2]


def test_appending_in_a_read_transaction_is_a_bug(sqlite_store: SqliteStore) -> None:
    """A read transaction must not write: it would need SQLite's write lock mid-way."""
    with (
        pytest.raises(RuntimeError, match="write=True"),
        sqlite_store.transaction(WS, write=False) as tx,
    ):
        tx.append(created("a"))


def test_a_writer_waits_for_the_writer_before_it(sqlite_store: SqliteStore) -> None:
    """`BEGIN IMMEDIATE`: a second writer blocks until the first commits, then reads
    the first one's result; a reader meanwhile is not blocked at all."""
    first_in = threading.Event()
    timeline: list[str] = []

    def first() -> None:
        with sqlite_store.transaction(WS) as tx:
            tx.append(created("a"))
            first_in.set()
            time.sleep(0.3)
            timeline.append("first commits")

    thread = threading.Thread(target=first)
    thread.start()
    first_in.wait()
    with sqlite_store.transaction(WS, write=False) as reader:
        assert reader.profile("a") is None
        timeline.append("reader done")
    with sqlite_store.transaction(WS) as tx:
        timeline.append("second starts")
        assert tx.profile("a") is not None
        assert tx.append(created("b")).seq == 2
    thread.join()
    assert timeline == ["reader done", "first commits", "second starts"]


def test_the_graph_survives_reopening_the_file(tmp_path: Path) -> None:
    """What one store committed, a new store on the same file reads back whole."""
    url = f"sqlite:///{tmp_path / 'aka.db'}"
    first = SqliteStore(url)
    try:
        first.migrate()
        first.create_workspace(WS, WorkspaceSettings())
        with first.transaction(WS) as tx:
            for change in the_merge():
                tx.append(change)
            before = tx.graph()
    finally:
        first.close()
    second = SqliteStore(url)
    try:
        with second.transaction(WS, write=False) as tx:
            assert tx.graph() == before
    finally:
        second.close()


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("postgresql://db/aka", "'postgresql'"),
        ("mysql://db/aka", "'mysql'"),
        ("sqlite:///:memory:", "in-memory SQLite"),
        ("sqlite://", "in-memory SQLite"),
    ],
)
def test_open_store_refuses_what_it_cannot_open(url: str, message: str) -> None:
    """An unsupported scheme, or an in-memory SQLite, is a clear ValueError."""
    with pytest.raises(ValueError, match=message):
        open_store(url)


def test_open_store_picks_the_backend_by_scheme(tmp_path: Path) -> None:
    """`sqlite:///path` opens SQLite (without migrating); `memory://` the memory twin."""
    sqlite = open_store(f"sqlite:///{tmp_path / 'x.db'}")
    try:
        assert isinstance(sqlite, SqliteStore)
        assert sqlite.readiness() is not None
    finally:
        sqlite.close()
    assert isinstance(open_store("memory://"), MemoryStore)
