"""The identifier history, for resolving as of any moment (ADR 0025).

`identifier_spans` holds every version of an identifier row that ended, with the events
that opened and closed it (the current version is the row itself);
`ix_events_workspace_id_at_seq` finds the last event at or before a time.

The history of a store written before this revision is rebuilt from its event log, not
from its current rows: the rows only say what holds now, while the versions before
(identifiers since moved by merges, unlinked, renamed, demoted; merges since undone)
exist only in the log. Each workspace's log is replayed into a `GraphState` with the
same rule the engine now follows for every event (`core.history.IdentifierHistory`),
so a backfilled history equals one kept from the start: redacted values replay as
their placeholders (never answered), and every deletion erases the history of what it
deleted. It holds one workspace's graph in memory at a time, as `aka check` does, and
reads the log a page at a time.

Revision ID: a5f0c3e1b7d2
Revises: a24c0d5e7f31
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Final

import sqlalchemy as sa
from alembic import op

from aka.core.history import IdentifierHistory
from aka.core.model import Event
from aka.core.state import GraphState
from aka.storage.tables import UtcDateTime, json_type

revision: str = "a5f0c3e1b7d2"
down_revision: str | None = "a24c0d5e7f31"
branch_labels: str | None = None
depends_on: str | None = None

_PAGE: Final = 10_000

# Written out, not imported from `tables`: a revision keeps the schema of its day.
_meta = sa.MetaData()
_events = sa.Table(
    "events",
    _meta,
    sa.Column("workspace_id", sa.String(64)),
    sa.Column("seq", sa.BigInteger),
    sa.Column("type", sa.String(64)),
    sa.Column("profile_id", sa.String(64)),
    sa.Column("actor", sa.Text),
    sa.Column("at", UtcDateTime()),
    sa.Column("payload", json_type()),
)


def _columns() -> list[Any]:
    return [
        sa.Column("workspace_id", sa.String(64), nullable=False),
        sa.Column("namespace", sa.String(255), nullable=False),
        sa.Column("value", sa.String(1024), nullable=False),
        sa.Column("from_seq", sa.BigInteger, nullable=False),
        sa.Column("to_seq", sa.BigInteger, nullable=False),
        sa.Column("profile_id", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("is_primary", sa.Boolean, nullable=False),
        sa.Column("disabled", sa.Boolean, nullable=False),
        sa.Column("attributes", json_type(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("seq", sa.BigInteger, nullable=False),
        sa.Column("deprecated", sa.Boolean, nullable=False, server_default=sa.false()),
    ]


def upgrade() -> None:
    bind = op.get_bind()
    constraints: list[Any] = [
        sa.PrimaryKeyConstraint(
            "workspace_id", "namespace", "value", "from_seq", name=op.f("pk_identifier_spans")
        )
    ]
    if bind.dialect.name == "sqlite":  # as on the other graph tables (ADR 0013)
        constraints.append(
            sa.ForeignKeyConstraint(
                ["workspace_id"],
                ["workspaces.id"],
                name=op.f("fk_identifier_spans_workspace_id_workspaces"),
            )
        )
    spans = op.create_table("identifier_spans", *_columns(), *constraints)
    op.create_index(
        op.f("ix_identifier_spans_workspace_id_profile_id_from_seq"),
        "identifier_spans",
        ["workspace_id", "profile_id", "from_seq"],
    )
    op.create_index(op.f("ix_events_workspace_id_at_seq"), "events", ["workspace_id", "at", "seq"])
    workspace_ids = bind.execute(sa.text("SELECT id FROM workspaces ORDER BY id")).scalars()
    for workspace_id in list(workspace_ids):
        _backfill(bind, spans, str(workspace_id))


def _log(bind: sa.Connection, workspace_id: str) -> Iterator[Event]:
    after = 0
    while True:
        rows = bind.execute(
            sa.select(_events)
            .where(_events.c.workspace_id == workspace_id, _events.c.seq > after)
            .order_by(_events.c.seq)
            .limit(_PAGE)
        ).all()
        for r in rows:
            yield Event(int(r.seq), r.type, r.profile_id, r.at, r.actor, dict(r.payload))
        if len(rows) < _PAGE:
            return
        after = int(rows[-1].seq)


def _backfill(bind: sa.Connection, spans: sa.Table, workspace_id: str) -> None:
    state, history = GraphState(), IdentifierHistory()
    journal = state.journal()
    for event in _log(bind, workspace_id):
        history.apply(state, event)
        journal.forget()  # nothing here is taken back: keep the journal empty
    batch: list[dict[str, Any]] = []
    for span in history.spans():
        if span.to_seq is None:
            continue  # the current version is the identifier's own row
        i = span.identifier
        batch.append(
            {
                "workspace_id": workspace_id,
                "namespace": i.namespace,
                "value": i.value,
                "from_seq": span.from_seq,
                "to_seq": span.to_seq,
                "profile_id": i.profile_id,
                "kind": i.kind.value,
                "is_primary": i.primary,
                "disabled": i.disabled,
                "attributes": i.attributes,
                "created_at": i.created_at,
                "seq": i.seq,
                "deprecated": i.deprecated,
            }
        )
        if len(batch) == _PAGE:
            bind.execute(sa.insert(spans), batch)
            batch = []
    if batch:
        bind.execute(sa.insert(spans), batch)


def downgrade() -> None:
    op.drop_index(op.f("ix_events_workspace_id_at_seq"), table_name="events")
    op.drop_index(
        op.f("ix_identifier_spans_workspace_id_profile_id_from_seq"),
        table_name="identifier_spans",
    )
    op.drop_table("identifier_spans")
