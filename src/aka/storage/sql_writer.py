"""The SQL transaction: the graph's reads (`sql_graph_reads`), its event log (read:
`sql_event_log`; appended to: `sql_append`), its pages (`sql_pages`) and the records
beside it, each an object of its own on the transaction's one connection, put
together as one `Transaction`. The dialect hooks are `lock_profiles` and
`_dialect_insert` (ON CONFLICT, for the effects).

The methods of `GraphReads`, `GraphPages` and `EventLog` are passed on one line each:
the port keeps its flat spelling (`tx.identifier(key)`), and each class stays small and
stands alone (ADR 0015).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from functools import cached_property
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from aka.core.events import Change
from aka.core.model import Event, Identifier, IdentifierKey, Membership, Profile
from aka.core.ports import GraphCounts
from aka.core.settings import WorkspaceSettings
from aka.core.state import GraphState
from aka.storage.cache_generation import bump
from aka.storage.sql_answers import SqlAnswers
from aka.storage.sql_append import SqlAppend
from aka.storage.sql_door_records import SqlPushRecords, SqlRequestIds
from aka.storage.sql_driver import DbHandle
from aka.storage.sql_effects import Edge
from aka.storage.sql_event_log import SqlEventLog
from aka.storage.sql_files import SqlFiles
from aka.storage.sql_graph_reads import SqlGraphReads
from aka.storage.sql_history import SqlHistory
from aka.storage.sql_jobs import SqlJobs
from aka.storage.sql_keys import SqlKeys
from aka.storage.sql_pages import SqlPages
from aka.storage.sql_rows import chunks
from aka.storage.sql_webhooks import SqlWebhooks
from aka.storage.tables import profiles, workspaces

__all__ = ["Edge", "SqlTransaction"]


class SqlTransaction(ABC):
    """A `Transaction` over one connection; the store that opened it commits or rolls back."""

    def __init__(
        self,
        conn: Connection | DbHandle,
        workspace_id: str,
        *,
        write: bool,
        settings_text: str | None = None,
    ) -> None:
        self.workspace_id = workspace_id
        self._db = conn if isinstance(conn, DbHandle) else DbHandle.of(conn)
        self._write = write
        self._reads = SqlGraphReads(
            self._db, workspace_id, write=write, settings_text=settings_text
        )

    @property
    def _conn(self) -> Connection:
        """The SQLAlchemy connection every Core statement runs on (opened on first use
        by a SQLite reader: `DbHandle`)."""
        return self._db.connection()

    @staticmethod
    @abstractmethod
    def _dialect_insert(table: sa.Table) -> Any:
        """The backend's INSERT construct that knows ON CONFLICT (SQLite, PostgreSQL)."""

    @abstractmethod
    def lock_profiles(self, profile_ids: Sequence[str]) -> None: ...

    # The log, its append, the pages and the records beside the graph are made on
    # first use: a resolve touches none of them.
    @cached_property
    def _log(self) -> SqlEventLog:
        return SqlEventLog(self._db, self.workspace_id)

    @cached_property
    def _append(self) -> SqlAppend:
        # Each event's effect is checked against this transaction's own graph reads.
        return SqlAppend(
            self._db,
            self.workspace_id,
            write=self._write,
            graph=self._reads,
            insert=self._dialect_insert,
        )

    @cached_property
    def _history(self) -> SqlHistory:
        return SqlHistory(self._db, self.workspace_id)

    @cached_property
    def _pages(self) -> SqlPages:
        return SqlPages(self._db, self.workspace_id)

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

    @cached_property
    def webhooks(self) -> SqlWebhooks:
        return SqlWebhooks(self._conn, self.workspace_id)

    # --- the unit of work itself
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

    def save_settings(self, settings: WorkspaceSettings) -> None:
        self._conn.execute(
            sa.update(workspaces)
            .where(workspaces.c.id == self.workspace_id)
            .values(settings=settings.to_json())
        )
        bump(self._conn)  # processes that keep this workspace's settings drop them

    # --- GraphReads: `SqlGraphReads`
    def settings(self) -> WorkspaceSettings:
        return self._reads.settings()

    def profile(self, profile_id: str) -> Profile | None:
        return self._reads.profile(profile_id)

    def profile_by_external_id(self, external_id: str) -> Profile | None:
        return self._reads.profile_by_external_id(external_id)

    def tombstones_of(self, profile_id: str) -> list[str]:
        return self._reads.tombstones_of(profile_id)

    def identifier(self, key: IdentifierKey) -> Identifier | None:
        return self._reads.identifier(key)

    def read_ahead(self, keys: Collection[IdentifierKey]) -> None:
        """`SqlGraphReads.read_ahead` (`queries.ReadsAhead`)."""
        self._reads.read_ahead(keys)

    def identifiers_of(self, profile_id: str) -> list[Identifier]:
        return self._reads.identifiers_of(profile_id)

    def identifiers_of_many(self, profile_ids: Collection[str]) -> list[Identifier]:
        return self._reads.identifiers_of_many(profile_ids)

    def count_in_namespace(self, profile_id: str, namespace: str) -> int:
        return self._reads.count_in_namespace(profile_id, namespace)

    def identifiers_in_domain(self, namespace: str, domain: str, limit: int) -> list[Identifier]:
        return self._reads.identifiers_in_domain(namespace, domain, limit)

    def profiles_with_field(self, name: str, value: str, limit: int) -> list[Profile]:
        return self._reads.profiles_with_field(name, value, limit)

    def identifiers_by_keys(
        self, keys: Collection[IdentifierKey]
    ) -> dict[IdentifierKey, Identifier]:
        return self._reads.identifiers_by_keys(keys)

    def profiles_by_ids(self, profile_ids: Collection[str]) -> dict[str, Profile]:
        return self._reads.profiles_by_ids(profile_ids)

    def profiles_by_external_ids(self, external_ids: Collection[str]) -> dict[str, Profile]:
        return self._reads.profiles_by_external_ids(external_ids)

    def memberships_touching(self, profile_id: str) -> list[Membership]:
        return self._reads.memberships_touching(profile_id)

    def groups_of(self, member_ids: Collection[str]) -> list[Membership]:
        return self._reads.groups_of(member_ids)

    # --- GraphPages: `SqlPages`
    def profiles_page(
        self, after_id: str | None, limit: int, *, tombstones: bool = False
    ) -> list[Profile]:
        return self._pages.profiles_page(after_id, limit, tombstones=tombstones)

    def identifiers_page(self, after: IdentifierKey | None, limit: int) -> list[Identifier]:
        return self._pages.identifiers_page(after, limit)

    def memberships_page(self, after: tuple[str, str] | None, limit: int) -> list[Membership]:
        return self._pages.memberships_page(after, limit)

    def undone_merges(self) -> dict[int, int]:
        return self._pages.undone_merges()

    def graph_counts(self) -> GraphCounts:
        return self._pages.graph_counts()

    def graph(self) -> GraphState:
        return self._pages.graph()

    # --- EventLog: `SqlAppend` writes, `SqlEventLog` reads
    def append(self, change: Change) -> Event:
        return self._append.append(change)

    def append_many(self, changes: Sequence[Change], at: datetime) -> list[Event]:
        return self._append.append_many(changes, at)

    def rewrite_payload(self, seq: int, payload: dict[str, Any]) -> None:
        self._log.rewrite_payload(seq, payload)

    def last_seq(self) -> int:
        return self._log.last_seq()

    def event(self, seq: int) -> Event | None:
        return self._log.event(seq)

    def events(self, after: int, limit: int) -> list[Event]:
        return self._log.events(after, limit)

    def events_about(self, profile_ids: Collection[str]) -> list[Event]:
        return self._log.events_about(profile_ids)

    def unmerge_of(self, merge_seq: int) -> int | None:
        return self._log.unmerge_of(merge_seq)

    def all_events(self) -> Iterator[Event]:
        return self._log.all_events()

    # --- GraphHistory: `SqlHistory`
    def identifier_at(self, key: IdentifierKey, seq: int) -> Identifier | None:
        return self._history.identifier_at(key, seq)

    def identifiers_at(self, profile_id: str, seq: int) -> list[Identifier]:
        return self._history.identifiers_at(profile_id, seq)

    def profile_events(self, profile_id: str, seq: int) -> list[Event]:
        return self._history.profile_events(profile_id, seq)

    def holders_ever(self, keys: Collection[IdentifierKey]) -> set[str]:
        return self._history.holders_ever(keys)

    def seq_at(self, at: datetime) -> int:
        return self._history.seq_at(at)
