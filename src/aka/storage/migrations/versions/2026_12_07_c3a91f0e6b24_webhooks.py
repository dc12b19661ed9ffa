"""Webhooks (ADR 0030): `webhooks`, each with its durable cursor into the event log
(which is their outbox) and a delivery lease, and `webhook_deliveries`, one row per
delivery attempt.

Revision ID: c3a91f0e6b24
Revises: a26c0f5e7d31
Create Date: 2026-12-07
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "c3a91f0e6b24"
down_revision: str | None = "a26c0f5e7d31"
branch_labels: str | None = None
depends_on: str | None = None


def _json() -> sa.types.TypeEngine[Any]:
    # Written out, not imported from `tables`: a revision keeps the schema of its day.
    return sa.JSON(none_as_null=True).with_variant(
        postgresql.JSONB(none_as_null=True), "postgresql"
    )


def upgrade() -> None:
    op.create_table(
        "webhooks",
        sa.Column("workspace_id", sa.String(64), nullable=False),
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("url", sa.String(2048), nullable=False),
        sa.Column("events", _json(), nullable=False),
        sa.Column("secret", sa.String(256), nullable=False),
        sa.Column("namespaces", _json(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=True),
        sa.Column("delivered_seq", sa.BigInteger, nullable=False),
        sa.Column("failures", sa.Integer, nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("lease_owner", sa.String(64), nullable=True),
        sa.PrimaryKeyConstraint("workspace_id", "id", name=op.f("pk_webhooks")),
        sa.ForeignKeyConstraint(
            ["workspace_id"], ["workspaces.id"], name=op.f("fk_webhooks_workspace_id_workspaces")
        ),
    )
    op.create_table(
        "webhook_deliveries",
        sa.Column("workspace_id", sa.String(64), nullable=False),
        sa.Column("webhook_id", sa.String(64), nullable=False),
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("first_seq", sa.BigInteger, nullable=False),
        sa.Column("last_seq", sa.BigInteger, nullable=False),
        sa.Column("events", sa.Integer, nullable=False),
        sa.Column("attempt", sa.Integer, nullable=False),
        sa.Column("status_code", sa.Integer, nullable=True),
        sa.Column("error", sa.String(1024), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("duration_ms", sa.Integer, nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint(
            "workspace_id", "webhook_id", "id", name=op.f("pk_webhook_deliveries")
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id", "webhook_id"],
            ["webhooks.workspace_id", "webhooks.id"],
            name=op.f("fk_webhook_deliveries_workspace_id_webhook_id_webhooks"),
        ),
    )
    op.create_index(
        op.f("ix_webhook_deliveries_workspace_id_at"),
        "webhook_deliveries",
        ["workspace_id", "at"],
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_webhook_deliveries_workspace_id_at"), table_name="webhook_deliveries")
    op.drop_table("webhook_deliveries")
    op.drop_table("webhooks")
