"""Workspace records that are not graph data: API keys and idempotent answers.

Plain functions over a connection, so the store (its own short transactions, for the
CLI) and a request's transaction (so a key created under an `Idempotency-Key` commits
with its stored answer) run the same SQL.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from aka.core.ports import KeyRecord, StoredAnswer
from aka.core.scrub import Scrubber
from aka.storage.sql_common import key_row, to_key
from aka.storage.sql_search import rows_holding
from aka.storage.tables import UtcDateTime, api_keys, idempotency_keys


def insert_key(conn: Connection, key: KeyRecord) -> None:
    try:
        with conn.begin_nested():
            conn.execute(sa.insert(api_keys).values(**key_row(key)))
    except IntegrityError as err:
        # A taken id or hash, or an unknown workspace: a caller's bug, not a user's
        # error (secrets are random), so a plain ValueError as the memory twin raises.
        raise ValueError(f"key {key.id!r} not stored: {err.orig}") from err


def keys_of(conn: Connection, workspace_id: str) -> list[KeyRecord]:
    rows = conn.execute(sa.select(api_keys).where(api_keys.c.workspace_id == workspace_id)).all()
    return sorted((to_key(r) for r in rows), key=lambda k: (k.created_at, k.id))


def revoke(conn: Connection, workspace_id: str, key_id: str) -> bool:
    now = sa.literal(datetime.now(UTC), type_=UtcDateTime())
    result = conn.execute(
        sa.update(api_keys)
        .where(api_keys.c.workspace_id == workspace_id, api_keys.c.id == key_id)
        # Revoking twice keeps the first time: that is when the key stopped working.
        .values(revoked_at=sa.func.coalesce(api_keys.c.revoked_at, now))
    )
    return bool(result.rowcount)


def answer_of(conn: Connection, workspace_id: str, key: str, now: datetime) -> StoredAnswer | None:
    t = idempotency_keys
    row = conn.execute(
        sa.select(t).where(t.c.workspace_id == workspace_id, t.c.key == key, t.c.expires_at > now)
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


def save_answer(conn: Connection, workspace_id: str, key: str, answer: StoredAnswer) -> None:
    t = idempotency_keys
    # An expired answer may still sit under the key until purged: replace it.
    conn.execute(sa.delete(t).where(t.c.workspace_id == workspace_id, t.c.key == key))
    values: dict[str, Any] = {
        "workspace_id": workspace_id,
        "key": key,
        "request_hash": answer.request_hash,
        "status": answer.status,
        "headers": [list(h) for h in answer.headers],
        "body": answer.body,
        "created_at": answer.created_at,
        "expires_at": answer.expires_at,
    }
    conn.execute(sa.insert(t).values(**values))


def purge(conn: Connection, workspace_id: str, now: datetime) -> int:
    t = idempotency_keys
    result = conn.execute(
        sa.delete(t).where(t.c.workspace_id == workspace_id, t.c.expires_at <= now)
    )
    return int(result.rowcount)


def scrub_answers(conn: Connection, workspace_id: str, scrubber: Scrubber) -> int:
    t = idempotency_keys
    changed = 0
    found = rows_holding(
        conn,
        t,
        [t.c.key, t.c.body, t.c.headers],
        scrubber.needles(),
        t.c.workspace_id == workspace_id,
    )
    for row in list(found):
        mine = (t.c.workspace_id == workspace_id, t.c.key == row.key)
        if scrubber.names_in_key(row.key):
            # The key itself is the person's data, and a key cannot be rewritten in place
            # (another answer may hold the rewritten one): the answer goes.
            conn.execute(sa.delete(t).where(*mine))
            changed += 1
            continue
        body = bytes(row.body)
        cleaned = scrubber.body(body)
        headers = scrubber.document(row.headers)
        if cleaned is not body or headers is not row.headers:
            conn.execute(sa.update(t).where(*mine).values(body=cleaned, headers=headers))
            changed += 1
    return changed


class SqlRecords:
    """The Transaction methods for keys and idempotent answers."""

    _conn: Connection
    workspace_id: str

    def stored_answer(self, key: str, now: datetime) -> StoredAnswer | None:
        return answer_of(self._conn, self.workspace_id, key, now)

    def store_answer(self, key: str, answer: StoredAnswer) -> None:
        save_answer(self._conn, self.workspace_id, key, answer)

    def purge_answers(self, now: datetime) -> int:
        return purge(self._conn, self.workspace_id, now)

    def scrub_answers(self, scrubber: Scrubber) -> int:
        return scrub_answers(self._conn, self.workspace_id, scrubber)

    def add_key(self, key: KeyRecord) -> None:
        insert_key(self._conn, key)

    def remove_key(self, key_id: str) -> bool:
        return revoke(self._conn, self.workspace_id, key_id)

    def workspace_keys(self) -> list[KeyRecord]:
        return keys_of(self._conn, self.workspace_id)
