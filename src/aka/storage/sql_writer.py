"""The SQL transaction: the reads, the append (`sql_append.py`), savepoints, payload
rewrites and the records of the doors, put together. The dialect hooks are
`lock_profiles` here and `_upsert_memberships` in `SqlEffects`.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import cached_property
from typing import Any

import sqlalchemy as sa

from aka.core.settings import WorkspaceSettings
from aka.storage.sql_answers import SqlAnswers
from aka.storage.sql_append import SqlAppend
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


class SqlTransaction(SqlAppend, SqlBulk, SqlPages):
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
