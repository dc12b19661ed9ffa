"""API keys limited to namespaces: `api_keys.namespaces`, a JSON list of patterns
(exact names and `prefix*`); NULL for a key without a limit, as every key stored before
this revision is (ADR 0026).

Revision ID: a26c0f5e7d31
Revises: a5f0c3e1b7d2
Create Date: 2026-12-07
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "a26c0f5e7d31"
down_revision: str | None = "a5f0c3e1b7d2"
branch_labels: str | None = None
depends_on: str | None = None


def _json() -> sa.types.TypeEngine[Any]:
    # Written out, not imported from `tables`: a revision keeps the schema of its day.
    return sa.JSON(none_as_null=True).with_variant(
        postgresql.JSONB(none_as_null=True), "postgresql"
    )


def upgrade() -> None:
    # A nullable column without a default: instant on both databases, no table rewrite.
    with op.batch_alter_table("api_keys") as batch:
        batch.add_column(sa.Column("namespaces", _json(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("api_keys") as batch:
        batch.drop_column("namespaces")
