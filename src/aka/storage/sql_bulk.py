"""Many rows per statement: the reads and the event append of the bulk paths.

A 10,000-operation batch or an import chunk looks up every key it touches with one
`IN` query per chunk and writes its events, profiles and identifiers with one
`executemany` each, instead of a handful of round trips per operation. What gets written
is exactly what `append` of each change in order would write (`test_store_contract`
checks both paths against each other on every backend).
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import IntegrityError

from aka.core import events as ev
from aka.core.events import Change
from aka.core.model import Event, Identifier, IdentifierKey, Kind, Profile
from aka.core.ports import event_subjects
from aka.core.state import ReplayError
from aka.storage.sql_common import chunks, to_identifier, to_profile
from aka.storage.sql_effects import SqlEffects
from aka.storage.tables import events, identifiers, memberships, profiles

# Event types whose effect is a plain row insert (plus primary demotion and a touch;
# a membership's edge is inserted, never updated: an existing edge makes the database
# refuse the flush, and the bulk runner then runs its operations one by one; a removed
# edge is deleted after the inserts),
# which is what lets them be written many rows per statement.
_FAST_TYPES: Final = frozenset(
    {ev.PROFILE_CREATED, ev.IDENTIFIER_LINKED, ev.MEMBERSHIP_ADDED, ev.MEMBERSHIP_REMOVED}
)


@dataclass(frozen=True, slots=True)
class _RowInsert:
    """An INSERT compiled once per dialect, with each column's bind processor."""

    sql: str
    names: tuple[str, ...]  # parameter order
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
        _compiled[key] = _RowInsert(compiled.string, names, compiled.positional, processors)
    return _compiled[key]


def _bound(column: sa.Column[Any], value: Any, dialect: Dialect) -> Any:
    """`value` as the column's type binds it (a statement run on the driver's cursor)."""
    processor = column.type.dialect_impl(dialect).bind_processor(dialect)
    return value if processor is None else processor(value)


def _processed_column(values: list[Any], processor: Callable[[Any], Any] | None) -> list[Any]:
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


def _edge_twice(changes: Sequence[Change]) -> bool:
    """Whether one edge is both added and removed among `changes`: inserts run before
    deletes, so only the one-change-at-a-time path keeps such an order right."""
    added: set[tuple[Any, Any]] = set()
    removed: set[tuple[Any, Any]] = set()
    for change in changes:
        if change.type in (ev.MEMBERSHIP_ADDED, ev.MEMBERSHIP_REMOVED):
            edge = (change.payload["group_id"], change.payload["member_id"])
            (added if change.type == ev.MEMBERSHIP_ADDED else removed).add(edge)
    return bool(added & removed)


_UNNEST_CHUNK: Final = 5000
_BY_UNNEST: Final = sa.text(
    "SELECT i.* FROM unnest(CAST(:ns AS text[]), CAST(:vals AS text[])) AS k(ns, v) "
    "JOIN identifiers AS i ON i.workspace_id = :ws AND i.namespace = k.ns AND i.value = k.v"
).columns(*identifiers.c)


class SqlBulk(SqlEffects, ABC):
    @abstractmethod
    def _append_at(self, change: Change, at: datetime) -> Event:
        """`append` with the event's time given (the writer implements it)."""

    # --- reads ---------------------------------------------------------------------
    def identifiers_by_keys(
        self, keys: Collection[IdentifierKey]
    ) -> dict[IdentifierKey, Identifier]:
        if self._conn.dialect.name == "postgresql":
            return self._identifiers_by_unnest(keys)
        # `namespace = ? AND value IN (...)` walks the primary key; a row-value
        # `(namespace, value) IN (...)` measured ~10x slower on SQLite.
        by_namespace: dict[str, list[str]] = {}
        for key in set(keys):
            by_namespace.setdefault(key.namespace, []).append(key.value)
        hot, found = self._hot, {}
        for namespace, values in sorted(by_namespace.items()):
            for part in chunks(sorted(values)):
                sql, params = hot.values_listed(part)
                for row in self._rows(sql, self.workspace_id, namespace, *params):
                    ident = hot.to_identifier(row)
                    found[ident.key] = ident
        return found

    def _identifiers_by_unnest(
        self, keys: Collection[IdentifierKey]
    ) -> dict[IdentifierKey, Identifier]:
        # Two arrays joined to the primary key: one plan whatever the count, and one the
        # planner gets right even before statistics exist (an `IN` list on a table
        # filled in this very transaction was planned as a scan of the namespace).
        found: dict[IdentifierKey, Identifier] = {}
        for part in chunks(sorted(set(keys)), _UNNEST_CHUNK):
            rows = self._conn.execute(
                _BY_UNNEST,
                {
                    "ws": self.workspace_id,
                    "ns": [k.namespace for k in part],
                    "vals": [k.value for k in part],
                },
            )
            for row in rows:
                ident = to_identifier(row)
                found[ident.key] = ident
        return found

    def profiles_by_ids(self, profile_ids: Collection[str]) -> dict[str, Profile]:
        # On the driver's cursor (`sql_hot`): asked by every group-commit round.
        hot, found = self._hot, {}
        for part in chunks(sorted(set(profile_ids))):
            sql, params = hot.profiles_listed(part)
            for row in self._rows(sql, self.workspace_id, *params):
                profile = hot.to_profile(row)
                found[profile.id] = profile
        return found

    def profiles_by_external_ids(self, external_ids: Collection[str]) -> dict[str, Profile]:
        return self._profiles_where(
            profiles.c.external_id, external_ids, lambda p: p.external_id or ""
        )

    def _profiles_where(
        self, column: sa.Column[Any], wanted: Collection[str], key: Any
    ) -> dict[str, Profile]:
        found: dict[str, Profile] = {}
        for part in chunks(sorted(set(wanted))):
            rows = self._conn.execute(
                sa.select(profiles).where(
                    profiles.c.workspace_id == self.workspace_id, column.in_(part)
                )
            )
            for row in rows:
                profile = to_profile(row)
                found[key(profile)] = profile
        return found

    def last_seq(self) -> int:
        return int(self._row(self._hot.last_seq, self.workspace_id)[0])

    # --- the bulk append -----------------------------------------------------------------
    def append_many(self, changes: Sequence[Change], at: datetime) -> list[Event]:
        if not self._write:
            raise RuntimeError("append_many needs a transaction opened with write=True")
        if not changes:
            return []
        if any(change.type not in _FAST_TYPES for change in changes) or _edge_twice(changes):
            with self._conn.begin_nested():
                return [self._append_at(change, at) for change in changes]
        with self._conn.begin_nested():
            try:
                return self._append_rows(changes, at)
            except IntegrityError as err:
                reason = str(err.orig).strip().splitlines()[0]
                raise ReplayError(f"the database refused the changes ({reason})") from err

    def _append_rows(self, changes: Sequence[Change], at: datetime) -> list[Event]:
        (last,) = self._row(self._hot.bump_seq, len(changes), self.workspace_id)
        first = int(last) - len(changes) + 1
        written: list[Event] = []
        event_rows: list[dict[str, Any]] = []
        profile_rows: list[dict[str, Any]] = []
        identifier_rows: list[dict[str, Any]] = []
        membership_rows: list[dict[str, Any]] = []
        removed: list[tuple[str, str]] = []
        primaries: list[tuple[str, IdentifierKey, int]] = []
        created: set[str] = set()
        touched: set[str] = set()
        for seq, change in enumerate(changes, start=first):
            profile_id, other_profile_id, ref_seq = event_subjects(change)
            if profile_id is None:
                raise ReplayError(f"event {seq} ({change.type}): no profile id")
            payload = change.payload
            written.append(Event(seq, change.type, profile_id, at, change.actor, payload))
            event_rows.append(
                {
                    "workspace_id": self.workspace_id,
                    "seq": seq,
                    "type": change.type,
                    "profile_id": profile_id,
                    "other_profile_id": other_profile_id,
                    "ref_seq": ref_seq,
                    "actor": change.actor,
                    "at": at,
                    "payload": payload,
                }
            )
            if change.type == ev.PROFILE_CREATED:
                created.add(profile_id)
                profile_rows.append(
                    {
                        "workspace_id": self.workspace_id,
                        "id": profile_id,
                        "external_id": payload.get("external_id"),
                        "attributes": dict(payload.get("attributes") or {}),
                        "merged_into": None,
                        "created_at": at,
                        "updated_at": at,
                    }
                )
                continue
            if change.type == ev.MEMBERSHIP_REMOVED:
                removed.append((str(payload["group_id"]), str(payload["member_id"])))
                continue
            if change.type == ev.MEMBERSHIP_ADDED:
                membership_rows.append(
                    {
                        "workspace_id": self.workspace_id,
                        "group_id": str(payload["group_id"]),
                        "member_id": str(payload["member_id"]),
                        "seq": seq,
                    }
                )
                continue
            key = IdentifierKey(payload["namespace"], payload["value"])
            primary = bool(payload.get("primary", False))
            identifier_rows.append(
                {
                    "workspace_id": self.workspace_id,
                    "namespace": key.namespace,
                    "value": key.value,
                    "profile_id": profile_id,
                    "kind": Kind(payload.get("kind", Kind.USER.value)).value,
                    "is_primary": primary,
                    "disabled": False,
                    "attributes": dict(payload.get("attributes") or {}),
                    "created_at": at,
                    "seq": seq,
                }
            )
            if primary:
                primaries.append((profile_id, key, seq))
            if profile_id not in created:
                touched.add(profile_id)
        self._insert_rows(events, event_rows)
        self._insert_rows(profiles, profile_rows)
        self._insert_rows(identifiers, identifier_rows)
        self._insert_rows(memberships, membership_rows)
        self._delete_edges(removed)
        for profile_id, key, seq in primaries:
            # In seq order, each demoting only rows older than itself: what one `append`
            # after another would have left (a later primary link wins).
            self._demote_primaries(profile_id, key, seq, older_than=seq)
        stamp = _bound(profiles.c.updated_at, at, self._conn.dialect)
        for part in chunks(sorted(touched)):
            sql, params = self._hot.touching(part)
            updated = self._link.execute(sql, (stamp, self.workspace_id, *params)).rowcount
            if updated != len(part):
                raise ReplayError("identifier.linked: a linked profile does not exist")
        return written

    def _insert_rows(self, table: sa.Table, rows: list[dict[str, Any]]) -> None:
        """One driver-level executemany: SQLAlchemy's per-row parameter handling cost
        more than the database's own work at 10,000 rows. Each value still goes through
        its column type's bind processor, so rows are stored exactly as `execute` would."""
        if not rows:
            return
        if self._conn.dialect.name == "postgresql":
            self._copy_rows(table, rows)
            return
        insert = _row_insert(table, tuple(rows[0]), self._conn.dialect)
        columns = [
            _processed_column([row[name] for row in rows], processor)
            for name, processor in zip(insert.names, insert.processors, strict=True)
        ]
        params: list[Any] = list(zip(*columns, strict=True))
        if not insert.positional:
            params = [dict(zip(insert.names, values, strict=True)) for values in params]
        dbapi = self._conn.dialect.dbapi
        assert dbapi is not None
        cursor = self._conn.connection.cursor()
        try:
            cursor.executemany(insert.sql, params)
        except dbapi.IntegrityError as err:
            reason = str(err).strip().splitlines()[0]  # PostgreSQL's DETAIL repeats values
            raise ReplayError(f"the database refused the changes ({reason})") from err
        finally:
            cursor.close()

    def _copy_rows(self, table: sa.Table, rows: list[dict[str, Any]]) -> None:
        """PostgreSQL's COPY: about three times executemany's rows per second."""
        names = list(rows[0])
        driver = self._conn.connection.driver_connection
        assert driver is not None
        dbapi = self._conn.dialect.dbapi
        assert dbapi is not None
        columns = ", ".join(names)
        json_columns = {n for n in names if isinstance(table.c[n].type, sa.JSON)}
        try:
            with (
                driver.cursor() as cursor,
                cursor.copy(f"COPY {table.name} ({columns}) FROM STDIN") as copy,
            ):
                for row in rows:
                    copy.write_row(
                        [json.dumps(row[n]) if n in json_columns else row[n] for n in names]
                    )
        except dbapi.IntegrityError as err:
            reason = str(err).strip().splitlines()[0]
            raise ReplayError(f"the database refused the changes ({reason})") from err
