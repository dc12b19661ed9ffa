"""Keyset pages over a workspace's whole graph, for `aka export` and `aka check`.

Keyset, not OFFSET: each page starts where the last one ended (`id > after`), so a page
costs the same at the ten-millionth profile as at the first and every row is read once,
straight off the primary key's index. Profiles and identifiers, which a check reads by
the million, run as plain SQL on the driver's cursor and are decoded by `PlainSql`
(`sql_plain`) (Core measured ~10 µs a row there, most of a page's cost).
"""

# S608: every statement here is assembled from this module's constants only; values are
# always bound parameters, never formatted in.
# ruff: noqa: S608

from __future__ import annotations

from typing import Final

import sqlalchemy as sa

from aka.core import events as ev
from aka.core.model import Identifier, IdentifierKey, Membership, Profile
from aka.core.ports import GraphCounts
from aka.core.state import GraphState
from aka.storage.sql_driver import SqlPart
from aka.storage.sql_plain import IDENT_SELECT, PROFILE_SELECT
from aka.storage.sql_rows import to_identifier, to_profile
from aka.storage.tables import events, identifiers, memberships, profiles

# `{p}`: the driver's placeholder. The row-value comparison walks the primary key on
# both databases (SQLite: `SEARCH ... (workspace_id=? AND (namespace,value)>(?,?))`).
_IDENTIFIERS: Final = f"SELECT {IDENT_SELECT} FROM identifiers WHERE workspace_id = {{p}}"
_IDENTIFIERS_AFTER: Final = _IDENTIFIERS + " AND (namespace, value) > ({p}, {p})"
_IDENTIFIERS_ORDER: Final = " ORDER BY namespace, value LIMIT {p}"
_PROFILES: Final = f"SELECT {PROFILE_SELECT} FROM profiles WHERE workspace_id = {{p}}"
_LIVE: Final = " AND merged_into IS NULL"
_AFTER_ID: Final = " AND id > {p}"
_PROFILES_ORDER: Final = " ORDER BY id LIMIT {p}"


class SqlPages(SqlPart):
    """`GraphPages` of one workspace over one transaction's connection."""

    def _sql(self, text: str) -> str:
        return text.format(p="%s" if self._plain.arrays else "?")

    def profiles_page(
        self, after_id: str | None, limit: int, *, tombstones: bool = False
    ) -> list[Profile]:
        text = _PROFILES + ("" if tombstones else _LIVE)
        params: tuple[object, ...] = (self.workspace_id,)
        if after_id is not None:
            text, params = text + _AFTER_ID, (*params, after_id)
        rows = self._db.execute(self._sql(text + _PROFILES_ORDER), (*params, limit))
        return [self._plain.to_profile(r) for r in rows.fetchall()]

    def identifiers_page(self, after: IdentifierKey | None, limit: int) -> list[Identifier]:
        params: tuple[object, ...]
        if after is None:
            text, params = _IDENTIFIERS, (self.workspace_id, limit)
        else:
            text = _IDENTIFIERS_AFTER
            params = (self.workspace_id, after.namespace, after.value, limit)
        rows = self._db.execute(self._sql(text + _IDENTIFIERS_ORDER), params)
        return [self._plain.to_identifier(r) for r in rows.fetchall()]

    def memberships_page(self, after: tuple[str, str] | None, limit: int) -> list[Membership]:
        query = sa.select(memberships).where(memberships.c.workspace_id == self.workspace_id)
        if after is not None:
            query = query.where(sa.tuple_(memberships.c.group_id, memberships.c.member_id) > after)
        rows = self._conn.execute(
            query.order_by(memberships.c.group_id, memberships.c.member_id).limit(limit)
        )
        return [Membership(r.group_id, r.member_id, int(r.seq)) for r in rows]

    def undone_merges(self) -> dict[int, int]:
        # `ref_seq IS NOT NULL` is the partial index's own predicate, so the few unmerges
        # are read off it. Sorted here rather than by ORDER BY seq, which SQLite serves by
        # walking the whole log in primary-key order instead (ADR 0013).
        rows = self._conn.execute(
            sa.select(events.c.ref_seq, events.c.seq).where(
                events.c.workspace_id == self.workspace_id,
                events.c.type == ev.PROFILE_UNMERGED,
                events.c.ref_seq.is_not(None),
            )
        )
        # In seq order, so the latest unmerge of a merge wins, as in replay.
        ordered = sorted((int(row.seq), int(row.ref_seq)) for row in rows)
        return {ref_seq: seq for seq, ref_seq in ordered}

    def graph(self) -> GraphState:
        ws = self.workspace_id
        state = GraphState()
        for row in self._conn.execute(sa.select(profiles).where(profiles.c.workspace_id == ws)):
            state.profiles[row.id] = to_profile(row)
        for row in self._conn.execute(
            sa.select(identifiers).where(identifiers.c.workspace_id == ws)
        ):
            ident = to_identifier(row)
            state.identifiers[ident.key] = ident
        for row in self._conn.execute(
            sa.select(memberships).where(memberships.c.workspace_id == ws)
        ):
            state.memberships[(row.group_id, row.member_id)] = int(row.seq)
        state.undone.update(self.undone_merges())
        return state

    def graph_counts(self) -> GraphCounts:
        def count(table: sa.Table) -> int:
            query = sa.select(sa.func.count()).where(table.c.workspace_id == self.workspace_id)
            return int(self._conn.execute(query.select_from(table)).scalar_one())

        return GraphCounts(count(profiles), count(identifiers), count(memberships))
