"""The graph's reads on SQL (`GraphReads`), over one transaction's connection.

Shared by the SQLite and PostgreSQL stores. The reads every resolve, group-commit round
and batch window makes run as plain SQL on the driver's cursor (`sql_plain`); the rest
are portable SQLAlchemy Core. Results that the port promises "sorted" by text are
sorted in Python: SQLite compares bytes, while PostgreSQL sorts by the column's
collation, and the memory twin sorts by code point; sorting here keeps every backend's
answer identical.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy.engine import Row

from aka.core.errors import AkaError, Code
from aka.core.model import Identifier, IdentifierKey, Membership, Profile
from aka.core.settings import WorkspaceSettings
from aka.storage.sql_driver import DbHandle, SqlPart
from aka.storage.sql_plain import IDENT_COLUMNS
from aka.storage.sql_rows import by_key, chunks, memberships_sorted, to_identifier, to_profile
from aka.storage.tables import SharedField, identifiers, memberships, profiles

# How many identifiers `identifier` reads ahead in a read-only transaction: every
# identifier of all but unusually large profiles (namespace limits default to 100).
READ_AHEAD: Final = 200
_UNNEST_CHUNK: Final = 5000
_BY_UNNEST: Final = sa.text(
    "SELECT i.* FROM unnest(CAST(:ns AS text[]), CAST(:vals AS text[])) AS k(ns, v) "
    "JOIN identifiers AS i ON i.workspace_id = :ws AND i.namespace = k.ns AND i.value = k.v"
).columns(*identifiers.c)


class SqlGraphReads(SqlPart):
    """Every read of `GraphReads`, in one workspace, over one transaction's connection.

    In a read-only transaction, which sees one snapshot and changes nothing, two more
    things are safe and done:
    - the settings are read once (and primed by the store when it checked that the
      workspace exists);
    - `identifier` reads ahead: the same statement fetches the identifier's profile and
      (up to `READ_AHEAD` of) that profile's identifiers, which `profile` and
      `identifiers_of` then answer without another statement. A write transaction reads
      every time: its own writes may have changed the rows since.
    """

    def __init__(
        self,
        db: DbHandle,
        workspace_id: str,
        *,
        write: bool,
        settings_text: str | None = None,
    ) -> None:
        super().__init__(db, workspace_id)
        self._write = write
        self._settings: WorkspaceSettings | None = None
        if settings_text is not None and not write:
            self._settings = self._plain.to_settings(settings_text)
        # Read transactions only: rows read ahead (`identifier`, `read_ahead`): profiles
        # with their identifiers (None: too many to read ahead), and identifiers by key
        # (None: known to be absent).
        self._ahead: dict[str, tuple[Profile, list[Identifier] | None]] = {}
        self._known: dict[IdentifierKey, Identifier | None] = {}

    # -- settings
    def settings(self) -> WorkspaceSettings:
        if self._settings is not None:
            return self._settings
        row = self._row(self._plain.settings, self.workspace_id)
        if row is None:
            # Only reachable if the workspace vanished mid-transaction; say so plainly.
            raise AkaError(Code.WORKSPACE_NOT_FOUND, f"no workspace {self.workspace_id!r}")
        settings = self._plain.to_settings(row[0])
        if not self._write:  # a writer may change them (`save_settings`) before asking again
            self._settings = settings
        return settings

    # -- profiles
    def profile(self, profile_id: str) -> Profile | None:
        ahead = self._ahead.get(profile_id)
        if ahead is not None:
            return ahead[0]
        if not self._write:
            return self._profile_ahead(self._plain.profile_ahead, profile_id)
        row = self._row(self._plain.profile, self.workspace_id, profile_id)
        return None if row is None else self._plain.to_profile(row)

    def profile_by_external_id(self, external_id: str) -> Profile | None:
        if not self._write:
            return self._profile_ahead(self._plain.profile_ahead_by_external_id, external_id)
        row = self._row(self._plain.profile_by_external_id, self.workspace_id, external_id)
        return None if row is None else self._plain.to_profile(row)

    def _profile_ahead(self, sql: str, found_by: str) -> Profile | None:
        """A reader's profile read with (up to `READ_AHEAD` of) its identifiers, which
        `identifiers_of` then answers: a resolve by profile or external id is one
        statement, as one by identifier is (`identifier`)."""
        plain = self._plain
        rows = self._rows(sql, self.workspace_id, found_by, READ_AHEAD + 1)
        if not rows:
            return None
        profile = plain.to_profile(rows[0], IDENT_COLUMNS)
        if len(rows) > READ_AHEAD:
            self._ahead[profile.id] = (profile, None)  # read in full only if asked
        else:
            held = [plain.to_identifier(r) for r in rows if r[0] is not None]
            self._ahead[profile.id] = (profile, sorted(held, key=by_key))
        return profile

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
        row = self._row(self._plain.identifier, self.workspace_id, key.namespace, key.value)
        return None if row is None else self._plain.to_identifier(row)

    def _identifier_ahead(self, key: IdentifierKey) -> Identifier | None:
        plain = self._plain
        rows = self._rows(
            plain.identifier_ahead, self.workspace_id, key.namespace, key.value, READ_AHEAD + 1
        )
        if not rows:
            return None
        profile = plain.to_profile(rows[0], IDENT_COLUMNS)
        if len(rows) > READ_AHEAD:
            # A profile this large is read in full only if someone asks for it.
            self._ahead[profile.id] = (profile, None)
        else:
            held = sorted((plain.to_identifier(r) for r in rows), key=by_key)
            self._ahead[profile.id] = (profile, held)
            for ident in held:
                if ident.namespace == key.namespace and ident.value == key.value:
                    return ident
        row = self._row(plain.identifier, self.workspace_id, key.namespace, key.value)
        return None if row is None else plain.to_identifier(row)

    def read_ahead(self, keys: Collection[IdentifierKey]) -> None:
        """Read these identifiers, their profiles and those profiles' identifiers now,
        a few statements for all of them, so that resolving each key afterwards costs no
        statement (a batch of reads, `queries.resolve_many`). A read-only transaction's
        affair: a writer's own changes would make what was read ahead stale."""
        if self._write:
            return
        plain, wanted = self._plain, sorted(set(keys) - set(self._known))
        if plain.arrays and 0 < len(wanted) <= _UNNEST_CHUNK:
            self._read_ahead_at_once(wanted)
            return
        if len(wanted) == 1:  # one statement, as a single read makes it (`identifier`)
            (key,) = wanted
            self._known[key] = self._identifier_ahead(key)
            return
        found: dict[str, Profile] = {}
        for part in chunks(wanted):
            sql, params = plain.by_keys([(k.namespace, k.value) for k in part])
            for row in self._rows(sql, self.workspace_id, *params):
                ident = plain.to_identifier(row)
                self._known[ident.key] = ident
                found.setdefault(ident.profile_id, plain.to_profile(row, IDENT_COLUMNS))
        for key in wanted:
            self._known.setdefault(key, None)
        held: dict[str, list[Identifier]] = {pid: [] for pid in found}
        for part in chunks(sorted(found)):
            sql, params = plain.of_profiles(part)
            for row in self._rows(sql, self.workspace_id, *params):
                ident = plain.to_identifier(row)
                held[ident.profile_id].append(ident)
        for pid, profile in found.items():
            self._ahead[pid] = (profile, sorted(held[pid], key=by_key))

    def _read_ahead_at_once(self, wanted: Sequence[IdentifierKey]) -> None:
        """`read_ahead` in one statement (PostgreSQL: a LATERAL join), so that a batch of
        resolves needs no transaction around it (`SqlStore.read`). A profile with more
        than `READ_AHEAD` identifiers is marked as such, and read in full only if asked."""
        plain = self._plain
        sql, params = plain.ahead_by_keys(
            self.workspace_id, [(k.namespace, k.value) for k in wanted], READ_AHEAD + 1
        )
        profile_of: dict[IdentifierKey, str] = {}  # each key found, and its profile
        held: dict[str, dict[IdentifierKey, Identifier]] = {}
        profiles: dict[str, Profile] = {}
        for row in self._rows(sql, *params):
            ident = plain.to_identifier(row)
            pid = ident.profile_id
            if pid not in profiles:
                profiles[pid] = plain.to_profile(row, IDENT_COLUMNS)
                held[pid] = {}
            held[pid][ident.key] = ident
            profile_of[IdentifierKey(row[-2], row[-1])] = pid
        for pid, idents in held.items():
            whole = len(idents) <= READ_AHEAD
            self._ahead[pid] = (
                profiles[pid],
                sorted(idents.values(), key=by_key) if whole else None,
            )
        for key in wanted:
            owner = profile_of.get(key)
            if owner is None:
                self._known[key] = None  # no such identifier
            elif key in held[owner]:
                self._known[key] = held[owner][key]
            # else: its profile's identifiers were cut at the bound before reaching it;
            # `identifier` reads it on its own if asked.

    def identifiers_of(self, profile_id: str) -> list[Identifier]:
        ahead = self._ahead.get(profile_id)
        if ahead is not None and ahead[1] is not None:
            return list(ahead[1])
        rows = self._rows(self._plain.identifiers_of, self.workspace_id, profile_id)
        return sorted((self._plain.to_identifier(r) for r in rows), key=by_key)

    def identifiers_of_many(self, profile_ids: Collection[str]) -> list[Identifier]:
        # On the driver's cursor: every group-commit round and batch window reads the
        # full identifier sets of the profiles it links to, and decoding Core rows
        # measured ~10 µs an identifier, most of a small round's cost.
        plain = self._plain
        found: list[Identifier] = []
        for part in chunks(sorted(set(profile_ids))):
            sql, params = plain.of_profiles(part)
            found.extend(
                plain.to_identifier(row) for row in self._rows(sql, self.workspace_id, *params)
            )
        return sorted(found, key=by_key)

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

    def profiles_with_field(self, name: str, value: str, limit: int) -> list[Profile]:
        t = profiles
        # `ix_profiles_workspace_id_email` (`_phone`) index this very expression on
        # both databases (ADR 0018).
        rows = self._conn.execute(
            sa.select(t)
            .where(
                t.c.workspace_id == self.workspace_id,
                SharedField(name) == value,
                t.c.merged_into.is_(None),
            )
            .order_by(t.c.id)
            .limit(limit)
        ).all()
        # A number or boolean attribute whose text equals `value` is not a match.
        found = [to_profile(r) for r in rows]
        return [p for p in found if p.attributes.get(name) == value]

    # -- many keys at once: one statement per chunk (bulk paths, effects' checks)
    def identifiers_by_keys(
        self, keys: Collection[IdentifierKey]
    ) -> dict[IdentifierKey, Identifier]:
        if self._db.dialect.name == "postgresql":
            return self._identifiers_by_unnest(keys)
        found = (self._plain.to_identifier(row) for row in self._rows_by_namespace(keys))
        return {ident.key: ident for ident in found}

    def existing_keys(self, keys: Collection[IdentifierKey]) -> set[IdentifierKey]:
        """Which of these keys are stored (what an event's effect checks before it
        changes rows: `sql_effects`)."""
        return {IdentifierKey(row[0], row[1]) for row in self._rows_by_namespace(keys)}

    def _rows_by_namespace(self, keys: Collection[IdentifierKey]) -> Iterator[Any]:
        """The identifier rows among these keys, one statement per namespace and chunk.

        `namespace = ? AND value IN (...)` walks the primary key. The row-value
        `(namespace, value) IN (...)` this used to run is planned by SQLite as a scan of
        the workspace's keys: 93 ms a 500-key chunk at 1M identifiers, ~2 s for each
        merge and undo of a 10,000-identifier profile."""
        by_namespace: dict[str, list[str]] = {}
        for key in set(keys):
            by_namespace.setdefault(key.namespace, []).append(key.value)
        for namespace, values in sorted(by_namespace.items()):
            for part in chunks(sorted(values)):
                sql, params = self._plain.values_listed(part)
                yield from self._rows(sql, self.workspace_id, namespace, *params)

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
        # On the driver's cursor: asked by every group-commit round.
        plain, found = self._plain, {}
        for part in chunks(sorted(set(profile_ids))):
            sql, params = plain.profiles_listed(part)
            for row in self._rows(sql, self.workspace_id, *params):
                profile = plain.to_profile(row)
                found[profile.id] = profile
        return found

    def profiles_by_external_ids(self, external_ids: Collection[str]) -> dict[str, Profile]:
        found: dict[str, Profile] = {}
        for part in chunks(sorted(set(external_ids))):
            rows = self._conn.execute(
                sa.select(profiles).where(
                    profiles.c.workspace_id == self.workspace_id,
                    profiles.c.external_id.in_(part),
                )
            )
            for row in rows:
                profile = to_profile(row)
                found[profile.external_id or ""] = profile
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
        return memberships_sorted(rows)

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
        return memberships_sorted(rows)
