"""The event log on SQL: its reads (`EventLogReads`) and the one rewrite erasure makes.
Its append, which also applies each event's effect to the graph and so needs the
graph's reads, is `SqlAppend` (`sql_append.py`).

Shared by the SQLite and PostgreSQL stores. The change feed and `aka check`'s replay
page through the log on the driver's cursor (`sql_plain`); the other reads are Core.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from typing import Any, Final

import sqlalchemy as sa

from aka.core import events as ev
from aka.core.model import Event
from aka.storage.sql_driver import SqlPart
from aka.storage.sql_rows import chunks, to_event
from aka.storage.tables import events

_FEED_PAGE: Final = 1000


class SqlEventLog(SqlPart):
    """A workspace's event log over one transaction's connection, read."""

    def rewrite_payload(self, seq: int, payload: dict[str, Any]) -> None:
        self._conn.execute(
            sa.update(events)
            .where(events.c.workspace_id == self.workspace_id, events.c.seq == seq)
            .values(payload=payload)
        )

    # -- reads
    def last_seq(self) -> int:
        return int(self._row(self._plain.last_seq, self.workspace_id)[0])

    def event(self, seq: int) -> Event | None:
        row = self._conn.execute(
            sa.select(events).where(events.c.workspace_id == self.workspace_id, events.c.seq == seq)
        ).one_or_none()
        return None if row is None else to_event(row)

    def events(self, after: int, limit: int) -> list[Event]:
        # On the driver's cursor: `aka check` replays the whole log through here, and
        # Core's row processing was half the replay's time (24 s of 51 s for 1.5M events
        # on SQLite).
        rows = self._rows(self._plain.events_after, self.workspace_id, after, limit)
        return [self._plain.to_event(r) for r in rows]

    def events_about(self, profile_ids: Collection[str]) -> list[Event]:
        found: dict[int, Event] = {}
        mine = events.c.workspace_id == self.workspace_id
        for part in chunks(sorted(set(profile_ids))):
            # The workspace is said in each arm of the OR: SQLite splits an OR into one
            # search per index only when each arm alone can search one, and both indexes
            # lead with `workspace_id`. With it said once outside, SQLite read every event
            # of the workspace for each history (ADR 0013).
            rows = self._conn.execute(
                sa.select(events).where(
                    sa.or_(
                        sa.and_(mine, events.c.profile_id.in_(part)),
                        sa.and_(mine, events.c.other_profile_id.in_(part)),
                    )
                )
            )
            found.update((int(r.seq), to_event(r)) for r in rows)
        return [found[seq] for seq in sorted(found)]

    def unmerge_of(self, merge_seq: int) -> int | None:
        # The latest one, as replay would leave it in `GraphState.undone`: taken in
        # Python, not with `max(seq)`, which SQLite answers by walking the primary key
        # backwards from the newest event until one matches (the whole log, for a merge
        # that was never undone) instead of reading the partial `ref_seq` index (ADR 0013).
        seqs = self._conn.execute(
            sa.select(events.c.seq).where(
                events.c.workspace_id == self.workspace_id,
                events.c.ref_seq == merge_seq,
                events.c.type == ev.PROFILE_UNMERGED,
            )
        ).scalars()
        return max((int(seq) for seq in seqs), default=None)

    def all_events(self) -> Iterator[Event]:
        # Paged, so replaying a long log never holds it all in memory at once.
        after = 0
        while True:
            page = self.events(after, _FEED_PAGE)
            yield from page
            if len(page) < _FEED_PAGE:
                return
            after = page[-1].seq
