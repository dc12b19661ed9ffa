"""Keyset pages over a workspace's live graph, for `aka export`.

Keyset, not OFFSET: each page starts where the last one ended (`id > after`), so a page
costs the same at the ten-millionth profile as at the first and every row is read once,
straight off the primary key's index.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from aka.core.model import Membership, Profile
from aka.storage.sql_common import to_profile
from aka.storage.tables import memberships, profiles


class SqlTransfer:
    """The Transaction methods that page through live profiles and memberships."""

    _conn: Connection
    workspace_id: str

    def profiles_page(self, after_id: str | None, limit: int) -> list[Profile]:
        query = sa.select(profiles).where(
            profiles.c.workspace_id == self.workspace_id, profiles.c.merged_into.is_(None)
        )
        if after_id is not None:
            query = query.where(profiles.c.id > after_id)
        rows = self._conn.execute(query.order_by(profiles.c.id).limit(limit))
        return [to_profile(r) for r in rows]

    def memberships_page(self, after: tuple[str, str] | None, limit: int) -> list[Membership]:
        query = sa.select(memberships).where(memberships.c.workspace_id == self.workspace_id)
        if after is not None:
            query = query.where(sa.tuple_(memberships.c.group_id, memberships.c.member_id) > after)
        rows = self._conn.execute(
            query.order_by(memberships.c.group_id, memberships.c.member_id).limit(limit)
        )
        return [Membership(r.group_id, r.member_id, int(r.seq)) for r in rows]
