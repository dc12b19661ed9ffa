"""Several aka processes migrating one empty store at once (replicas or workers starting
together, ADR 0029): every one succeeds, and each revision is applied exactly once, by
one of them. Real processes (`aka migrate --json`), on SQLite and on PostgreSQL, while
the test holds the migration lock so that they all queue for it."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa

from aka.storage import migrate, open_store
from tests.backends import scratch_database

pytestmark = pytest.mark.slow

PROCESSES = 4
# Longer than the store's 5 s busy timeout: a SQLite process that waited only that long
# for the migration lock would fail.
HOLD_S = 6.5


def start_migrations(url: str) -> list[subprocess.Popen[str]]:
    env = {**os.environ, "AKA_DATABASE_URL": url}
    return [
        subprocess.Popen(
            [sys.executable, "-m", "aka", "migrate", "--json"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(PROCESSES)
    ]


def outcomes(procs: list[subprocess.Popen[str]]) -> list[dict[str, object]]:
    """Each process's `--json` answer, once all have exited 0."""
    answers = []
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        answers.append(json.loads(out))
    return answers


def assert_migrated_exactly_once(answers: list[dict[str, object]], url: str) -> None:
    script = migrate.ScriptDirectory.from_config(migrate.alembic_config())
    every = [r.revision for r in reversed(list(script.walk_revisions()))]
    applied = [a["applied"] for a in answers]
    assert all(a["migrated"] is True for a in answers)
    assert sorted(applied, key=len) == [[]] * (PROCESSES - 1) + [every]
    store = open_store(url)
    try:
        assert store.readiness() is None
    finally:
        store.close()


def wait_for(until: Callable[[], bool], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not until():
        assert time.monotonic() < deadline, "the migrating processes never queued"
        time.sleep(0.05)


@contextmanager
def sqlite_lock_held(url: str, until: Callable[[], bool]) -> Iterator[None]:
    """Hold the SQLite file's write lock (what `aka migrate` takes) until `until()`."""
    path = url.removeprefix("sqlite:///")
    holder = sqlite3.connect(path, isolation_level=None)
    try:
        holder.execute("PRAGMA journal_mode=WAL")  # what every aka connection sets first
        holder.execute("BEGIN IMMEDIATE")
        yield
        wait_for(until)
        holder.execute("COMMIT")
    finally:
        holder.close()


@contextmanager
def postgres_lock_held(url: str, until: Callable[[], bool]) -> Iterator[None]:
    """Hold aka's migration advisory lock in a session of its own until `until()`."""
    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        with engine.connect() as conn:
            conn.execute(sa.select(sa.func.pg_advisory_lock(migrate.MIGRATION_LOCK_KEY)))
            conn.commit()
            yield
            wait_for(until)
            conn.execute(sa.select(sa.func.pg_advisory_unlock(migrate.MIGRATION_LOCK_KEY)))
            conn.commit()
    finally:
        engine.dispose()


def waiting_for_advisory_lock(url: str) -> int:
    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        with engine.connect() as conn:
            return int(
                conn.execute(
                    sa.text(
                        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'"
                        " AND NOT granted AND database = (SELECT oid FROM pg_database"
                        " WHERE datname = current_database())"
                    )
                ).scalar_one()
            )
    finally:
        engine.dispose()


def test_processes_migrating_a_new_sqlite_file_at_once_apply_each_revision_once(
    tmp_path: Path,
) -> None:
    """Four processes started together on a SQLite file that does not exist yet: one
    creates and migrates it, the others wait for its write lock and find nothing to do."""
    url = f"sqlite:///{tmp_path / 'aka.db'}"
    assert_migrated_exactly_once(outcomes(start_migrations(url)), url)


def test_processes_queued_behind_a_long_sqlite_migration_wait_their_turn(
    tmp_path: Path,
) -> None:
    """While another holds the file's write lock for longer than the store's busy
    timeout (as a long migration would), the processes wait for it instead of failing;
    once it is released one migrates and the others find the schema at the head."""
    url = f"sqlite:///{tmp_path / 'aka.db'}"
    started = time.monotonic()
    with sqlite_lock_held(url, until=lambda: time.monotonic() - started > HOLD_S):
        procs = start_migrations(url)
    assert all(p.poll() is None for p in procs)  # all still waiting when the lock went
    assert_migrated_exactly_once(outcomes(procs), url)


def test_processes_queued_on_the_postgres_advisory_lock_migrate_once() -> None:
    """Four processes on one empty PostgreSQL database, all seen queued on the migration
    advisory lock before it is released: one applies every revision, the others none."""
    with scratch_database() as scratch:
        url = scratch.render_as_string(hide_password=False)
        queued: AbstractContextManager[None] = postgres_lock_held(
            url, until=lambda: waiting_for_advisory_lock(url) == PROCESSES
        )
        with queued:
            procs = start_migrations(url)
        assert_migrated_exactly_once(outcomes(procs), url)
