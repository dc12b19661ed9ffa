"""Indexes for the holders of a shared value: `attributes ->> 'email'` and `->> 'phone'`
of `profiles`, on PostgreSQL (ADR 0018).

Braze names a user by an email or a phone that several users may share, held as the
profile's field; `GraphReads.profiles_with_field` finds the holders. Without an index
that is a scan of the workspace's profiles per lookup. SQLite keeps scanning: it cannot
reflect an expression index, and its workspaces are the small ones.

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


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for name in _FIELDS:
        op.create_index(
            f"ix_profiles_workspace_id_{name}",
            "profiles",
            ["workspace_id", sa.text(f"(attributes ->> '{name}')")],
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for name in _FIELDS:
        op.drop_index(f"ix_profiles_workspace_id_{name}", table_name="profiles")
