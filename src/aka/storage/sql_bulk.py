"""Many rows per statement: the reads of the bulk paths.

A 10,000-operation batch or an import chunk looks up every key it touches with one
`IN` (or `unnest`) query per chunk, instead of a round trip per operation. Its writes go
through `append_many` (`sql_append.py`).
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any, Final

import sqlalchemy as sa

from aka.core.model import Identifier, IdentifierKey, Profile
from aka.storage.sql_common import SqlReader, chunks, to_identifier, to_profile
from aka.storage.tables import identifiers, profiles

_UNNEST_CHUNK: Final = 5000
_BY_UNNEST: Final = sa.text(
    "SELECT i.* FROM unnest(CAST(:ns AS text[]), CAST(:vals AS text[])) AS k(ns, v) "
    "JOIN identifiers AS i ON i.workspace_id = :ws AND i.namespace = k.ns AND i.value = k.v"
).columns(*identifiers.c)


class SqlBulk(SqlReader):
    """Many rows per statement: the reads of the bulk paths."""

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
