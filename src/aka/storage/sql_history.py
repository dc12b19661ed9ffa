"""The identifier history on SQL (`identifier_spans`, ADR 0025): its upkeep, the one
place every event's effect on it is written, and its reads (`GraphHistory`).

`core/history.py` (`IdentifierHistory.apply`) is the rule: after an event, each
identifier it wrote gets a new version (none when the event removed it), the open one
ending at the event; an erasure removes every version of the erased identifiers and
profiles. The SQL applier tells this class what each event wrote: new rows of a segment
(`span_rows`, written with the identifier rows by the same COPY or executemany), and
the keys the in-place effects changed (`record`, two statements for any number of keys).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from datetime import datetime
from typing import Any, Final

import sqlalchemy as sa

from aka.core.model import Event, Identifier, IdentifierKey
from aka.storage.sql_driver import SqlPart
from aka.storage.sql_rows import chunks
from aka.storage.tables import events, identifier_spans, identifiers

# A span row: the identifier row's columns (`sql_append._IDENTIFIER_COLUMNS`) and the
# seq it starts at. `to_seq` is left NULL: a new row is current.
SPAN_COLUMNS: Final = (
    "workspace_id", "namespace", "value", "profile_id", "kind", "is_primary", "disabled",
    "attributes", "created_at", "seq", "deprecated", "from_seq",
)  # fmt: skip
_COPIED: Final = SPAN_COLUMNS[:-1]  # what a version copies of the identifier row
_SEQ: Final = _COPIED.index("seq")


def span_rows(identifier_rows: Iterable[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """The first version of each new identifier row: it starts at the row's own seq
    (the event that linked it)."""
    return [(*row, row[_SEQ]) for row in identifier_rows]


class SqlHistory(SqlPart):
    """A workspace's identifier history over one transaction's connection."""

    # --- upkeep (the applier's, in the event's transaction)
    def record(self, keys: Collection[IdentifierKey], seq: int) -> None:
        """Event `seq` changed or removed these identifiers: each one's open version
        ends at `seq`, and the row as it now is (if any) opens the next."""
        if not keys:
            return
        ws = self.workspace_id
        params = [{"b_ns": k.namespace, "b_value": k.value} for k in keys]
        self._conn.execute(
            sa.update(identifier_spans)
            .where(
                identifier_spans.c.workspace_id == ws,
                identifier_spans.c.namespace == sa.bindparam("b_ns"),
                identifier_spans.c.value == sa.bindparam("b_value"),
                identifier_spans.c.to_seq.is_(None),
            )
            .values(to_seq=seq),
            params,
        )
        current = sa.select(
            *(identifiers.c[name] for name in _COPIED), sa.literal(seq, sa.BigInteger)
        ).where(
            identifiers.c.workspace_id == ws,
            identifiers.c.namespace == sa.bindparam("b_ns"),
            identifiers.c.value == sa.bindparam("b_value"),
        )
        self._conn.execute(
            sa.insert(identifier_spans).from_select(list(SPAN_COLUMNS), current), params
        )

    def erase(self, keys: Collection[IdentifierKey], profile_ids: Sequence[str]) -> None:
        """Forget every version of these identifiers, wherever they were held, and every
        version these profiles held (erasure: no past answer brings them back)."""
        ws = self.workspace_id
        if keys:
            self._conn.execute(
                sa.delete(identifier_spans).where(
                    identifier_spans.c.workspace_id == ws,
                    identifier_spans.c.namespace == sa.bindparam("b_ns"),
                    identifier_spans.c.value == sa.bindparam("b_value"),
                ),
                [{"b_ns": k.namespace, "b_value": k.value} for k in set(keys)],
            )
        for part in chunks(sorted(set(profile_ids))):
            self._conn.execute(
                sa.delete(identifier_spans).where(
                    identifier_spans.c.workspace_id == ws,
                    identifier_spans.c.profile_id.in_(part),
                )
            )

    # --- GraphHistory: plain SQL on the driver's cursor (`sql_plain`): an as-of resolve
    # makes four or five reads, and building each as Core cost more than the database's
    # own work (1.9 ms against 0.04 ms for a current resolve, SQLite, in process).
    def identifier_at(self, key: IdentifierKey, seq: int) -> Identifier | None:
        row = self._row(
            self._plain.identifier_at, self.workspace_id, key.namespace, key.value, seq, seq
        )
        return None if row is None else self._plain.to_identifier(row)

    def identifiers_at(self, profile_id: str, seq: int) -> list[Identifier]:
        rows = self._rows(self._plain.identifiers_at, self.workspace_id, profile_id, seq, seq)
        # Sorted here, not by the database: by code point whatever its collation.
        return sorted(
            (self._plain.to_identifier(r) for r in rows), key=lambda i: (i.namespace, i.value)
        )

    def profile_events(self, profile_id: str, seq: int) -> list[Event]:
        ws = self.workspace_id
        rows = self._rows(self._plain.profile_events, ws, profile_id, ws, profile_id)
        found = (self._plain.to_event(r) for r in rows if int(r[0]) <= seq)
        return sorted(found, key=lambda e: e.seq)

    def holders_ever(self, keys: Collection[IdentifierKey]) -> set[str]:
        found: set[str] = set()
        pairs = sorted({(k.namespace, k.value) for k in keys})
        for part in chunks(pairs):
            found.update(
                self._conn.execute(
                    sa.select(identifier_spans.c.profile_id)
                    .distinct()
                    .where(
                        identifier_spans.c.workspace_id == self.workspace_id,
                        sa.tuple_(identifier_spans.c.namespace, identifier_spans.c.value).in_(part),
                    )
                ).scalars()
            )
        return found

    def seq_at(self, at: datetime) -> int:
        dialect = self._db.dialect
        processor = events.c.at.type.dialect_impl(dialect).bind_processor(dialect)
        bound = at if processor is None else processor(at)
        row = self._row(self._plain.seq_at, self.workspace_id, bound)
        return 0 if row is None else int(row[0])
