"""Bookkeeping the vendor doors need (`RequestIds`, `PushRecords`) over one connection.

Not graph data (no events): which request ids were used and which Coveo update is the
newest are facts about the transport, so replaying the event log need not rebuild them.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from aka.core.model import IdentifierKey
from aka.core.ports import PushRecord
from aka.storage.tables import pushed_identities, seen_requests


@dataclass(frozen=True, slots=True)
class SqlRequestIds:
    """The `RequestIds` of one workspace, in the transaction `conn` is in."""

    conn: Connection
    workspace_id: str

    def remember(self, request_id: str, now: datetime, expires_at: datetime) -> bool:
        t = seen_requests
        mine = (t.c.workspace_id == self.workspace_id, t.c.request_id == request_id)
        self.conn.execute(sa.delete(t).where(*mine, t.c.expires_at <= now))
        try:
            # A savepoint: a duplicate must not poison the caller's transaction. On
            # PostgreSQL a second process inserting the same id waits on the unique index
            # until the first commits, then fails here: exactly one of them wins.
            with self.conn.begin_nested():
                self.conn.execute(
                    sa.insert(t).values(
                        workspace_id=self.workspace_id, request_id=request_id, expires_at=expires_at
                    )
                )
        except IntegrityError:
            return False
        return True

    def purge(self, now: datetime) -> int:
        t = seen_requests
        result = self.conn.execute(
            sa.delete(t).where(t.c.workspace_id == self.workspace_id, t.c.expires_at <= now)
        )
        return int(result.rowcount)


@dataclass(frozen=True, slots=True)
class SqlPushRecords:
    """The `PushRecords` of one workspace, in the transaction `conn` is in."""

    conn: Connection
    workspace_id: str

    def _of(self, key: IdentifierKey) -> tuple[sa.ColumnElement[bool], ...]:
        t = pushed_identities
        return (
            t.c.workspace_id == self.workspace_id,
            t.c.namespace == key.namespace,
            t.c.value == key.value,
        )

    def get(self, key: IdentifierKey) -> PushRecord | None:
        t = pushed_identities
        row = self.conn.execute(
            sa.select(t.c.ordering_id, t.c.granted).where(*self._of(key))
        ).one_or_none()
        if row is None:
            return None
        granted = tuple(IdentifierKey(str(n), str(v)) for n, v in row.granted)
        return PushRecord(int(row.ordering_id), granted)

    def put(self, key: IdentifierKey, record: PushRecord) -> None:
        t = pushed_identities
        values = {
            "ordering_id": record.ordering_id,
            "granted": [[k.namespace, k.value] for k in record.granted],
        }
        if self.conn.execute(sa.update(t).where(*self._of(key)).values(**values)).rowcount:
            return
        self.conn.execute(
            sa.insert(t).values(
                workspace_id=self.workspace_id, namespace=key.namespace, value=key.value, **values
            )
        )

    def forget(self, keys: Collection[IdentifierKey]) -> int:
        t = pushed_identities
        removed = 0
        for key in keys:  # a deleted profile holds few identifiers: one statement each
            removed += int(self.conn.execute(sa.delete(t).where(*self._of(key))).rowcount)
        return removed

    def older_than(self, namespace: str, ordering_id: int) -> list[IdentifierKey]:
        t = pushed_identities
        rows = self.conn.execute(
            sa.select(t.c.namespace, t.c.value)
            .where(
                t.c.workspace_id == self.workspace_id,
                t.c.namespace == namespace,
                t.c.ordering_id < ordering_id,
            )
            .order_by(t.c.value)
        ).all()
        return [IdentifierKey(r.namespace, r.value) for r in rows]
