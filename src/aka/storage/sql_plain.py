"""Statements written as plain SQL text, once per dialect, run on the driver's own
cursor instead of through Core, and the decoders of their rows.

Measured on one core (docs/performance.md): building and compiling a Core `select` per
call costs ~80 µs, executing a prebuilt one ~20 µs, the same point read on the DBAPI
cursor ~3 µs. A resolve makes four or five reads, a group-commit round and `aka check`
many more, so the reads they make (and the two updates every append makes) are written
here; every other statement stays Core. They run through `DbHandle` (`sql_driver`), in
the transaction SQLAlchemy opened.

Decoding mirrors what the column types in `tables.py` do: SQLite keeps JSON as text and
timestamps as naive UTC text, PostgreSQL hands back `jsonb` as Python values and
`timestamptz` in the session's time zone.
"""

# S608: every statement here is assembled from this module's constants only; values are
# always bound parameters, never formatted in.
# ruff: noqa: S608

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

from aka.core.model import Event, Identifier, Kind, Profile
from aka.core.ports import KeyRecord
from aka.core.settings import WorkspaceSettings
from aka.storage import json_text

_KINDS: Final = {k.value: k for k in Kind}

# A version of the identifier row `i` that ended after the moment: then the row's
# current version had not begun by then.
_ENDED_AFTER: Final = (
    "SELECT 1 FROM identifier_spans s WHERE s.workspace_id = i.workspace_id"
    " AND s.namespace = i.namespace AND s.value = i.value AND s.to_seq > {p}"
)
_IDENT: Final = (
    "namespace, value, profile_id, kind, is_primary, disabled, attributes, created_at, seq,"
    " deprecated"
)
_PROFILE: Final = "id, external_id, attributes, merged_into, created_at, updated_at"
_KEY: Final = (
    "id, workspace_id, name, prefix, secret_hash, scopes, extra, created_at, revoked_at, namespaces"
)


def _prefixed(columns: str, alias: str) -> str:
    return ", ".join(f"{alias}.{c.strip()}" for c in columns.split(","))


# `{p}` is the driver's placeholder; `{settings}` the settings column as JSON text.
_TEMPLATES: Final = {
    "key_by_hash": f"SELECT {_KEY} FROM api_keys WHERE secret_hash = {{p}}",
    "settings": "SELECT {settings} FROM workspaces WHERE id = {p}",
    "identifier": (
        f"SELECT {_IDENT} FROM identifiers"
        " WHERE workspace_id = {p} AND namespace = {p} AND value = {p}"
    ),
    # An identifier with its profile and (up to a bound) every identifier of that
    # profile, in one statement: what a resolve reads next (`SqlGraphReads.identifier`).
    "identifier_ahead": (
        f"SELECT {_prefixed(_IDENT, 'i')}, {_prefixed(_PROFILE, 'p')}"
        " FROM identifiers k"
        " JOIN profiles p ON p.workspace_id = k.workspace_id AND p.id = k.profile_id"
        " JOIN identifiers i ON i.workspace_id = k.workspace_id AND i.profile_id = k.profile_id"
        " WHERE k.workspace_id = {p} AND k.namespace = {p} AND k.value = {p}"
        " LIMIT {p}"
    ),
    "profile": f"SELECT {_PROFILE} FROM profiles WHERE workspace_id = {{p}} AND id = {{p}}",
    # A profile with (up to a bound) its identifiers, by id or by external id, in one
    # statement: what a read by profile or external id reads next
    # (`SqlGraphReads.profile`). No identifiers: one row, its identifier columns NULL.
    "profile_ahead": (
        f"SELECT {_prefixed(_IDENT, 'i')}, {_prefixed(_PROFILE, 'p')} FROM profiles p"
        " LEFT JOIN identifiers i ON i.workspace_id = p.workspace_id AND i.profile_id = p.id"
        " WHERE p.workspace_id = {p} AND p.id = {p} LIMIT {p}"
    ),
    "profile_ahead_by_external_id": (
        f"SELECT {_prefixed(_IDENT, 'i')}, {_prefixed(_PROFILE, 'p')} FROM profiles p"
        " LEFT JOIN identifiers i ON i.workspace_id = p.workspace_id AND i.profile_id = p.id"
        " WHERE p.workspace_id = {p} AND p.external_id = {p} LIMIT {p}"
    ),
    "profile_by_external_id": (
        f"SELECT {_PROFILE} FROM profiles WHERE workspace_id = {{p}} AND external_id = {{p}}"
    ),
    "identifiers_of": (
        f"SELECT {_IDENT} FROM identifiers WHERE workspace_id = {{p}} AND profile_id = {{p}}"
    ),
    # For a batch of reads (`SqlGraphReads.read_ahead`); `{keys}`/`{ids}` are filled per batch.
    # Only PostgreSQL batches reads (`read_batch`): SQLite plans the row-value
    # `IN (VALUES ...)` form as a scan of the workspace (160 ms for 500 keys at 1M).
    "identifiers_by_keys": (
        f"SELECT {_prefixed(_IDENT, 'i')}, {_prefixed(_PROFILE, 'p')}"
        " FROM identifiers i"
        " JOIN profiles p ON p.workspace_id = i.workspace_id AND p.id = i.profile_id"
        " WHERE i.workspace_id = {p} AND (i.namespace, i.value) IN ({keys})"
    ),
    # PostgreSQL only: what `identifiers_by_keys` and then `identifiers_of_profiles` read,
    # in ONE statement (a read of one statement needs no transaction: `SqlStore.read`):
    # each identifier found, its profile, and up to a bound (the first parameter) of that
    # profile's identifiers; the key it was found by comes last.
    # Driven from the keys, each looked up on its own (a LATERAL whose LIMIT 1 keeps the
    # planner from flattening it; the key is unique anyway): without statistics, as
    # right after a bulk load, `IN (unnest ...)` was planned as a scan of the whole
    # workspace, 57 ms for 64 keys of 200k (docs/performance.md, "Resolve (issue 15)").
    "identifiers_ahead_by_keys": (
        f"SELECT {_prefixed(_IDENT, 'i')}, {_prefixed(_PROFILE, 'p')}, k.namespace, k.value"
        " FROM {keys} AS q(ns, v)"
        " CROSS JOIN LATERAL (SELECT x.workspace_id, x.namespace, x.value, x.profile_id"
        " FROM identifiers x WHERE x.workspace_id = {p} AND x.namespace = q.ns"
        " AND x.value = q.v LIMIT 1) k"
        " JOIN profiles p ON p.workspace_id = k.workspace_id AND p.id = k.profile_id"
        f" CROSS JOIN LATERAL (SELECT {_IDENT} FROM identifiers h"
        " WHERE h.workspace_id = k.workspace_id AND h.profile_id = k.profile_id LIMIT {p}) i"
    ),
    "identifiers_of_profiles": (
        f"SELECT {_IDENT} FROM identifiers WHERE workspace_id = {{p}} AND profile_id {{ids}}"
    ),
    # What every group-commit round and batch window asks besides (`profiles_by_ids`).
    "profiles_by_ids": f"SELECT {_PROFILE} FROM profiles WHERE workspace_id = {{p}} AND id {{ids}}",
    "last_seq": "SELECT last_seq FROM workspaces WHERE id = {p}",
    # The change feed and `aka check`'s replay page through the whole log with it.
    "events_after": (
        "SELECT seq, type, profile_id, at, actor, payload FROM events"
        " WHERE workspace_id = {p} AND seq > {p} ORDER BY seq LIMIT {p}"
    ),
    "touch_profiles": "UPDATE profiles SET updated_at = {p} WHERE workspace_id = {p} AND id {ids}",
    "bump_seq": "UPDATE workspaces SET last_seq = last_seq + {p} WHERE id = {p} RETURNING last_seq",
    "identifiers_in_namespace": (
        f"SELECT {_IDENT} FROM identifiers"
        " WHERE workspace_id = {p} AND namespace = {p} AND value {ids}"
    ),
    # Resolve as of a moment (ADR 0025): an identifier's version then, a profile's
    # identifiers then, its events up to then, the last event at or before a time.
    # A version that ended after the moment (`identifier_spans`), else the row itself
    # when its current version had begun by then: it was written at or before the
    # moment, and none of its versions ended after it (`sql_history`).
    "identifier_at": (
        f"SELECT {_IDENT} FROM identifier_spans"
        " WHERE workspace_id = {p} AND namespace = {p} AND value = {p} AND from_seq <= {p}"
        " AND to_seq > {p}"
        f" UNION ALL SELECT {_IDENT} FROM identifiers i"
        " WHERE workspace_id = {p} AND namespace = {p} AND value = {p} AND seq <= {p}"
        f" AND NOT EXISTS ({_ENDED_AFTER})"
    ),
    "identifiers_at": (
        f"SELECT {_IDENT} FROM identifier_spans"
        " WHERE workspace_id = {p} AND profile_id = {p} AND from_seq <= {p} AND to_seq > {p}"
        f" UNION ALL SELECT {_IDENT} FROM identifiers i"
        " WHERE workspace_id = {p} AND profile_id = {p} AND seq <= {p}"
        f" AND NOT EXISTS ({_ENDED_AFTER})"
    ),
    # The workspace in each arm of the OR, as `SqlEventLog.events_about` says why. No
    # seq in it, nor ORDER BY: with either, SQLite walked the primary key (every event up
    # to the seq) instead of the two profile indexes (0.3 ms a call at 1,000 events);
    # the caller keeps those up to the seq, in order.
    "profile_events": (
        "SELECT seq, type, profile_id, at, actor, payload FROM events"
        " WHERE (workspace_id = {p} AND profile_id = {p})"
        " OR (workspace_id = {p} AND other_profile_id = {p})"
    ),
    "seq_at": (
        "SELECT seq FROM events WHERE workspace_id = {p} AND at <= {p}"
        " ORDER BY at DESC, seq DESC LIMIT 1"
    ),
}

IDENT_COLUMNS: Final = len(_IDENT.split(","))
# The column lists `to_identifier` and `to_profile` decode, for statements built elsewhere.
IDENT_SELECT: Final = _IDENT
PROFILE_SELECT: Final = _PROFILE

# Parsed settings by their stored JSON text. Settings change rarely and every read
# fetches the text anyway, so parsing is skipped, never the read: a change is seen by
# the very next transaction. Bounded: cleared whole when it fills (a few workspaces'
# worth of versions).
_SETTINGS_CACHE_MAX: Final = 256
_settings_by_text: dict[str, WorkspaceSettings] = {}


def _utc_from_text(value: Any) -> datetime:
    # SQLAlchemy stores SQLite timestamps as naive UTC ISO text (`UtcDateTime`); the
    # suffix makes the parser attach UTC itself (one call instead of two).
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    return datetime.fromisoformat(value + "+00:00")


def _utc(value: Any) -> datetime:
    return value.astimezone(UTC)  # type: ignore[no-any-return]


def _json_text(value: Any) -> Any:
    if value is None:
        return None
    if value == "{}":  # most attribute maps: skip the parser
        return {}
    return json_text.loads(value)


def _json_value(value: Any) -> Any:
    return value


@dataclass(frozen=True, slots=True)
class PlainSql:
    """One dialect's statement texts and column decoders."""

    key_by_hash: str
    settings: str
    identifier: str
    identifier_ahead: str
    profile: str
    profile_ahead: str
    profile_ahead_by_external_id: str
    profile_by_external_id: str
    identifiers_of: str
    identifiers_by_keys: str
    identifiers_ahead_by_keys: str
    identifiers_of_profiles: str
    profiles_by_ids: str
    last_seq: str
    events_after: str
    bump_seq: str
    touch_profiles: str
    identifiers_in_namespace: str
    identifier_at: str
    identifiers_at: str
    profile_events: str
    seq_at: str
    arrays: bool  # lists bind as arrays (PostgreSQL), else one placeholder per item
    json: Callable[[Any], Any]
    time: Callable[[Any], datetime]

    def by_keys(self, keys: Sequence[tuple[str, str]]) -> tuple[str, tuple[Any, ...]]:
        """The statement and parameters reading these identifiers with their profiles."""
        if self.arrays:
            sql = self.identifiers_by_keys.format(
                keys="SELECT * FROM unnest(%s::text[], %s::text[])"
            )
            return sql, ([n for n, _ in keys], [v for _, v in keys])
        sql = self.identifiers_by_keys.format(keys="VALUES " + ", ".join(["(?, ?)"] * len(keys)))
        return sql, tuple(x for key in keys for x in key)

    def ahead_by_keys(
        self, workspace_id: str, keys: Sequence[tuple[str, str]], bound: int
    ) -> tuple[str, tuple[Any, ...]]:
        """The statement and parameters reading these identifiers of the workspace,
        their profiles and up to `bound` of those profiles' identifiers (PostgreSQL
        only)."""
        if not self.arrays:
            raise NotImplementedError("one-statement read-ahead is PostgreSQL's (LATERAL)")
        sql = self.identifiers_ahead_by_keys.format(keys="unnest(%s::text[], %s::text[])")
        return sql, ([n for n, _ in keys], [v for _, v in keys], workspace_id, bound)

    def of_profiles(self, profile_ids: Sequence[str]) -> tuple[str, tuple[Any, ...]]:
        """The statement and parameters reading every identifier of these profiles."""
        return self._listed(self.identifiers_of_profiles, profile_ids)

    def profiles_listed(self, profile_ids: Sequence[str]) -> tuple[str, tuple[Any, ...]]:
        """The statement and parameters reading these profiles (live or tombstones)."""
        return self._listed(self.profiles_by_ids, profile_ids)

    def touching(self, profile_ids: Sequence[str]) -> tuple[str, tuple[Any, ...]]:
        """The statement and parameters setting these profiles' `updated_at` (bound
        before the workspace and the ids)."""
        return self._listed(self.touch_profiles, profile_ids)

    def values_listed(self, values: Sequence[str]) -> tuple[str, tuple[Any, ...]]:
        """The statement and parameters reading these values of one namespace (bound
        after the workspace and the namespace)."""
        return self._listed(self.identifiers_in_namespace, values)

    def _listed(self, template: str, ids: Sequence[str]) -> tuple[str, tuple[Any, ...]]:
        if self.arrays:
            return template.format(ids="= ANY(%s::text[])"), (list(ids),)
        return template.format(ids=f"IN ({', '.join(['?'] * len(ids))})"), tuple(ids)

    def to_identifier(self, row: Any) -> Identifier:
        namespace, value, profile_id, kind, primary, disabled, attributes, created, seq, old = row[
            :IDENT_COLUMNS
        ]
        return Identifier(
            namespace,
            value,
            profile_id,
            _KINDS.get(kind) or Kind(kind),
            bool(primary),
            bool(disabled),
            dict(self.json(attributes)),
            self.time(created),
            int(seq),
            bool(old),
        )

    def to_profile(self, row: Any, start: int = 0) -> Profile:
        pid, external_id, attributes, merged_into, created, updated = row[start : start + 6]
        return Profile(
            pid,
            external_id,
            dict(self.json(attributes)),
            merged_into,
            self.time(created),
            self.time(updated),
        )

    def to_event(self, row: Any) -> Event:
        seq, type_, profile_id, at, actor, payload = row
        return Event(int(seq), type_, profile_id, self.time(at), actor, dict(self.json(payload)))

    def to_key(self, row: Any) -> KeyRecord:
        kid, workspace_id, name, prefix, secret_hash, scopes, extra, created, revoked, spaces = row
        extra, spaces = self.json(extra), self.json(spaces)
        return KeyRecord(
            id=kid,
            workspace_id=workspace_id,
            name=name,
            prefix=prefix,
            secret_hash=secret_hash,
            scopes=tuple(self.json(scopes)),
            created_at=self.time(created),
            revoked_at=None if revoked is None else self.time(revoked),
            extra=None if extra is None else dict(extra),
            namespaces=None if spaces is None else tuple(spaces),
        )

    def to_settings(self, text: str | None) -> WorkspaceSettings:
        """Settings from the stored JSON text (parsed once per distinct text)."""
        key = text or "{}"
        found = _settings_by_text.get(key)
        if found is None:
            found = WorkspaceSettings.from_json(json.loads(key) or {})
            if len(_settings_by_text) >= _SETTINGS_CACHE_MAX:
                _settings_by_text.clear()
            _settings_by_text[key] = found
        return found


def _build(
    placeholder: str,
    settings: str,
    json: Callable[[Any], Any],
    time: Callable[[Any], datetime],
) -> PlainSql:
    def sql(name: str) -> str:
        # `{keys}` and `{ids}` survive, doubled braces, for `by_keys`/`of_profiles`.
        return _TEMPLATES[name].format(p=placeholder, settings=settings, keys="{keys}", ids="{ids}")

    return PlainSql(
        key_by_hash=sql("key_by_hash"),
        settings=sql("settings"),
        identifier=sql("identifier"),
        identifier_ahead=sql("identifier_ahead"),
        profile=sql("profile"),
        profile_by_external_id=sql("profile_by_external_id"),
        profile_ahead=sql("profile_ahead"),
        profile_ahead_by_external_id=sql("profile_ahead_by_external_id"),
        identifiers_of=sql("identifiers_of"),
        identifiers_by_keys=sql("identifiers_by_keys"),
        identifiers_ahead_by_keys=sql("identifiers_ahead_by_keys"),
        identifiers_of_profiles=sql("identifiers_of_profiles"),
        profiles_by_ids=sql("profiles_by_ids"),
        last_seq=sql("last_seq"),
        events_after=sql("events_after"),
        bump_seq=sql("bump_seq"),
        touch_profiles=sql("touch_profiles"),
        identifiers_in_namespace=sql("identifiers_in_namespace"),
        identifier_at=sql("identifier_at"),
        identifiers_at=sql("identifiers_at"),
        profile_events=sql("profile_events"),
        seq_at=sql("seq_at"),
        arrays=placeholder == "%s",
        json=json,
        time=time,
    )


SQLITE: Final = _build("?", "settings", json=_json_text, time=_utc_from_text)
# `::text`: the settings come back as the text the cache is keyed by, not a dict.
POSTGRES: Final = _build("%s", "settings::text", json=_json_value, time=_utc)

_BY_DIALECT: Final = {"sqlite": SQLITE, "postgresql": POSTGRES}


def plain_sql(dialect_name: str) -> PlainSql:
    """The statements for a SQLAlchemy dialect name (`sqlite`, `postgresql`)."""
    try:
        return _BY_DIALECT[dialect_name]
    except KeyError:
        raise ValueError(f"no plain SQL statements for dialect {dialect_name!r}") from None
