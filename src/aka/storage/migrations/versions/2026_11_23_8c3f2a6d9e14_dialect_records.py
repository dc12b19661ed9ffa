"""Dialect bookkeeping: seen Mimecast request ids, what each Coveo push
wrote, background jobs and file containers.

Revision ID: 8c3f2a6d9e14
Revises: 5b1e0c9d2a47
Create Date: 2026-11-23
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "8c3f2a6d9e14"
down_revision: str | None = "5b1e0c9d2a47"
branch_labels: str | None = None
depends_on: str | None = None


def _json() -> sa.types.TypeEngine[Any]:
    return sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "seen_requests",
        sa.Column("workspace_id", sa.String(64), nullable=False),
        sa.Column("request_id", sa.String(255), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("workspace_id", "request_id", name=op.f("pk_seen_requests")),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_seen_requests_workspace_id_workspaces"),
        ),
    )
    op.create_index(
        op.f("ix_seen_requests_workspace_id_expires_at"),
        "seen_requests",
        ["workspace_id", "expires_at"],
    )
    op.create_table(
        "pushed_identities",
        sa.Column("workspace_id", sa.String(64), nullable=False),
        sa.Column("namespace", sa.String(255), nullable=False),
        sa.Column("value", sa.String(1024), nullable=False),
        sa.Column("ordering_id", sa.BigInteger(), nullable=False),
        sa.Column("granted", _json(), nullable=False),
        sa.PrimaryKeyConstraint(
            "workspace_id", "namespace", "value", name=op.f("pk_pushed_identities")
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_pushed_identities_workspace_id_workspaces"),
        ),
    )
    op.create_index(
        op.f("ix_pushed_identities_workspace_id_namespace_ordering_id"),
        "pushed_identities",
        ["workspace_id", "namespace", "ordering_id"],
    )

    op.create_table(
        "jobs",
        sa.Column("workspace_id", sa.String(64), nullable=False),
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("params", _json(), nullable=False),
        sa.Column("done", sa.BigInteger(), nullable=False),
        sa.Column("failed", sa.BigInteger(), nullable=False),
        sa.Column("total", sa.BigInteger(), nullable=True),
        sa.Column("errors", _json(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("workspace_id", "id", name=op.f("pk_jobs")),
        sa.ForeignKeyConstraint(
            ["workspace_id"], ["workspaces.id"], name=op.f("fk_jobs_workspace_id_workspaces")
        ),
    )
    op.create_index(
        op.f("ix_jobs_workspace_id_status_created_at"),
        "jobs",
        ["workspace_id", "status", "created_at"],
    )
    op.create_table(
        "file_containers",
        sa.Column("workspace_id", sa.String(64), nullable=False),
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("workspace_id", "id", name=op.f("pk_file_containers")),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_file_containers_workspace_id_workspaces"),
        ),
    )
    op.create_table(
        "file_chunks",
        sa.Column("workspace_id", sa.String(64), nullable=False),
        sa.Column("file_id", sa.String(64), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("workspace_id", "file_id", "n", name=op.f("pk_file_chunks")),
        sa.ForeignKeyConstraint(
            ["workspace_id", "file_id"],
            ["file_containers.workspace_id", "file_containers.id"],
            name=op.f("fk_file_chunks_workspace_id_file_id_file_containers"),
        ),
    )


def downgrade() -> None:
    op.drop_table("file_chunks")
    op.drop_table("file_containers")
    op.drop_table("jobs")
    op.drop_table("pushed_identities")
    op.drop_table("seen_requests")
