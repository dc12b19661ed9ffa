"""A workspace's API keys (`Keys`) over one connection.

The same class serves a request's transaction (so a key created under an
`Idempotency-Key` commits with its stored answer) and the store's own short
transactions (`SqlStore.create_key`, `keys`, `revoke_key`, for the CLI): one SQL for each.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from aka.core.ports import KeyRecord
from aka.storage.cache_generation import bump
from aka.storage.sql_rows import key_row, to_key
from aka.storage.tables import UtcDateTime, api_keys


@dataclass(frozen=True, slots=True)
class SqlKeys:
    """The `Keys` of one workspace, in the transaction `conn` is in. Each change bumps
    the cache generation in that transaction, so every process that keeps keys in
    memory drops them once it commits (`cache_generation`)."""

    conn: Connection
    workspace_id: str

    def add(self, key: KeyRecord) -> None:
        try:
            with self.conn.begin_nested():
                self.conn.execute(sa.insert(api_keys).values(**key_row(key)))
                bump(self.conn)
        except IntegrityError as err:
            # A taken id or hash, or an unknown workspace: a caller's bug, not a user's
            # error (secrets are random), so a plain ValueError as the memory twin raises.
            raise ValueError(f"key {key.id!r} not stored: {err.orig}") from err

    def revoke(self, key_id: str) -> bool:
        now = sa.literal(datetime.now(UTC), type_=UtcDateTime())
        result = self.conn.execute(
            sa.update(api_keys)
            .where(api_keys.c.workspace_id == self.workspace_id, api_keys.c.id == key_id)
            # Revoking twice keeps the first time: that is when the key stopped working.
            .values(revoked_at=sa.func.coalesce(api_keys.c.revoked_at, now))
        )
        if result.rowcount:
            bump(self.conn)
        return bool(result.rowcount)

    def all(self) -> list[KeyRecord]:
        rows = self.conn.execute(
            sa.select(api_keys).where(api_keys.c.workspace_id == self.workspace_id)
        ).all()
        return sorted((to_key(r) for r in rows), key=lambda k: (k.created_at, k.id))
