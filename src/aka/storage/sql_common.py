"""The read side of a SQL transaction, and row <-> model conversion.

Shared by the SQLite and PostgreSQL stores: portable SQLAlchemy Core, except the reads
every resolve makes, which run as plain SQL on the driver's cursor (`sql_hot`). Results
that the port promises "sorted" by text are sorted in Python: SQLite compares bytes,
while PostgreSQL sorts by the column's collation, and the memory twin sorts by code
point; sorting here keeps every backend's answer identical.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Sequence
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Row

from aka.core import events as ev
from aka.core.errors import AkaError, Code
from aka.core.model import Event, Identifier, IdentifierKey, Kind, Membership, Profile
from aka.core.ports import KeyRecord, WorkspaceRecord
from aka.core.settings import WorkspaceSettings
from aka.storage.sql_hot import IDENT_COLUMNS, Link, hot_sql, run
from aka.storage.tables import events, identifiers, memberships, profiles

# Execution option read by a backend's "begin" hook: True asks for a transaction that
# holds the write lock from its first statement (SQLite `BEGIN IMMEDIATE`).
WRITE_OPTION: Final = "aka_write"

# Keeps `IN (...)` lists under SQLite's bound-parameter limit and PostgreSQL plans small.
CHUNK: Final = 500
# How many identifiers `SqlReader.identifier` reads ahead in a read-only transaction:
# every identifier of all but unusually large profiles (namespace limits default to 100).
READ_AHEAD: Final = 200
_FEED_PAGE: Final = 1000


def chunks(items: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# --- rows -> model --------------------------------------------------------------------


def to_profile(row: Row[Any]) -> Profile:
    return Profile(
        id=row.id,
        external_id=row.external_id,
        attributes=dict(row.attributes),
        merged_into=row.merged_into,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def to_identifier(row: Row[Any]) -> Identifier:
    return Identifier(
        namespace=row.namespace,
        value=row.value,
        profile_id=row.profile_id,
        kind=Kind(row.kind),
        primary=bool(row.is_primary),
        disabled=bool(row.disabled),
        attributes=dict(row.attributes),
        created_at=row.created_at,
        seq=int(row.seq),
    )


def to_event(row: Row[Any]) -> Event:
    return Event(
        seq=int(row.seq),
        type=row.type,
        profile_id=row.profile_id,
        at=row.at,
        actor=row.actor,
        payload=dict(row.payload),
    )


def to_workspace(row: Row[Any]) -> WorkspaceRecord:
    return WorkspaceRecord(
        id=row.id,
        settings=WorkspaceSettings.from_json(row.settings or {}),
        created_at=row.created_at,
        last_seq=int(row.last_seq),
    )


def to_key(row: Row[Any]) -> KeyRecord:
    return KeyRecord(
        id=row.id,
        workspace_id=row.workspace_id,
        name=row.name,
        prefix=row.prefix,
        secret_hash=row.secret_hash,
        scopes=tuple(row.scopes),
        created_at=row.created_at,
        revoked_at=row.revoked_at,
        extra=None if row.extra is None else dict(row.extra),
    )


def key_row(key: KeyRecord) -> dict[str, Any]:
    return {
        "id": key.id,
        "workspace_id": key.workspace_id,
        "name": key.name,
        "prefix": key.prefix,
        "secret_hash": key.secret_hash,
        "scopes": list(key.scopes),
        "extra": key.extra,
        "created_at": key.created_at,
        "revoked_at": key.revoked_at,
    }


def _memberships_sorted(rows: Iterable[Row[Any]]) -> list[Membership]:
    return sorted(Membership(r.group_id, r.member_id, int(r.seq)) for r in rows)


# --- the read half of a transaction ---------------------------------------------------


class SqlReader:
    """Every read a `Transaction` offers, over one open connection in one workspace.

    The reads a resolve makes (settings, identifier, profile, identifiers of a profile)
    run on the driver's cursor (`sql_hot`). In a read-only transaction, which sees one
    snapshot and changes nothing, two more things are safe and done:
    - the settings are read once (and primed by the store when it checked that the
      workspace exists);
    - `identifier` reads ahead: the same statement fetches the identifier's profile and
      (up to `READ_AHEAD` of) that profile's identifiers, which `profile` and
      `identifiers_of` then answer without another statement. A write transaction reads
      every time: its own writes may have changed the rows since.
    """

    def __init__(
        self,
        conn: Connection | Link,
        workspace_id: str,
        *,
        write: bool,
        settings_text: str | None = None,
    ) -> None:
        self.workspace_id = workspace_id
        self._link = conn if isinstance(conn, Link) else Link.of(conn)
        self._write = write
        self._hot = hot_sql(self._link.dialect.name)
        self._settings: WorkspaceSettings | None = None
        if settings_text is not None and not write:
            self._settings = self._hot.to_settings(settings_text)
        # Read transactions only: rows read ahead (`identifier`, `read_ahead`): profiles
        # with their identifiers (None: too many to read ahead), and identifiers by key
        # (None: known to be absent).
        self._ahead: dict[str, tuple[Profile, list[Identifier] | None]] = {}
        self._known: dict[IdentifierKey, Identifier | None] = {}

    @property
    def _conn(self) -> Connection:
        """The SQLAlchemy connection every Core statement runs on."""
        return self._link.connection()

    @_conn.setter
    def _conn(self, conn: Connection) -> None:
        self._link = Link.of(conn)

    def _rows(self, sql: str, *params: Any) -> list[Any]:
        return self._link.execute(sql, params).fetchall()  # type: ignore[no-any-return]

    def _row(self, sql: str, *params: Any) -> Any:
        return self._link.execute(sql, params).fetchone()

    # -- profiles
    def profile(self, profile_id: str) -> Profile | None:
        ahead = self._ahead.get(profile_id)
        if ahead is not None:
            return ahead[0]
        row = self._row(self._hot.profile, self.workspace_id, profile_id)
        return None if row is None else self._hot.to_profile(row)

    def profile_by_external_id(self, external_id: str) -> Profile | None:
        row = self._row(self._hot.profile_by_external_id, self.workspace_id, external_id)
        return None if row is None else self._hot.to_profile(row)

    def tombstones_of(self, profile_id: str) -> list[str]:
        rows = self._conn.execute(
            sa.select(profiles.c.id).where(
                profiles.c.workspace_id == self.workspace_id,
                profiles.c.merged_into == profile_id,
            )
        )
        return sorted(r.id for r in rows)

    # -- identifiers
    def identifier(self, key: IdentifierKey) -> Identifier | None:
        if not self._write:
            if key in self._known:
                return self._known[key]
            return self._identifier_ahead(key)
        row = self._row(self._hot.identifier, self.workspace_id, key.namespace, key.value)
        return None if row is None else self._hot.to_identifier(row)

    def _identifier_ahead(self, key: IdentifierKey) -> Identifier | None:
        hot = self._hot
        rows = self._rows(
            hot.identifier_ahead, self.workspace_id, key.namespace, key.value, READ_AHEAD + 1
        )
        if not rows:
            return None
        profile = hot.to_profile(rows[0], IDENT_COLUMNS)
        if len(rows) > READ_AHEAD:
            # A profile this large is read in full only if someone asks for it.
            self._ahead[profile.id] = (profile, None)
        else:
            held = sorted((hot.to_identifier(r) for r in rows), key=_by_key)
            self._ahead[profile.id] = (profile, held)
            for ident in held:
                if ident.namespace == key.namespace and ident.value == key.value:
                    return ident
        row = self._row(hot.identifier, self.workspace_id, key.namespace, key.value)
        return None if row is None else hot.to_identifier(row)

    def read_ahead(self, keys: Collection[IdentifierKey]) -> None:
        """Read these identifiers, their profiles and those profiles' identifiers now,
        a few statements for all of them, so that resolving each key afterwards costs no
        statement (a batch of reads, `queries.resolve_many`). A read-only transaction's
        affair: a writer's own changes would make what was read ahead stale."""
        if self._write:
            return
        hot, wanted = self._hot, sorted(set(keys) - set(self._known))
        found: dict[str, Profile] = {}
        for part in chunks(wanted):
            sql, params = hot.by_keys([(k.namespace, k.value) for k in part])
            for row in self._rows(sql, self.workspace_id, *params):
                ident = hot.to_identifier(row)
                self._known[ident.key] = ident
                found.setdefault(ident.profile_id, hot.to_profile(row, IDENT_COLUMNS))
        for key in wanted:
            self._known.setdefault(key, None)
        held: dict[str, list[Identifier]] = {pid: [] for pid in found}
        for part in chunks(sorted(found)):
            sql, params = hot.of_profiles(part)
            for row in self._rows(sql, self.workspace_id, *params):
                ident = hot.to_identifier(row)
                held[ident.profile_id].append(ident)
        for pid, profile in found.items():
            self._ahead[pid] = (profile, sorted(held[pid], key=_by_key))

    def identifiers_of(self, profile_id: str) -> list[Identifier]:
        ahead = self._ahead.get(profile_id)
        if ahead is not None and ahead[1] is not None:
            return list(ahead[1])
        rows = self._rows(self._hot.identifiers_of, self.workspace_id, profile_id)
        return sorted((self._hot.to_identifier(r) for r in rows), key=_by_key)

    def identifiers_of_many(self, profile_ids: Collection[str]) -> list[Identifier]:
        # On the driver's cursor (`sql_hot`): every group-commit round and batch window
        # reads the full identifier sets of the profiles it links to, and decoding Core
        # rows measured ~10 µs an identifier, most of a small round's cost.
        hot = self._hot
        found: list[Identifier] = []
        for part in chunks(sorted(set(profile_ids))):
            sql, params = hot.of_profiles(part)
            found.extend(
                hot.to_identifier(row) for row in self._rows(sql, self.workspace_id, *params)
            )
        return sorted(found, key=_by_key)

    def count_in_namespace(self, profile_id: str, namespace: str) -> int:
        count = self._conn.execute(
            sa.select(sa.func.count()).where(
                identifiers.c.workspace_id == self.workspace_id,
                identifiers.c.profile_id == profile_id,
                identifiers.c.namespace == namespace,
            )
        ).scalar_one()
        return int(count)

    def identifiers_in_domain(self, namespace: str, domain: str, limit: int) -> list[Identifier]:
        t = identifiers
        # LIKE with an escape: a domain may hold `_`, which LIKE reads as a wildcard.
        pattern = "%@" + domain.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        rows = self._conn.execute(
            sa.select(t)
            .where(
                t.c.workspace_id == self.workspace_id,
                t.c.namespace == namespace,
                t.c.value.like(pattern, escape="\\"),
            )
            .order_by(t.c.value)
            .limit(limit)
        ).all()
        # SQLite's LIKE ignores ASCII case: keep exact matches only, as the contract says.
        return [to_identifier(r) for r in rows if str(r.value).endswith("@" + domain)]

    def existing_keys(self, keys: Collection[IdentifierKey]) -> set[IdentifierKey]:
        """Which of these keys are stored (one query per namespace and chunk).

        `namespace = ? AND value IN (...)` walks the primary key. The row-value
        `(namespace, value) IN (...)` this used to run is planned by SQLite as a scan of
        the workspace's keys: 93 ms a 500-key chunk at 1M identifiers, ~2 s for each
        merge and undo of a 10,000-identifier profile."""
        by_namespace: dict[str, list[str]] = {}
        for key in set(keys):
            by_namespace.setdefault(key.namespace, []).append(key.value)
        found: set[IdentifierKey] = set()
        for namespace, values in sorted(by_namespace.items()):
            for part in chunks(sorted(values)):
                sql, params = self._hot.values_listed(part)
                rows = self._rows(sql, self.workspace_id, namespace, *params)
                found.update(IdentifierKey(row[0], row[1]) for row in rows)
        return found

    # -- memberships
    def memberships_touching(self, profile_id: str) -> list[Membership]:
        # The workspace in each arm of the OR, as in `events_about`: one search of the
        # primary key and one of the member index, not every edge of the workspace.
        mine = memberships.c.workspace_id == self.workspace_id
        rows = self._conn.execute(
            sa.select(memberships).where(
                sa.or_(
                    sa.and_(mine, memberships.c.group_id == profile_id),
                    sa.and_(mine, memberships.c.member_id == profile_id),
                )
            )
        )
        return _memberships_sorted(rows)

    def groups_of(self, member_ids: Collection[str]) -> list[Membership]:
        rows: list[Row[Any]] = []
        for part in chunks(sorted(set(member_ids))):
            rows.extend(
                self._conn.execute(
                    sa.select(memberships).where(
                        memberships.c.workspace_id == self.workspace_id,
                        memberships.c.member_id.in_(part),
                    )
                )
            )
        return _memberships_sorted(rows)

    # -- the event log
    def event(self, seq: int) -> Event | None:
        row = self._conn.execute(
            sa.select(events).where(events.c.workspace_id == self.workspace_id, events.c.seq == seq)
        ).one_or_none()
        return None if row is None else to_event(row)

    def events(self, after: int, limit: int) -> list[Event]:
        # On the driver's cursor (`sql_hot`): `aka check` replays the whole log through
        # here, and Core's row processing was half the replay's time (24 s of 51 s for
        # 1.5M events on SQLite).
        rows = self._rows(self._hot.events_after, self.workspace_id, after, limit)
        return [self._hot.to_event(r) for r in rows]

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

    # -- settings
    def settings(self) -> WorkspaceSettings:
        if self._settings is not None:
            return self._settings
        row = self._row(self._hot.settings, self.workspace_id)
        if row is None:
            # Only reachable if the workspace vanished mid-transaction; say so plainly.
            raise AkaError(Code.WORKSPACE_NOT_FOUND, f"no workspace {self.workspace_id!r}")
        settings = self._hot.to_settings(row[0])
        if not self._write:  # a writer may change them (`save_settings`) before asking again
            self._settings = settings
        return settings


def workspace_settings_text(conn: Connection, workspace_id: str) -> str | None:
    """The workspace's settings as stored JSON text; None when there is no such workspace."""
    sql = hot_sql(conn.dialect.name).settings
    cursor_of = conn.connection.driver_connection
    row = run(cursor_of, sql, (workspace_id,), conn.dialect, conn.invalidate).fetchone()
    return None if row is None else str(row[0] if row[0] is not None else "{}")


def workspace_exists(conn: Connection, workspace_id: str) -> bool:
    return workspace_settings_text(conn, workspace_id) is not None


def _by_key(identifier: Identifier) -> tuple[str, str]:
    return (identifier.namespace, identifier.value)
