"""Partial indexes on the columns that are NULL on nearly every row (ADR 0013).

`profiles.merged_into` is NULL on every live profile, `events.other_profile_id` on every
event but merges, unmerges and membership changes, `events.ref_seq` on every event but
unmerges. Their indexes now hold only the rows with a value, so the common write (a
profile, an identifier and their events) adds no entry to any of them. Every query that
reads through them compares the column with `=` or `IN` or says `IS NOT NULL`, which
SQLite and PostgreSQL both accept as implying the index's predicate.

The names stay the same. SQLite rebuilds each index inside the migration's one write
transaction (readers keep their snapshot meanwhile). PostgreSQL builds the three partial
indexes under temporary names first, which blocks writes to the tables but not reads,
and only then drops the full ones and renames the new: the lock that blocks reads too
is held for those last catalog changes, not for the builds.

Revision ID: b8d7ca4ba4a7
Revises: 8c3f2a6d9e14
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "b8d7ca4ba4a7"
down_revision: str | None = "8c3f2a6d9e14"
branch_labels: str | None = None
depends_on: str | None = None

# (table, column): each indexed as (workspace_id, column).
_RARE = (
    ("profiles", "merged_into"),
    ("events", "other_profile_id"),
    ("events", "ref_seq"),
)


def _name(table: str, column: str) -> str:
    return f"ix_{table}_workspace_id_{column}"


def _rebuild(*, partial: bool) -> None:
    def where(column: str) -> sa.TextClause | None:
        return sa.text(f"{column} IS NOT NULL") if partial else None

    if op.get_bind().dialect.name != "postgresql":
        for table, column in _RARE:
            op.drop_index(op.f(_name(table, column)), table_name=table)
            op.create_index(
                op.f(_name(table, column)),
                table,
                ["workspace_id", column],
                sqlite_where=where(column),
            )
        return
    # Every new index is built first, under a lock that lets reads go on; the DROPs,
    # whose lock stops reads too until the commit, come last and take a moment.
    for table, column in _RARE:
        op.create_index(
            op.f(_name(table, column) + "_new"),
            table,
            ["workspace_id", column],
            postgresql_where=where(column),
        )
    for table, column in _RARE:
        op.drop_index(op.f(_name(table, column)), table_name=table)
        op.execute(f"ALTER INDEX {_name(table, column)}_new RENAME TO {_name(table, column)}")


def upgrade() -> None:
    _rebuild(partial=True)


def downgrade() -> None:
    _rebuild(partial=False)
