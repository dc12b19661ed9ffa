"""Deprecated identifiers: a flag on each identifier row, set on the names a profile was
renamed away from (its old external ids in the `aka:external_id` namespace, a Braze
alias kept on update), which still resolve until removed (ADR 0024).

Every existing row is current: the column's default, false, fills them. On PostgreSQL
11+ adding a column with a constant default rewrites no rows; SQLite's ADD COLUMN never
does.

Revision ID: a24c0d5e7f31
Revises: d65ea0522305
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "a24c0d5e7f31"
down_revision: str | None = "d65ea0522305"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.add_column(
        "identifiers",
        sa.Column("deprecated", sa.Boolean(), nullable=False, server_default=sa.false()),
    )


def downgrade() -> None:
    # SQLite drops a column in place since 3.35 (batch mode would copy the table, and
    # reflecting it warns about the expression indexes of `profiles`).
    op.drop_column("identifiers", "deprecated")
