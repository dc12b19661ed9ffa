"""What any SQL store promises beyond the port: a schema that refuses broken rows even
when they bypass `append`, exact UTC times, and read transactions that cannot write.
Run on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError, StatementError

from aka.core.state import ReplayError
from aka.storage.sql_store import SqlStore
from aka.storage.tables import events, identifiers, memberships, profiles

from .changes import created, linked

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
def engine(sql_store: SqlStore) -> sa.Engine:
    """The store's engine with profiles `a` and `b` (a bare writer bypassing `append`)."""
    with sql_store.engine.begin() as conn:
        conn.execute(sa.insert(profiles), [a_profile_row("a"), a_profile_row("b")])
    return sql_store.engine


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


def test_appending_in_a_read_transaction_is_a_bug(sql_store: SqlStore) -> None:
    """A read transaction must not write: SQLite would need its write lock mid-way, and
    a PostgreSQL reader holds no workspace lock (and is READ ONLY)."""
    with (
        pytest.raises(RuntimeError, match="write=True"),
        sql_store.transaction(WS, write=False) as tx,
    ):
        tx.append(created("a"))


def test_a_refused_append_names_the_constraint_but_not_the_values(sql_store: SqlStore) -> None:
    """The error says which rule refused the event, without repeating the identifier
    (PostgreSQL's DETAIL line would): refusals get logged, and values are personal data."""
    with sql_store.transaction(WS) as tx:
        tx.append(created("a"))
        tx.append(linked("a", "ann@example.com"))
        with pytest.raises(ReplayError) as refused:
            tx.append(linked("a", "ann@example.com"))
    message = str(refused.value)
    assert "identifier.linked: the database refused the change" in message
    assert "ann@example.com" not in message
