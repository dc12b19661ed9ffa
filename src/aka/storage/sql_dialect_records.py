"""Bookkeeping the vendor doors need: seen Mimecast request ids, Coveo push records.

Not graph data (no events): which request ids were used and which Coveo update is the
newest are facts about the transport, so replaying the event log need not rebuild them.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from aka.core.model import Identifier, IdentifierKey
from aka.core.ports import PushRecord
from aka.storage.sql_common import to_identifier
from aka.storage.tables import identifiers, pushed_identities, seen_requests


class SqlDialectRecords:
    """The Transaction methods for request ids and push records."""

    _conn: Connection
    workspace_id: str

    def remember_request(self, request_id: str, now: datetime, expires_at: datetime) -> bool:
        t = seen_requests
        mine = (t.c.workspace_id == self.workspace_id, t.c.request_id == request_id)
        self._conn.execute(sa.delete(t).where(*mine, t.c.expires_at <= now))
        try:
            # A savepoint: a duplicate must not poison the caller's transaction. On
            # PostgreSQL a second process inserting the same id waits on the unique index
            # until the first commits, then fails here: exactly one of them wins.
            with self._conn.begin_nested():
                self._conn.execute(
                    sa.insert(t).values(
                        workspace_id=self.workspace_id, request_id=request_id, expires_at=expires_at
                    )
                )
        except IntegrityError:
            return False
        return True

    def purge_requests(self, now: datetime) -> int:
        t = seen_requests
        result = self._conn.execute(
            sa.delete(t).where(t.c.workspace_id == self.workspace_id, t.c.expires_at <= now)
        )
        return int(result.rowcount)

    def push_record(self, key: IdentifierKey) -> PushRecord | None:
        t = pushed_identities
        row = self._conn.execute(
            sa.select(t.c.ordering_id, t.c.granted).where(
                t.c.workspace_id == self.workspace_id,
                t.c.namespace == key.namespace,
                t.c.value == key.value,
            )
        ).one_or_none()
        if row is None:
            return None
        granted = tuple(IdentifierKey(str(n), str(v)) for n, v in row.granted)
        return PushRecord(int(row.ordering_id), granted)

    def save_push_record(self, key: IdentifierKey, record: PushRecord) -> None:
        t = pushed_identities
        where = (
            t.c.workspace_id == self.workspace_id,
            t.c.namespace == key.namespace,
            t.c.value == key.value,
        )
        values = {
            "ordering_id": record.ordering_id,
            "granted": [[k.namespace, k.value] for k in record.granted],
        }
        if self._conn.execute(sa.update(t).where(*where).values(**values)).rowcount:
            return
        self._conn.execute(
            sa.insert(t).values(
                workspace_id=self.workspace_id, namespace=key.namespace, value=key.value, **values
            )
        )

    def forget_push_records(self, keys: Collection[IdentifierKey]) -> int:
        t = pushed_identities
        removed = 0
        for key in keys:  # a deleted profile holds few identifiers: one statement each
            removed += int(
                self._conn.execute(
                    sa.delete(t).where(
                        t.c.workspace_id == self.workspace_id,
                        t.c.namespace == key.namespace,
                        t.c.value == key.value,
                    )
                ).rowcount
            )
        return removed

    def pushed_before(self, namespace: str, ordering_id: int) -> list[IdentifierKey]:
        t = pushed_identities
        rows = self._conn.execute(
            sa.select(t.c.namespace, t.c.value)
            .where(
                t.c.workspace_id == self.workspace_id,
                t.c.namespace == namespace,
                t.c.ordering_id < ordering_id,
            )
            .order_by(t.c.value)
        ).all()
        return [IdentifierKey(r.namespace, r.value) for r in rows]

    def identifiers_in_domain(self, namespace: str, domain: str, limit: int) -> list[Identifier]:
        t = identifiers
        # LIKE with an escape: a domain may hold `_`, which LIKE reads as a wildcard.
        pattern = "%@" + domain.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        rows = self._conn.execute(
            sa.select(t)
            .where(
                t.c.workspace_id == self.workspace_id,
                t.c.namespace == namespace,
                t.c.value.like(pattern, escape="\\"),
            )
            .order_by(t.c.value)
            .limit(limit)
        ).all()
        # SQLite's LIKE ignores ASCII case: keep exact matches only, as the contract says.
        return [to_identifier(r) for r in rows if str(r.value).endswith("@" + domain)]
