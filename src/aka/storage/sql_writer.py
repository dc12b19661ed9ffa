"""The write side of a SQL transaction: `append`, savepoints, payload rewrites.

`append` numbers the event from the workspace row, stores it, and hands it to the
effect of its type (`sql_effects.py`), all inside one savepoint. The dialect hooks are
`lock_profiles` here and `_upsert_memberships` in `SqlEffects`.
"""

from __future__ import annotations

import json
from abc import abstractmethod
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import cached_property
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from aka.core.events import Change
from aka.core.model import Event
from aka.core.ports import event_subjects
from aka.core.settings import WorkspaceSettings
from aka.core.state import ReplayError
from aka.storage.sql_answers import SqlAnswers
from aka.storage.sql_bulk import SqlBulk
from aka.storage.sql_common import chunks
from aka.storage.sql_door_records import SqlPushRecords, SqlRequestIds
from aka.storage.sql_effects import Edge
from aka.storage.sql_files import SqlFiles
from aka.storage.sql_jobs import SqlJobs
from aka.storage.sql_keys import SqlKeys
from aka.storage.sql_pages import SqlPages
from aka.storage.tables import events, profiles, workspaces

__all__ = ["Edge", "SqlTransaction"]


class SqlTransaction(SqlBulk, SqlPages):
    """A `Transaction` over one connection; the store that opened it commits or rolls back."""

    # The records beside the graph, each its own object on this transaction's connection,
    # made on first use: most transactions never touch them, and a SQLite reader's
    # SQLAlchemy connection is only opened when needed (`Link`).
    @cached_property
    def answers(self) -> SqlAnswers:
        return SqlAnswers(self._conn, self.workspace_id)

    @cached_property
    def keys(self) -> SqlKeys:
        return SqlKeys(self._conn, self.workspace_id)

    @cached_property
    def request_ids(self) -> SqlRequestIds:
        return SqlRequestIds(self._conn, self.workspace_id)

    @cached_property
    def push_records(self) -> SqlPushRecords:
        return SqlPushRecords(self._conn, self.workspace_id)

    @cached_property
    def jobs(self) -> SqlJobs:
        return SqlJobs(self._conn, self.workspace_id)

    @cached_property
    def files(self) -> SqlFiles:
        return SqlFiles(self._conn, self.workspace_id)

    @abstractmethod
    def lock_profiles(self, profile_ids: Sequence[str]) -> None: ...

    def _lock_rows_in_id_order(self, profile_ids: Sequence[str]) -> None:
        """Row locks for backends that have them (`FOR UPDATE`, in id order)."""
        wanted = sorted(set(profile_ids))
        for part in chunks(wanted):
            self._conn.execute(
                sa.select(profiles.c.id)
                .where(profiles.c.workspace_id == self.workspace_id, profiles.c.id.in_(part))
                .order_by(profiles.c.id)
                .with_for_update()
            ).all()

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        with self._conn.begin_nested():
            yield

    # --- the event log -------------------------------------------------------------
    def append(self, change: Change) -> Event:
        return self._append_at(change, datetime.now(UTC))

    def _append_at(self, change: Change, at: datetime) -> Event:
        if not self._write:
            # On SQLite a read transaction would have to upgrade its lock mid-way and
            # could fail with "database is locked" only under load; fail every time.
            raise RuntimeError("append needs a transaction opened with write=True")
        effect = self._effects().get(change.type)
        if effect is None:
            raise ReplayError(f"unknown event type {change.type!r}")
        profile_id, other_profile_id, ref_seq = event_subjects(change)
        # Round-trip the payload so the returned event equals the stored one (tuples
        # become lists) and a non-JSON payload fails before anything is written.
        payload: dict[str, Any] = json.loads(json.dumps(change.payload))
        actor = change.actor
        # A savepoint, so a refused event leaves neither its row, nor its seq, nor half
        # an effect behind, and the surrounding transaction stays usable.
        with self._conn.begin_nested():
            try:
                seq = self._next_seq()
                event = Event(seq, change.type, profile_id, at, actor, payload)
                self._conn.execute(
                    sa.insert(events).values(
                        workspace_id=self.workspace_id,
                        seq=seq,
                        type=event.type,
                        profile_id=profile_id,
                        other_profile_id=other_profile_id,
                        ref_seq=ref_seq,
                        actor=actor,
                        at=event.at,
                        payload=payload,
                    )
                )
                effect(event)
            except IntegrityError as err:
                # The first line names the constraint; PostgreSQL's DETAIL line below it
                # repeats the key's values (an email, a device id): not for logs.
                reason = str(err.orig).strip().splitlines()[0]
                raise ReplayError(
                    f"{change.type}: the database refused the change ({reason})"
                ) from err
        return event

    def _next_seq(self) -> int:
        seq = self._conn.execute(
            sa.update(workspaces)
            .where(workspaces.c.id == self.workspace_id)
            .values(last_seq=workspaces.c.last_seq + 1)
            .returning(workspaces.c.last_seq)
        ).scalar_one()
        return int(seq)

    def rewrite_payload(self, seq: int, payload: dict[str, Any]) -> None:
        self._conn.execute(
            sa.update(events)
            .where(events.c.workspace_id == self.workspace_id, events.c.seq == seq)
            .values(payload=payload)
        )

    def save_settings(self, settings: WorkspaceSettings) -> None:
        self._conn.execute(
            sa.update(workspaces)
            .where(workspaces.c.id == self.workspace_id)
            .values(settings=settings.to_json())
        )
