"""Indexes for the holders of a shared value: a profile's `email` and `phone` fields
(ADR 0018), on both databases.

Braze names a user by an email or a phone that several users may share, held as the
profile's field; `GraphReads.profiles_with_field` finds the holders. Without an index
that is a scan of the workspace's profiles per lookup. Each index is on the expression
`tables.SharedField` renders for its database, which the query uses too (SQLite uses an
expression index only for the very same expression).

The build blocks writes to `profiles` (not reads) while it runs, as the partial indexes
of b8d7ca4ba4a7 did.

Revision ID: 6e2d9b1c4a80
Revises: 3f6a1c2e9b70
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "6e2d9b1c4a80"
down_revision: str | None = "3f6a1c2e9b70"
branch_labels: str | None = None
depends_on: str | None = None

_FIELDS = ("email", "phone")


# Written out, not imported from `tables`: a revision keeps the schema of its day.
_EXPRESSION = {
    "postgresql": "(attributes ->> '{name}')",
    "sqlite": "json_extract(attributes, '$.{name}')",
}


def upgrade() -> None:
    expression = _EXPRESSION[op.get_bind().dialect.name]
    for name in _FIELDS:
        op.create_index(
            f"ix_profiles_workspace_id_{name}",
            "profiles",
            ["workspace_id", sa.text(expression.format(name=name)), "id"],
        )


def downgrade() -> None:
    for name in _FIELDS:
        op.drop_index(f"ix_profiles_workspace_id_{name}", table_name="profiles")
