"""A migrated aka database on the test set-up's primary and streaming replica
(`replication` fixture, `bench/pg_pair.py`), for the replica suites."""

from __future__ import annotations

import secrets

from bench.pg_pair import PgPair

from aka.storage.postgres import PostgresStore


def migrated_database(pair: PgPair) -> tuple[str, str]:
    """A new database, migrated on the primary and replayed on the replica: its URLs
    on (primary, replica)."""
    primary_url, replica_url = pair.create_database(f"aka_{secrets.token_hex(4)}")
    setup = PostgresStore(primary_url)
    try:
        setup.migrate()
    finally:
        setup.close()
    pair.wait_caught_up()
    return primary_url, replica_url
