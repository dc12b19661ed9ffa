"""The resolve path's reads on the SQL stores (`SqlGraphReads`): driver-cursor reads,
read-ahead, batches.

`sql_plain` decodes rows by hand instead of through the column types, and a read-only
transaction answers `profile`/`identifiers_of` from what `identifier` read ahead. Each
test here holds those answers against the Core reading of the same rows, or against
what a fresh transaction reads, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import asyncio
from datetime import UTC
from typing import Any

import pytest
import sqlalchemy as sa

from aka.core.model import Identifier, IdentifierKey, Profile
from aka.storage.sql_graph_reads import READ_AHEAD
from aka.storage.sql_rows import to_identifier, to_profile
from aka.storage.sql_store import SqlStore
from aka.storage.sql_writer import SqlTransaction
from aka.storage.tables import identifiers, profiles

from .changes import created, identified, linked, merged, unlinked
from .conftest import WORKSPACE

K = IdentifierKey
ATTRS: dict[str, Any] = {"plan": "pro", "n": 3, "nested": {"ok": True, "list": [1, "ü"]}}


def append(store: SqlStore, *changes: Any) -> None:
    with store.transaction(WORKSPACE) as tx:
        for change in changes:
            tx.append(change)


def core_identifier(tx: SqlTransaction, key: IdentifierKey) -> Identifier | None:
    """The identifier as the Core statement and its column types read it."""
    row = tx._conn.execute(
        sa.select(identifiers).where(
            identifiers.c.workspace_id == WORKSPACE,
            identifiers.c.namespace == key.namespace,
            identifiers.c.value == key.value,
        )
    ).one_or_none()
    return None if row is None else to_identifier(row)


def core_profile(tx: SqlTransaction, profile_id: str) -> Profile | None:
    row = tx._conn.execute(
        sa.select(profiles).where(profiles.c.workspace_id == WORKSPACE, profiles.c.id == profile_id)
    ).one_or_none()
    return None if row is None else to_profile(row)


@pytest.mark.parametrize("write", [False, True], ids=["reader", "writer"])
def test_driver_reads_decode_rows_exactly_as_core_does(sql_store: SqlStore, write: bool) -> None:
    """JSON attributes, kinds, flags, timestamps (aware, UTC, microseconds) and a
    tombstone's forward pointer come back equal to what the column types produce."""
    append(
        sql_store,
        created("p1", **ATTRS),
        identified("p1", "ext-1"),
        linked("p1", "a@x.io", primary=True, kind="GROUP", **ATTRS),
        linked("p1", "dev-ü", "device"),
        created("p2"),
        merged("p1", "p2"),
    )
    with sql_store.transaction(WORKSPACE, write=write) as tx:
        assert isinstance(tx, SqlTransaction)
        for key in (K("email", "a@x.io"), K("device", "dev-ü"), K("email", "none@x.io")):
            assert tx.identifier(key) == core_identifier(tx, key)
        for pid in ("p1", "p2", "nobody"):
            assert tx.profile(pid) == core_profile(tx, pid)
        assert tx.profile_by_external_id("ext-1") == core_profile(tx, "p1")
        held = tx.identifiers_of("p1")
        assert held == sorted(
            (
                i
                for k in (K("device", "dev-ü"), K("email", "a@x.io"))
                if (i := core_identifier(tx, k))
            ),
            key=lambda i: (i.namespace, i.value),
        )
        group = tx.identifier(K("email", "a@x.io"))
        assert group is not None
        assert group.created_at is not None
        assert group.created_at.tzinfo is UTC
        assert group.attributes == ATTRS


def test_a_reader_answers_the_profile_and_its_identifiers_as_read_ahead(
    sql_store: SqlStore,
) -> None:
    """What `identifier` read ahead is what separate reads return; the lists handed
    out are the caller's own (changing one changes no later answer)."""
    append(sql_store, created("p1"), linked("p1", "a@x.io"), linked("p1", "b@x.io"))
    with sql_store.transaction(WORKSPACE, write=False) as tx:
        found = tx.identifier(K("email", "b@x.io"))
        profile, held = tx.profile("p1"), tx.identifiers_of("p1")
        held.clear()
        again = tx.identifiers_of("p1")
    with sql_store.transaction(WORKSPACE, write=True) as fresh:  # reads without read-ahead
        assert found == fresh.identifier(K("email", "b@x.io"))
        assert profile == fresh.profile("p1")
        assert again == fresh.identifiers_of("p1")
    assert [i.value for i in again] == ["a@x.io", "b@x.io"]


def test_a_profile_with_more_identifiers_than_read_ahead_is_read_in_full(
    sql_store: SqlStore,
) -> None:
    count = READ_AHEAD + 5
    append(sql_store, created("big"), *(linked("big", f"d{n:04}", "device") for n in range(count)))
    with sql_store.transaction(WORKSPACE, write=False) as tx:
        found = tx.identifier(K("device", f"d{count - 1:04}"))
        assert found is not None
        assert found.profile_id == "big"
        assert tx.profile("big") is not None
        assert len(tx.identifiers_of("big")) == count


def test_a_writer_reads_its_own_changes_not_an_earlier_read(sql_store: SqlStore) -> None:
    append(sql_store, created("p1"), linked("p1", "a@x.io"))
    with sql_store.transaction(WORKSPACE) as tx:
        assert [i.value for i in tx.identifiers_of("p1")] == ["a@x.io"]
        tx.append(linked("p1", "b@x.io"))
        tx.append(unlinked("p1", "a@x.io"))
        assert [i.value for i in tx.identifiers_of("p1")] == ["b@x.io"]
        assert tx.identifier(K("email", "a@x.io")) is None


def test_read_ahead_of_a_batch_answers_each_key_as_single_reads_do(sql_store: SqlStore) -> None:
    """Found keys, absent keys and keys of one profile alike; more keys than one
    statement takes (`CHUNK`) included."""
    append(
        sql_store,
        created("p1"),
        linked("p1", "a@x.io"),
        linked("p1", "dev-1", "device"),
        created("p2"),
        linked("p2", "c@x.io"),
    )
    keys = [K("email", "a@x.io"), K("device", "dev-1"), K("email", "c@x.io")]
    keys += [K("device", f"absent-{n}") for n in range(600)]
    with sql_store.transaction(WORKSPACE, write=False) as batch:
        assert isinstance(batch, SqlTransaction)
        batch.read_ahead(keys)
        answers = [
            (batch.identifier(k), batch.identifiers_of("p1"), batch.profile("p2")) for k in keys
        ]
    with sql_store.transaction(WORKSPACE, write=False) as single:
        expected = [
            (single.identifier(k), single.identifiers_of("p1"), single.profile("p2")) for k in keys
        ]
    assert answers == expected
    assert sum(a[0] is not None for a in answers) == 3


def test_a_readers_core_statements_share_its_snapshot(sql_store: SqlStore) -> None:
    """A reader that began with driver reads and then runs a Core statement (the event
    feed) sees one snapshot: not a write committed in between."""
    append(sql_store, created("p1"), linked("p1", "a@x.io"))
    with sql_store.transaction(WORKSPACE, write=False) as tx:
        assert tx.identifier(K("email", "a@x.io")) is not None
        append(sql_store, linked("p1", "b@x.io"))  # another connection commits
        assert [e.seq for e in tx.events(0, 100)] == [1, 2]
        assert tx.identifier(K("email", "b@x.io")) is None
    with sql_store.transaction(WORKSPACE, write=False) as later:
        assert [e.seq for e in later.events(0, 100)] == [1, 2, 3]


def test_a_write_is_seen_by_the_very_next_read(sql_store: SqlStore) -> None:
    """Readers keep connections (SQLite) and settings (PostgreSQL): neither hides a
    write that committed before the read began."""
    append(sql_store, created("p1"))
    for n in range(3):
        with sql_store.transaction(WORKSPACE, write=False) as tx:
            assert len(tx.identifiers_of("p1")) == n
        append(sql_store, linked("p1", f"v{n}@x.io"))


def _budget_of_one(store: SqlStore) -> Any:
    """A read view outside any transaction, allowed one statement (`SqlStore.read`)."""
    from aka.storage.sql_driver import DbHandle  # noqa: PLC0415

    pooled = store.engine.raw_connection()
    pooled.driver_connection.autocommit = True  # type: ignore[union-attr]
    db = DbHandle(pooled.driver_connection, store.engine.dialect, pooled.invalidate, statements=1)
    return pooled, store.transaction_class(db, WORKSPACE, write=False, settings_text="{}")


def test_read_ahead_of_a_batch_is_one_statement_on_postgresql(sql_store: SqlStore) -> None:
    """Found, absent and same-profile keys, and a profile larger than the read-ahead:
    one statement answers all of them as single reads in a transaction do, except the
    large profile's identifiers (marked, and read in full only when asked)."""
    if sql_store.engine.dialect.name != "postgresql":
        pytest.skip("one-statement read-ahead is PostgreSQL's (LATERAL); SQLite reads one key")
    big = READ_AHEAD + 5
    append(
        sql_store,
        created("p1"),
        linked("p1", "a@x.io"),
        linked("p1", "dev-1", "device"),
        created("big"),
        *(linked("big", f"d{n:04}", "device") for n in range(big)),
    )
    keys = [K("email", "a@x.io"), K("device", "dev-1"), K("device", "absent")]
    keys += [K("device", "d0000"), K("device", f"d{big - 1:04}")]
    pooled, once = _budget_of_one(sql_store)
    try:
        once.read_ahead(keys)  # the one statement
        answers = {k: once.identifier(k) for k in keys[:4]}
        p1 = (once.profile("p1"), once.identifiers_of("p1"), once.profile("big"))
        from aka.storage.sql_driver import NeedsSnapshot  # noqa: PLC0415

        with pytest.raises(NeedsSnapshot):
            once.identifiers_of("big")  # more than was read ahead: needs a second
    finally:
        pooled.close()
    with sql_store.transaction(WORKSPACE, write=False) as single:
        assert answers == {k: single.identifier(k) for k in keys[:4]}
        assert p1 == (single.profile("p1"), single.identifiers_of("p1"), single.profile("big"))
    assert answers[K("device", "absent")] is None


def test_a_resolve_is_answered_by_one_statement_and_more_in_a_transaction(
    sql_store: SqlStore,
) -> None:
    """Once the store knows the workspace's settings without a statement (checked
    against the cache generation: `validate_caches` on PostgreSQL, the file's
    data_version on SQLite), a resolve by identifier (a batch of them), by external id
    or by profile id is one statement outside any transaction; a read that needs
    another (here: identifiers and an external id together) is run again in one."""
    from aka.service import queries  # noqa: PLC0415
    from aka.service.refs import ProfileRef  # noqa: PLC0415

    append(sql_store, created("p1"), linked("p1", "a@x.io"), identified("p1", "u-1"))

    def resolve(*refs: ProfileRef) -> list[Any]:
        return list(sql_store.read(WORKSPACE, lambda view: queries.resolve_many(view, refs)))

    async def as_a_request_does() -> None:
        validate = getattr(sql_store, "validate_caches", None)
        if validate is not None:
            await validate()  # as every door's authentication does first
        sql_store.read(WORKSPACE, lambda view: view.settings())  # learns the settings
        assert sql_store._settings_known(WORKSPACE) is not None
        counts = sql_store.reads
        before = (counts.in_one_statement, counts.again_in_transaction)
        (found,) = resolve(ProfileRef(namespace="email", value="a@x.io"))
        assert (counts.in_one_statement, counts.again_in_transaction) == (
            before[0] + 1,
            before[1],
        )
        both = resolve(ProfileRef(namespace="email", value="a@x.io"), ProfileRef(external_id="u-1"))
        assert (counts.in_one_statement, counts.again_in_transaction) == (
            before[0] + 1,
            before[1] + 1,
        )
        assert [a.profile.id for a in both] == ["p1", "p1"]
        assert found == both[0]
        # A profile read by external id or by id brings its identifiers along.
        for ref in (ProfileRef(external_id="u-1"), ProfileRef.by_id("p1")):
            assert resolve(ref) == [found]
        assert (counts.in_one_statement, counts.again_in_transaction) == (
            before[0] + 3,
            before[1] + 1,
        )
        # A read that says it makes several statements (a resolve as of a moment) goes
        # straight to a transaction: no first statement thrown away.
        direct = counts.in_transaction
        again = sql_store.read(
            WORKSPACE,
            lambda view: queries.resolve_many(view, [ProfileRef(external_id="u-1")]),
            several=True,
        )
        assert list(again) == [found]
        assert (counts.in_one_statement, counts.again_in_transaction) == (
            before[0] + 3,
            before[1] + 1,
        )
        assert counts.in_transaction == direct + 1

    asyncio.run(as_a_request_does())
