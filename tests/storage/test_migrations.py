"""Migrations: the revisions build exactly `tables.metadata`, carry seeded data from the
first revision to head, and are safe to start from several processes at once. On SQLite
and PostgreSQL alike."""

from __future__ import annotations

import re
import threading
import warnings
from collections.abc import Iterator
from importlib import resources
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from aka.core.model import IdentifierKey
from aka.core.ports import Transaction
from aka.core.settings import MergePolicy, WorkspaceSettings
from aka.core.state import GraphState
from aka.service import queries
from aka.service.refs import ProfileRef
from aka.storage import migrate, open_store
from aka.storage.postgres import PostgresStore
from aka.storage.sql_store import SqlStore
from aka.storage.sqlite import SqliteStore
from aka.storage.tables import exists_on, metadata
from tests.backends import SKIPPED_EXPRESSION_INDEX, empty_database, sql_backend_params

from .catalog import PARTIAL, declared_predicates
from .changes import linked, the_merge
from .migration_seeds import (
    BEFORE_PARTIAL_INDEXES,
    FIRST_REVISION,
    SEEDED_EVENTS,
    SEEDED_KEY_HASH,
    SEEDED_WORKSPACE,
    SEEDS,
    UNDONE_EVENTS,
    UNDONE_WORKSPACE,
    seed_before_partial_indexes,
)
from .test_store_contract_history import assert_history_is_the_rules


@pytest.fixture(params=sql_backend_params())
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty SQL database (SQLite file, PostgreSQL schema)."""
    with empty_database(request.param, tmp_path) as url:
        yield url


@pytest.fixture
def store(empty_url: str) -> Iterator[SqlStore]:
    """An unmigrated SQL store."""
    store = open_store(empty_url)
    assert isinstance(store, SqlStore)
    yield store
    store.close()


def schema_diff(engine: sa.Engine) -> list[object]:
    with engine.connect() as conn, warnings.catch_warnings():
        # SQLite's side of the comparison skips expression indexes, with a warning on
        # each side (Alembic for the metadata's, SQLAlchemy's reflection for the
        # database's). The shared-value indexes are the only ones (ADR 0018); their
        # plans are checked on both databases (`test_sql_indexes.py`).
        warnings.filterwarnings(
            "ignore",
            message="autogenerate skipping metadata-specified expression-based index "
            "'ix_profiles_workspace_id_(email|phone)'; dialect 'sqlite'",
            category=UserWarning,
        )
        warnings.filterwarnings(
            "ignore", message=SKIPPED_EXPRESSION_INDEX, category=sa.exc.SAWarning
        )
        context = MigrationContext.configure(
            conn,
            opts={
                "compare_type": True,
                "include_object": lambda item, *_: exists_on(engine.dialect.name, item),
            },
        )
        return list(compare_metadata(context, metadata))


def revisions_oldest_first() -> list[str]:
    script = ScriptDirectory.from_config(migrate.alembic_config())
    return [r.revision for r in reversed(list(script.walk_revisions("base", "heads")))]


def test_the_migrated_schema_is_exactly_the_table_definitions(store: SqlStore) -> None:
    """Autogenerate finds nothing to change between the migrated database and
    `tables.metadata`: tables, columns, types, nullability, indexes, unique constraints
    and foreign keys all agree."""
    assert schema_diff(store.engine)  # the comparison does see an empty database
    store.migrate()
    assert schema_diff(store.engine) == []


def test_current_is_head_only_after_upgrade(store: SqlStore) -> None:
    """An empty database is behind; after `upgrade` it is at the single head."""
    assert migrate.current_is_head(store.engine) is False
    migrate.upgrade(store.engine)
    assert migrate.current_is_head(store.engine) is True
    assert migrate.current_revisions(store.engine) == migrate.head_revisions()
    assert len(migrate.head_revisions()) == 1


def test_revision_files_are_date_prefixed() -> None:
    """`versions/` sorts in the order revisions were written (polar's convention)."""
    versions = resources.files("aka.storage") / "migrations" / "versions"
    names = sorted(p.name for p in versions.iterdir() if p.name.endswith(".py"))
    assert names
    for name in names:
        assert re.fullmatch(r"\d{4}_\d{2}_\d{2}_[0-9a-f]{12}_\w+\.py", name), name


def test_a_seeded_database_upgrades_from_the_first_revision_to_head(store: SqlStore) -> None:
    """A database created at the first revision and holding real rows (a merge, its
    events, an API key) is upgraded one revision at a time to head, each revision's
    own seed written as it is reached; today's code then reads every row back: the
    workspace, the key, and a graph that replaying its event log rebuilds exactly
    (invariant 4). New writes continue the same log."""
    revisions = revisions_oldest_first()
    assert revisions[0] == FIRST_REVISION
    for revision in revisions:
        migrate.upgrade(store.engine, revision)
        seed = SEEDS.get(revision)
        if seed is not None:
            with store.engine.begin() as conn:
                seed(conn)
    assert migrate.current_is_head(store.engine)

    workspace = store.workspace(SEEDED_WORKSPACE)
    assert workspace is not None
    assert workspace.last_seq == SEEDED_EVENTS
    assert workspace.settings.merge_policy is MergePolicy.AUTO
    assert workspace.settings.internal_domains == ("example.com",)
    key = store.key_by_hash(SEEDED_KEY_HASH)
    assert key is not None
    assert (key.id, key.scopes, key.extra) == ("key-1", ("identities:read", "keys:admin"), None)
    assert key.namespaces is None  # a key stored before a26c0f5e7d31: no namespace limit

    with store.transaction(SEEDED_WORKSPACE, write=False) as tx:
        events = list(tx.all_events())
        stored = tx.graph()
        assert [i.value for i in tx.identifiers_of("k")] == ["d-1", "ann@example.com"]
        assert tx.profile_by_external_id("u-k") == tx.profile("k")
        assert tx.tombstones_of("k") == ["m"]
    replayed = GraphState()
    replayed.apply_all(events)
    assert len(events) == SEEDED_EVENTS
    assert stored == replayed

    with store.transaction(SEEDED_WORKSPACE) as tx:
        assert tx.append(linked("k", "ann@work.example.com")).seq == SEEDED_EVENTS + 1


def test_the_identifier_history_of_a_seeded_store_is_backfilled_from_its_log(
    store: SqlStore,
) -> None:
    """Stores written before the identifier history (ADR 0025) get it from their event
    log: exactly what the engine would have kept from the start, merges and undos
    included, and new writes go on from there."""
    for revision in revisions_oldest_first():
        migrate.upgrade(store.engine, revision)
        seed = SEEDS.get(revision)
        if seed is not None:
            with store.engine.begin() as conn:
                seed(conn)
    for workspace in (SEEDED_WORKSPACE, UNDONE_WORKSPACE):
        with store.transaction(workspace, write=False) as tx:
            assert tx.holders_ever([IdentifierKey("device", "d-1")]) != set()
            assert_history_is_the_rules(tx)
    with store.transaction(SEEDED_WORKSPACE) as tx:
        tx.append(linked("k", "ann@work.example.com"))
        assert_history_is_the_rules(tx)


def undone_answers(tx: Transaction) -> dict[str, object]:
    """What the `undone` workspace answers to each read the partial indexes serve."""
    by_device = [ProfileRef(namespace="device", value=v) for v in ("d-1", "d-2")]
    refs = [*by_device, ProfileRef.by_id("m"), ProfileRef(external_id="u-k")]
    return {
        "resolve": {r.describe(): queries.get(tx, r).profile.id for r in refs},
        "history": {
            pid: [e.seq for e in queries.history(tx, ProfileRef.by_id(pid))] for pid in "kxg"
        },
        "tombstones_of": {pid: tx.tombstones_of(pid) for pid in "kmxg"},
        "unmerge_of": {seq: tx.unmerge_of(seq) for seq in (9, 10, 11)},
        "undone_merges": tx.undone_merges(),
    }


def test_the_partial_indexes_change_no_answer(store: SqlStore) -> None:
    """A store seeded at the revision before the partial indexes (ADR 0013), with a
    tombstone, an undone merge and a membership event (every rare column filled),
    answers resolve, history, tombstones_of and unmerge_of the same once upgraded, and
    its graph is still what its log replays to. Only then are the indexes partial."""
    migrate.upgrade(store.engine, BEFORE_PARTIAL_INDEXES)
    with store.engine.begin() as conn:
        seed_before_partial_indexes(conn)
    assert declared_predicates(store) == {}

    migrate.upgrade(store.engine)

    assert declared_predicates(store) == PARTIAL
    # Today's code reads columns later revisions add (`identifiers.deprecated`), so it
    # cannot ask the store before the upgrade: the answers the seed was built to give
    # are pinned here instead.
    with store.transaction(UNDONE_WORKSPACE, write=False) as tx:
        after = undone_answers(tx)
        stored, events = tx.graph(), list(tx.all_events())
    assert after == {
        "resolve": {
            "identifier device:d-1": "k",
            "identifier device:d-2": "x",
            "profile m": "k",
            "external_id 'u-k'": "k",
        },
        "history": {"k": [1, 2, 5, 6, 8, 9, 10, 11], "x": [3, 7, 10, 11], "g": [4, 8]},
        "tombstones_of": {"k": ["m"], "m": [], "x": [], "g": []},
        "unmerge_of": {9: None, 10: 11, 11: None},
        "undone_merges": {10: 11},
    }
    replayed = GraphState()
    replayed.apply_all(events)
    assert len(events) == UNDONE_EVENTS
    assert stored == replayed


def test_upgrading_again_keeps_the_data(store: SqlStore) -> None:
    """Re-running migrations on a seeded database changes nothing it holds."""
    store.migrate()
    store.create_workspace("acme", WorkspaceSettings())
    with store.transaction("acme") as tx:
        for change in the_merge():
            tx.append(change)
        before = tx.graph()
    store.migrate()
    with store.transaction("acme", write=False) as tx:
        assert tx.graph() == before


def test_downgrade_to_base_and_back(store: SqlStore) -> None:
    """Every revision can be undone and redone, leaving the same schema."""
    store.migrate()
    with store.engine.connect() as conn, conn.begin():
        command.downgrade(migrate.alembic_config(conn), "base")
    assert set(sa.inspect(store.engine).get_table_names()) == {"alembic_version"}
    store.migrate()
    assert schema_diff(store.engine) == []


def test_processes_starting_at_once_all_migrate(tmp_path: Path) -> None:
    """Four aka processes starting together against one empty PostgreSQL database all
    run `migrate` successfully: the advisory lock makes them take turns, and those
    after the first find the schema at head. The lock is gone once they are done.

    Threads stand in for processes: each store has its own connections, which is all
    PostgreSQL sees. (Without the lock this fails every time: concurrent CREATE TABLEs
    collide in the catalog.)"""
    with empty_database("postgres", tmp_path) as url:
        stores = [PostgresStore(url) for _ in range(4)]
        barrier = threading.Barrier(len(stores))
        errors: list[BaseException] = []

        def start(store: PostgresStore) -> None:
            try:
                barrier.wait()
                store.migrate()
            except BaseException as err:  # reported by the test thread below
                errors.append(err)

        threads = [threading.Thread(target=start, args=(s,)) for s in stores]
        try:
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(60)
            assert not any(t.is_alive() for t in threads)
            assert errors == []
            assert all(s.readiness() is None for s in stores)
            assert schema_diff(stores[0].engine) == []
            with stores[0].engine.connect() as conn:
                held = conn.execute(
                    sa.text(
                        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND"
                        " database = (SELECT oid FROM pg_database"
                        " WHERE datname = current_database())"
                    )
                ).scalar_one()
            assert held == 0
        finally:
            for store in stores:
                store.close()


def sqlite_ddl(engine: sa.Engine) -> dict[tuple[str, str], str]:
    """Every table's and index's CREATE statement, whitespace-normalised."""
    with engine.connect() as conn:
        rows = conn.exec_driver_sql(
            "SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL"
            " AND name != 'alembic_version'"
        ).all()
    return {(kind, name): " ".join(sql.split()) for kind, name, sql in rows}


def test_the_migrated_ddl_is_what_create_all_would_emit(tmp_path: Path) -> None:
    """Autogenerate ignores CHECK constraints and constraint names, so also compare
    the SQLite DDL itself with a database built straight from `tables.metadata`."""
    store = SqliteStore(f"sqlite:///{tmp_path / 'aka.db'}")
    declared = sa.create_engine(f"sqlite:///{tmp_path / 'declared.db'}")
    try:
        store.migrate()
        metadata.create_all(declared)
        assert sqlite_ddl(store.engine) == sqlite_ddl(declared)
    finally:
        declared.dispose()
        store.close()


def test_a_schema_a_later_release_migrated_is_served_as_it_is(
    store: SqlStore, caplog: pytest.LogCaptureFixture
) -> None:
    """A database at a revision this code does not know was migrated by a later release
    (a rolling upgrade in progress, or a rollback of the code): its migrations only added
    to this schema (ADR 0029), so `migrate` leaves it alone, saying so, and the store is
    ready, so an old replica stays in the load balancer's rotation."""
    store.migrate()
    with store.engine.begin() as conn:
        conn.execute(sa.text("UPDATE alembic_version SET version_num = 'f00dfeedbeef'"))
    assert migrate.schema_of(store.engine) == "newer"

    with caplog.at_level("WARNING", logger="aka.migrate"):
        assert store.migrate() == []
    assert "revision f00dfeedbeef, which this aka" in caplog.text
    assert migrate.current_revisions(store.engine) == {"f00dfeedbeef"}
    assert store.readiness() is None
    store.create_workspace("acme", WorkspaceSettings())  # and it works on it
    with store.transaction("acme") as tx:
        seqs = [tx.append(c).seq for c in the_merge()]
    assert seqs[0] == 1


def test_a_schema_behind_is_not_ready_until_migrated(store: SqlStore) -> None:
    """A database behind this code's newest revision answers not ready, naming the fix;
    `migrate` returns every revision it applied, oldest first, then none."""
    migrate.upgrade(store.engine, FIRST_REVISION)
    assert migrate.schema_of(store.engine) == "behind"
    assert store.readiness() == "database schema is not at the newest revision; run `aka migrate`"
    assert store.migrate() == revisions_oldest_first()[1:]
    assert store.migrate() == []
    assert store.readiness() is None
