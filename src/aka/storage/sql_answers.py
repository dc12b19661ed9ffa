"""Answers to `Idempotency-Key`s (`Answers`) over one connection."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from aka.core.ports import StoredAnswer
from aka.core.scrub import Scrubber
from aka.storage.sql_search import rows_holding
from aka.storage.tables import idempotency_keys as t


@dataclass(frozen=True, slots=True)
class SqlAnswers:
    """The `Answers` of one workspace, in the transaction `conn` is in."""

    conn: Connection
    workspace_id: str

    def get(self, key: str, now: datetime) -> StoredAnswer | None:
        row = self.conn.execute(
            sa.select(t).where(
                t.c.workspace_id == self.workspace_id, t.c.key == key, t.c.expires_at > now
            )
        ).one_or_none()
        if row is None:
            return None
        return StoredAnswer(
            request_hash=row.request_hash,
            status=row.status,
            headers=[(str(n), str(v)) for n, v in row.headers],
            body=bytes(row.body),
            created_at=row.created_at,
            expires_at=row.expires_at,
        )

    def put(self, key: str, answer: StoredAnswer) -> None:
        # An expired answer may still sit under the key until purged: replace it.
        self.conn.execute(sa.delete(t).where(*self._under(key)))
        values: dict[str, Any] = {
            "workspace_id": self.workspace_id,
            "key": key,
            "request_hash": answer.request_hash,
            "status": answer.status,
            "headers": [list(h) for h in answer.headers],
            "body": answer.body,
            "created_at": answer.created_at,
            "expires_at": answer.expires_at,
        }
        self.conn.execute(sa.insert(t).values(**values))

    def purge(self, now: datetime) -> int:
        result = self.conn.execute(
            sa.delete(t).where(t.c.workspace_id == self.workspace_id, t.c.expires_at <= now)
        )
        return int(result.rowcount)

    def scrub(self, scrubber: Scrubber) -> int:
        changed = 0
        found = rows_holding(
            self.conn,
            t,
            [t.c.key, t.c.body, t.c.headers],
            scrubber.needles(),
            t.c.workspace_id == self.workspace_id,
        )
        for row in list(found):
            mine = self._under(row.key)
            if scrubber.names_in_key(row.key):
                # The key itself is the person's data, and a key cannot be rewritten in
                # place (another answer may hold the rewritten one): the answer goes.
                self.conn.execute(sa.delete(t).where(*mine))
                changed += 1
                continue
            body = bytes(row.body)
            cleaned = scrubber.body(body)
            headers = scrubber.document(row.headers)
            if cleaned is not body or headers is not row.headers:
                self.conn.execute(sa.update(t).where(*mine).values(body=cleaned, headers=headers))
                changed += 1
        return changed

    def _under(self, key: str) -> tuple[sa.ColumnElement[bool], ...]:
        return (t.c.workspace_id == self.workspace_id, t.c.key == key)
