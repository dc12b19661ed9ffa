"""The initial schema: workspaces, profiles, identifiers, memberships, events, api keys.

Written by hand and frozen: it must not import `aka.storage.tables`, which will keep
changing after this revision; `tests/storage/test_migrations.py` proves the two agree.
Names are wrapped in `op.f()` (final), or Alembic would run them through the target
metadata's naming convention a second time.

Revision ID: 1da4aef377c7
Revises:
Create Date: 2026-11-23
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "1da4aef377c7"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None


def _json(*, none_as_null: bool = False) -> sa.types.TypeEngine[Any]:
    return sa.JSON(none_as_null=none_as_null).with_variant(
        postgresql.JSONB(none_as_null=none_as_null), "postgresql"
    )


def _ts() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def _ws_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["workspace_id"], ["workspaces.id"], name=op.f(f"fk_{table}_workspace_id_workspaces")
    )


def _profile_fk(table: str, column: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["workspace_id", column],
        ["profiles.workspace_id", "profiles.id"],
        name=op.f(f"fk_{table}_workspace_id_{column}_profiles"),
    )


def upgrade() -> None:
    op.create_table(
        "workspaces",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("settings", _json(), nullable=False),
        sa.Column("last_seq", sa.BigInteger(), nullable=False),
        sa.Column("created_at", _ts(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_workspaces")),
    )
    op.create_table(
        "profiles",
        sa.Column("workspace_id", sa.String(64), nullable=False),
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("external_id", sa.String(1024), nullable=True),
        sa.Column("attributes", _json(), nullable=False),
        sa.Column("merged_into", sa.String(64), nullable=True),
        sa.Column("created_at", _ts(), nullable=False),
        sa.Column("updated_at", _ts(), nullable=False),
        sa.PrimaryKeyConstraint("workspace_id", "id", name=op.f("pk_profiles")),
        sa.UniqueConstraint(
            "workspace_id", "external_id", name=op.f("uq_profiles_workspace_id_external_id")
        ),
        _ws_fk("profiles"),
        _profile_fk("profiles", "merged_into"),
        sa.CheckConstraint(
            "merged_into IS NULL OR merged_into <> id",
            name=op.f("ck_profiles_not_merged_into_self"),
        ),
    )
    op.create_index(
        op.f("ix_profiles_workspace_id_merged_into"), "profiles", ["workspace_id", "merged_into"]
    )
    op.create_table(
        "identifiers",
        sa.Column("workspace_id", sa.String(64), nullable=False),
        sa.Column("namespace", sa.String(255), nullable=False),
        sa.Column("value", sa.String(1024), nullable=False),
        sa.Column("profile_id", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("is_primary", sa.Boolean(), nullable=False),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.Column("attributes", _json(), nullable=False),
        sa.Column("created_at", _ts(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("workspace_id", "namespace", "value", name=op.f("pk_identifiers")),
        _ws_fk("identifiers"),
        _profile_fk("identifiers", "profile_id"),
        sa.CheckConstraint(
            "kind IN ('USER', 'GROUP', 'VIRTUAL_GROUP', 'UNKNOWN')",
            name=op.f("ck_identifiers_kind_known"),
        ),
    )
    op.create_index(
        op.f("ix_identifiers_workspace_id_profile_id_namespace"),
        "identifiers",
        ["workspace_id", "profile_id", "namespace"],
    )
    op.create_table(
        "memberships",
        sa.Column("workspace_id", sa.String(64), nullable=False),
        sa.Column("group_id", sa.String(64), nullable=False),
        sa.Column("member_id", sa.String(64), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint(
            "workspace_id", "group_id", "member_id", name=op.f("pk_memberships")
        ),
        _ws_fk("memberships"),
        _profile_fk("memberships", "group_id"),
        _profile_fk("memberships", "member_id"),
    )
    op.create_index(
        op.f("ix_memberships_workspace_id_member_id"), "memberships", ["workspace_id", "member_id"]
    )
    op.create_table(
        "events",
        sa.Column("workspace_id", sa.String(64), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("type", sa.String(64), nullable=False),
        sa.Column("profile_id", sa.String(64), nullable=True),
        sa.Column("other_profile_id", sa.String(64), nullable=True),
        sa.Column("ref_seq", sa.BigInteger(), nullable=True),
        sa.Column("actor", sa.Text(), nullable=True),
        sa.Column("at", _ts(), nullable=False),
        sa.Column("payload", _json(), nullable=False),
        sa.PrimaryKeyConstraint("workspace_id", "seq", name=op.f("pk_events")),
        _ws_fk("events"),
    )
    for column in ("profile_id", "other_profile_id", "ref_seq"):
        op.create_index(
            op.f(f"ix_events_workspace_id_{column}"), "events", ["workspace_id", column]
        )
    op.create_table(
        "api_keys",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("workspace_id", sa.String(64), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("prefix", sa.Text(), nullable=False),
        sa.Column("secret_hash", sa.String(128), nullable=False),
        sa.Column("scopes", _json(), nullable=False),
        sa.Column("extra", _json(none_as_null=True), nullable=True),
        sa.Column("created_at", _ts(), nullable=False),
        sa.Column("revoked_at", _ts(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_keys")),
        sa.UniqueConstraint("secret_hash", name=op.f("uq_api_keys_secret_hash")),
        _ws_fk("api_keys"),
    )
    op.create_index(op.f("ix_api_keys_workspace_id"), "api_keys", ["workspace_id"])


def downgrade() -> None:
    for table in ("api_keys", "events", "memberships", "identifiers", "profiles", "workspaces"):
        op.drop_table(table)
