"""The webhooks revision (c3a91f0e6b24, ADR 0030) on a seeded store: it adds the two
tables beside the data and takes nothing away; undone, it leaves the graph as it was."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command

from aka.core.namespace_scope import UNLIMITED
from aka.service import webhooks
from aka.storage import migrate, open_store
from aka.storage.sql_store import SqlStore
from tests.backends import empty_database, sql_backend_params

from .changes import linked
from .migration_seeds import SEEDED_EVENTS, SEEDED_WORKSPACE, SEEDS
from .test_migrations import revisions_oldest_first

BEFORE_WEBHOOKS = "a26c0f5e7d31"


@pytest.fixture(params=sql_backend_params())
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SqlStore]:
    with empty_database(request.param, tmp_path) as url:
        store = open_store(url)
        assert isinstance(store, SqlStore)
        yield store
        store.close()


def seeded_up_to(store: SqlStore, last: str) -> None:
    for revision in revisions_oldest_first():
        migrate.upgrade(store.engine, revision)
        seed = SEEDS.get(revision)
        if seed is not None:
            with store.engine.begin() as conn:
                seed(conn)
        if revision == last:
            return


def test_a_seeded_store_gains_webhooks_that_deliver_what_comes_after(store: SqlStore) -> None:
    """Upgraded past the revision, the seeded workspace has no webhooks; one made now
    starts at the log's end (the seeded events are not delivered) and its next batch
    is the event written after it."""
    seeded_up_to(store, BEFORE_WEBHOOKS)
    assert "webhooks" not in sa.inspect(store.engine).get_table_names()
    migrate.upgrade(store.engine)
    assert migrate.current_is_head(store.engine)
    now = datetime.now(UTC)
    with store.transaction(SEEDED_WORKSPACE) as tx:
        assert tx.webhooks.all() == []
        hook = webhooks.create(
            tx,
            url="https://hooks.example/aka",
            types=["identifier.linked"],
            secret="x" * 32,
            scope=UNLIMITED,
            actor="key-1",
            now=now,
        )
    assert hook.delivered_seq == SEEDED_EVENTS
    with store.transaction(SEEDED_WORKSPACE) as tx:
        tx.append(linked("k", "ann@work.example.com"))
    with store.transaction(SEEDED_WORKSPACE, write=False) as tx:
        batch = webhooks.next_batch(tx, hook, 10)
    assert [e.seq for e in batch.events] == [SEEDED_EVENTS + 1]


def test_undoing_the_revision_drops_only_its_tables(store: SqlStore) -> None:
    seeded_up_to(store, BEFORE_WEBHOOKS)
    migrate.upgrade(store.engine)
    with store.transaction(SEEDED_WORKSPACE, write=False) as tx:
        before = tx.graph()
    with store.engine.connect() as conn, conn.begin():
        command.downgrade(migrate.alembic_config(conn), BEFORE_WEBHOOKS)
    names = set(sa.inspect(store.engine).get_table_names())
    assert not {"webhooks", "webhook_deliveries"} & names
    migrate.upgrade(store.engine)
    with store.transaction(SEEDED_WORKSPACE, write=False) as tx:
        assert tx.graph() == before
        assert tx.webhooks.all() == []
