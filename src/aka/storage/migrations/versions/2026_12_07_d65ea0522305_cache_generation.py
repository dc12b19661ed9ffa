"""The cache generation: one row bumped by every change to an API key or to a
workspace's settings, so each process can keep both in memory and know, cheaply and
without a timer, when what it keeps went stale (ADR 0021).

The row starts at 0. A store that was written before this revision has no process
caching anything yet, so there is nothing to invalidate.

Revision ID: d65ea0522305
Revises: 6e2d9b1c4a80
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "d65ea0522305"
down_revision: str | None = "6e2d9b1c4a80"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    # Written out, not imported from `tables`: a revision keeps the schema of its day.
    table = op.create_table(
        "cache_generation",
        sa.Column("id", sa.SmallInteger, autoincrement=False, nullable=False),
        sa.Column("generation", sa.BigInteger, nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_cache_generation_one_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cache_generation")),
    )
    op.bulk_insert(table, [{"id": 1, "generation": 0}])


def downgrade() -> None:
    op.drop_table("cache_generation")
