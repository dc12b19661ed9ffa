"""The event log's append on SQL: one event or ten thousand through the same code.

`append_many` numbers the events from the workspace row, writes their rows with one
multi-row statement, and applies their effects in order. Events whose effect is only new
rows (`profile.created` with its identifiers, `identifier.linked`, `membership.added` and
`membership.removed`) are applied a segment at a time: every row of the segment with
one statement per table, then the primaries each link demotes and the profiles it
touches. The other types change rows in place and apply one event at a time
(`sql_effects.py`), each already set-based over the rows it names.

This module and `sql_effects.py` are the SQL reading of the events; `core/state.py`
(`GraphState`) is the specification, and the contract suite holds the two together on
random event sequences (`tests/storage/test_store_contract_replay.py`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import IntegrityError

from aka.core import events as ev
from aka.core.events import Change
from aka.core.model import Event, IdentifierKey, Kind, kind_of
from aka.core.ports import event_subjects
from aka.core.state import ReplayError
from aka.storage import json_text
from aka.storage.sql_effects import Edge, SqlEffects
from aka.storage.sql_rows import chunks
from aka.storage.tables import events, identifiers, profiles

# Event types whose effect is new rows (or a removed edge): applied a segment at a time.
_ROW_TYPES: Final = frozenset(
    {ev.PROFILE_CREATED, ev.IDENTIFIER_LINKED, ev.MEMBERSHIP_ADDED, ev.MEMBERSHIP_REMOVED}
)
# Below this many rows an `executemany` beats PostgreSQL's COPY (which costs a round
# trip to start and one to finish whatever it carries).
_COPY_FROM: Final = 64


# The rows this module writes are tuples in these column orders (a dict per row, taken
# apart again per column, was a fifth of a bulk append's Python).
_EVENT_COLUMNS: Final = (
    "workspace_id", "seq", "type", "profile_id", "other_profile_id", "ref_seq", "actor", "at",
    "payload",
)  # fmt: skip
_PROFILE_COLUMNS: Final = (
    "workspace_id", "id", "external_id", "attributes", "merged_into", "created_at", "updated_at",
)  # fmt: skip
_IDENTIFIER_COLUMNS: Final = (
    "workspace_id", "namespace", "value", "profile_id", "kind", "is_primary", "disabled",
    "attributes", "created_at", "seq", "deprecated",
)  # fmt: skip
Row = tuple[Any, ...]


@dataclass(frozen=True, slots=True)
class _RowInsert:
    """An INSERT compiled once per dialect, with each column's bind processor."""

    sql: str
    names: tuple[str, ...]  # parameter order
    at: tuple[int, ...]  # where each parameter is in a row
    positional: bool
    processors: tuple[Callable[[Any], Any] | None, ...]


_compiled: dict[tuple[str, str, tuple[str, ...]], _RowInsert] = {}


def _row_insert(table: sa.Table, columns: tuple[str, ...], dialect: Dialect) -> _RowInsert:
    key = (dialect.name, table.name, columns)
    if key not in _compiled:
        compiled = sa.insert(table).compile(dialect=dialect, column_keys=list(columns))
        names = tuple(compiled.positiontup or columns)
        processors = tuple(
            table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in names
        )
        at = tuple(columns.index(name) for name in names)
        _compiled[key] = _RowInsert(compiled.string, names, at, compiled.positional, processors)
    return _compiled[key]


def _bound(column: sa.Column[Any], value: Any, dialect: Dialect) -> Any:
    """`value` as the column's type binds it (a statement run on the driver's cursor)."""
    processor = column.type.dialect_impl(dialect).bind_processor(dialect)
    return value if processor is None else processor(value)


def _processed_column(
    values: Sequence[Any], processor: Callable[[Any], Any] | None
) -> Sequence[Any]:
    """One column's values through its bind processor. A flush stamps every row with one
    time and most rows carry empty attributes: those are converted once, not per row."""
    if processor is None:
        return values
    done: dict[Any, Any] = {}
    out = []
    for value in values:
        memo = value if isinstance(value, datetime) else "{}" if value == {} else None
        if memo is None:
            out.append(processor(value))
        else:
            if memo not in done:
                done[memo] = processor(value)
            out.append(done[memo])
    return out


@dataclass
class _Segment:
    """The rows of a run of row-type events, gathered to be written together."""

    workspace_id: str
    at: datetime
    profile_rows: list[Row] = field(default_factory=list)  # _PROFILE_COLUMNS
    identifier_rows: list[Row] = field(default_factory=list)  # _IDENTIFIER_COLUMNS
    added: dict[Edge, int] = field(default_factory=dict)  # edge -> seq
    removed: list[Edge] = field(default_factory=list)
    primaries: list[tuple[str, IdentifierKey, int]] = field(default_factory=list)
    created: set[str] = field(default_factory=set)
    touched: set[str] = field(default_factory=set)

    def edges(self) -> set[Edge]:
        return {*self.added, *self.removed}

    def take(self, e: Event) -> None:
        """Add the rows of one event (one reading per type, mirroring `GraphState`)."""
        if e.profile_id is None and e.type in (ev.PROFILE_CREATED, ev.IDENTIFIER_LINKED):
            raise ReplayError(f"event {e.seq} ({e.type}): no profile id")
        if e.type == ev.PROFILE_CREATED:
            assert e.profile_id is not None
            self.created.add(e.profile_id)
            self.profile_rows.append(
                (
                    self.workspace_id,
                    e.profile_id,
                    e.payload.get("external_id"),
                    e.payload.get("attributes") or {},
                    None,
                    e.at,
                    e.at,
                )
            )
            self._link(e, e.profile_id, demote_older=False)
        elif e.type == ev.IDENTIFIER_LINKED:
            assert e.profile_id is not None
            self._link(e, e.profile_id, demote_older=True)
            if e.profile_id not in self.created:
                self.touched.add(e.profile_id)
        elif e.type == ev.MEMBERSHIP_ADDED:
            self.added[(str(e.payload["group_id"]), str(e.payload["member_id"]))] = e.seq
        else:
            self.removed.append((str(e.payload["group_id"]), str(e.payload["member_id"])))

    def _link(self, e: Event, owner: str, *, demote_older: bool) -> None:
        items = ev.linked_items(e.payload)
        # Within one event a later primary of a namespace demotes an earlier one, as
        # `GraphState` links them one after the other; across events the database does.
        last_primary = {item["namespace"]: n for n, item in enumerate(items) if item.get("primary")}
        rows, workspace_id, at, seq = self.identifier_rows, self.workspace_id, e.at, e.seq
        for n, item in enumerate(items):
            namespace, value = item["namespace"], item["value"]
            primary = last_primary.get(namespace) == n
            kind = kind_of(item.get("kind", Kind.USER.value)).value
            attributes = item.get("attributes") or {}
            rows.append(
                (
                    workspace_id, namespace, value, owner, kind, primary, False, attributes, at,
                    seq, False,
                )
            )  # fmt: skip
            if primary and demote_older:
                self.primaries.append((owner, IdentifierKey(namespace, value), seq))


class SqlAppend(SqlEffects):
    """`append` and `append_many` of a SQL transaction."""

    def append(self, change: Change) -> Event:
        # Round-tripped so the returned event equals the stored one (tuples become
        # lists) and a payload that is not JSON fails before anything is written.
        payload = json.loads(json.dumps(change.payload))
        stored = Change(change.type, change.profile_id, payload, change.actor)
        return self.append_many([stored], datetime.now(UTC))[0]

    def append_many(self, changes: Sequence[Change], at: datetime) -> list[Event]:
        if not self._write:
            # On SQLite a read transaction would have to upgrade its lock mid-way and
            # could fail with "database is locked" only under load; fail every time.
            raise RuntimeError("append needs a transaction opened with write=True")
        if not changes:
            return []
        # A savepoint, so a refused event leaves neither its row, nor its seq, nor half
        # an effect behind, and the surrounding transaction stays usable.
        with self._conn.begin_nested():
            try:
                (last,) = self._row(self._plain.bump_seq, len(changes), self.workspace_id)
                first = int(last) - len(changes) + 1
                written = [
                    Event(seq, c.type, c.profile_id, at, c.actor, c.payload)
                    for seq, c in enumerate(changes, start=first)
                ]
                rows = [self._event_row(c, e) for c, e in zip(changes, written, strict=True)]
                self._insert_rows(events, _EVENT_COLUMNS, rows)
                self._apply(written)
            except IntegrityError as err:
                raise _refused(changes, err.orig) from err
            except _DriverRefused as err:
                raise _refused(changes, err.args[0]) from err.__cause__
        return written

    def _event_row(self, change: Change, e: Event) -> Row:
        profile_id, other_profile_id, ref_seq = event_subjects(change)
        return (
            self.workspace_id,
            e.seq,
            e.type,
            profile_id,
            other_profile_id,
            ref_seq,
            e.actor,
            e.at,
            e.payload,
        )

    def _apply(self, written: Sequence[Event]) -> None:
        """Each event's effect, in seq order: runs of row-type events a segment at a
        time, every other event by itself."""
        effects = self._effects()
        segment: _Segment | None = None
        for e in written:
            if e.type in _ROW_TYPES:
                if segment is not None and _edge_of(e) in segment.edges():
                    # An edge added and removed in one segment: inserts run before
                    # deletes, so only a new segment keeps their order.
                    self._write_segment(segment)
                    segment = None
                if segment is None:
                    segment = _Segment(self.workspace_id, e.at)
                segment.take(e)
                continue
            if segment is not None:
                self._write_segment(segment)
                segment = None
            effect = effects.get(e.type)
            if effect is None:
                raise ReplayError(f"event {e.seq}: unknown type {e.type!r}")
            self._event_seq = e.seq
            effect(e)
        if segment is not None:
            self._write_segment(segment)

    def _write_segment(self, s: _Segment) -> None:
        self._insert_rows(profiles, _PROFILE_COLUMNS, s.profile_rows)
        self._insert_rows(identifiers, _IDENTIFIER_COLUMNS, s.identifier_rows)
        for seq in sorted(set(s.added.values())):
            self._upsert_memberships([edge for edge, at in s.added.items() if at == seq], seq)
        self._delete_edges(s.removed)
        for profile_id, key, seq in s.primaries:
            # In seq order, each demoting only rows older than itself: what one link
            # after another would have left (a later primary link wins).
            self._demote_primaries(profile_id, key, seq, older_than=seq)
        stamp = _bound(profiles.c.updated_at, s.at, self._conn.dialect)
        for part in chunks(sorted(s.touched)):
            sql, params = self._plain.touching(part)
            updated = self._db.execute(sql, (stamp, self.workspace_id, *params)).rowcount
            if updated != len(part):
                raise ReplayError("identifier.linked: a linked profile does not exist")

    def _insert_rows(self, table: sa.Table, columns: tuple[str, ...], rows: list[Row]) -> None:
        """One driver-level executemany: SQLAlchemy's per-row parameter handling cost
        more than the database's own work at 10,000 rows. Each value still goes through
        its column type's bind processor, so rows are stored exactly as `execute` would."""
        if not rows:
            return
        if self._conn.dialect.name == "postgresql" and len(rows) >= _COPY_FROM:
            self._copy_rows(table, columns, rows)
            return
        insert = _row_insert(table, columns, self._conn.dialect)
        by_column = list(zip(*rows, strict=True))
        processed = [
            _processed_column(by_column[n], processor)
            for n, processor in zip(insert.at, insert.processors, strict=True)
        ]
        params: list[Any] = list(zip(*processed, strict=True))
        if not insert.positional:
            params = [dict(zip(insert.names, values, strict=True)) for values in params]
        dbapi = self._conn.dialect.dbapi
        assert dbapi is not None
        cursor = self._conn.connection.cursor()
        try:
            cursor.executemany(insert.sql, params)
        except dbapi.IntegrityError as err:
            raise _DriverRefused(err) from err
        finally:
            cursor.close()

    def _copy_rows(self, table: sa.Table, columns: tuple[str, ...], rows: list[Row]) -> None:
        """PostgreSQL's COPY: about three times executemany's rows per second."""
        driver = self._conn.connection.driver_connection
        assert driver is not None
        dbapi = self._conn.dialect.dbapi
        assert dbapi is not None
        json_at = [n for n, name in enumerate(columns) if isinstance(table.c[name].type, sa.JSON)]
        dumps = json_text.dumps
        try:
            with (
                driver.cursor() as cursor,
                cursor.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy,
            ):
                for row in rows:
                    values = list(row)
                    for n in json_at:
                        values[n] = dumps(values[n])
                    copy.write_row(values)
        except dbapi.IntegrityError as err:
            raise _DriverRefused(err) from err


class _DriverRefused(Exception):  # noqa: N818 - carries the driver's error to `append_many`
    """An integrity error raised on the driver's own cursor."""


def _refused(changes: Sequence[Change], error: object) -> ReplayError:
    # The first line names the constraint; PostgreSQL's DETAIL line below it repeats
    # the key's values (an email, a device id): not for logs.
    reason = str(error).strip().splitlines()[0]
    if len(changes) == 1:
        return ReplayError(f"{changes[0].type}: the database refused the change ({reason})")
    return ReplayError(f"the database refused the changes ({reason})")


def _edge_of(e: Event) -> Edge | None:
    if e.type in (ev.MEMBERSHIP_ADDED, ev.MEMBERSHIP_REMOVED):
        return (str(e.payload["group_id"]), str(e.payload["member_id"]))
    return None
