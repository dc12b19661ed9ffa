"""No workspace foreign key on the graph tables on PostgreSQL (ADR 0013).

On PostgreSQL a foreign key is checked by a trigger per inserted row that locks the
referenced row (`FOR KEY SHARE`). Every profile, identifier, membership and event row
referenced its workspace's row, which each write transaction itself updates (`last_seq`):
measured on a bulk load of 20,000 people (46,667 identifiers), the COPY of the
identifiers took 2.86 s with the check and 1.29 s without, the events 0.81 s against
0.34 s, the profiles 0.70 s against 0.25 s. The check guards nothing aka can do: a
transaction is opened only in a workspace that exists (the store reads, and on
PostgreSQL locks, its row first) and no workspace is ever deleted. SQLite keeps the
constraint: its check is a plain index probe and costs nothing measurable there.

Revision ID: 3f6a1c2e9b70
Revises: b8d7ca4ba4a7
Create Date: 2026-12-06
"""

from __future__ import annotations

from alembic import op

revision: str = "3f6a1c2e9b70"
down_revision: str | None = "b8d7ca4ba4a7"
branch_labels: str | None = None
depends_on: str | None = None

_GRAPH_TABLES = ("profiles", "identifiers", "memberships", "events")


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in _GRAPH_TABLES:
        op.drop_constraint(op.f(f"fk_{table}_workspace_id_workspaces"), table, type_="foreignkey")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in _GRAPH_TABLES:
        op.create_foreign_key(
            op.f(f"fk_{table}_workspace_id_workspaces"),
            table,
            "workspaces",
            ["workspace_id"],
            ["id"],
        )
