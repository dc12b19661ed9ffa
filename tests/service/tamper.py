"""Changes made behind a store's back, for the specs of `aka check`.

On a database: raw SQL on the store's engine, as a bad manual fix, a half-applied
migration or a damaged disk would leave things. In memory: the twin's own committed
tables, which is the same thing for a store that keeps its rows in dicts. Every change
asserts that it touched something, so a typo cannot make a test pass vacuously.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from aka.core import events as ev
from aka.core.model import IdentifierKey, Kind
from aka.core.ports import Store
from aka.core.state import GraphState
from aka.storage.memory import MemoryStore
from aka.storage.sql_store import SqlStore

# Column names as stored -> the model's field names (the memory twin's).
_IDENTIFIER_FIELDS = {"profile_id": "profile_id", "is_primary": "primary", "kind": "kind"}


class Tamper:
    integrity_error = IntegrityError

    def __init__(self, store: Store, workspace: str = "default") -> None:
        self._store = store
        self._ws = workspace

    # --- the two ways in ------------------------------------------------------------
    def _memory(self) -> Any:
        """The memory twin's committed workspace, or None for a database."""
        if isinstance(self._store, MemoryStore):
            return self._store._workspaces[self._ws]
        return None

    def _graph(self) -> GraphState:
        graph: GraphState = self._memory().graph
        return graph

    def _sql(self, statement: str, **params: Any) -> None:
        assert isinstance(self._store, SqlStore)
        with self._store.engine.begin() as conn:
            done = conn.execute(sa.text(statement), {"ws": self._ws, **params})
            assert done.rowcount >= 1, statement

    def _postgres(self) -> bool:
        return isinstance(self._store, SqlStore) and self._store.engine.dialect.name != "sqlite"

    def refuses_duplicate_external_ids(self) -> bool:
        """The databases hold invariant 3 with a UNIQUE constraint; memory does not."""
        return self._memory() is None

    # --- rows ---------------------------------------------------------------------
    def identifier(self, namespace: str, value: str, **columns: Any) -> None:
        """Set columns (`profile_id`, `is_primary`, `kind`) of one identifier row."""
        if self._memory() is not None:
            key = IdentifierKey(namespace, value)
            fields = {_IDENTIFIER_FIELDS[c]: v for c, v in columns.items()}
            if "kind" in fields:
                fields["kind"] = Kind(fields["kind"])
            table = self._graph().identifiers
            table[key] = replace(table[key], **fields)
            return
        sets = ", ".join(f"{c} = :{c}" for c in columns)
        self._sql(
            f"UPDATE identifiers SET {sets}"  # noqa: S608 - column names from the test
            " WHERE workspace_id = :ws AND namespace = :ns AND value = :value",
            ns=namespace,
            value=value,
            **columns,
        )

    def profile(self, profile_id: str, **columns: Any) -> None:
        """Set columns (`merged_into`, `external_id`, `attributes`) of one profile row."""
        if self._memory() is not None:
            table = self._graph().profiles
            table[profile_id] = replace(table[profile_id], **columns)
            return
        sets = []
        for column, given in list(columns.items()):
            if column == "attributes":
                columns[column] = json.dumps(given)
                sets.append(
                    "attributes = CAST(:attributes AS jsonb)"
                    if self._postgres()
                    else "attributes = :attributes"
                )
            else:
                sets.append(f"{column} = :{column}")
        self._sql(
            f"UPDATE profiles SET {', '.join(sets)}"  # noqa: S608 - column names from the test
            " WHERE workspace_id = :ws AND id = :id",
            id=profile_id,
            **columns,
        )

    def delete_identifier(self, namespace: str, value: str) -> None:
        if self._memory() is not None:
            del self._graph().identifiers[IdentifierKey(namespace, value)]
            return
        self._sql(
            "DELETE FROM identifiers WHERE workspace_id = :ws AND namespace = :ns"
            " AND value = :value",
            ns=namespace,
            value=value,
        )

    def delete_profile(self, profile_id: str) -> None:
        """Remove a profile row (one that nothing references)."""
        if self._memory() is not None:
            del self._graph().profiles[profile_id]
            return
        self._sql("DELETE FROM profiles WHERE workspace_id = :ws AND id = :id", id=profile_id)

    # --- edges ----------------------------------------------------------------------
    def membership(self, group: str, member: str, *, member_id: str) -> None:
        """Re-point one edge at another member."""
        if self._memory() is not None:
            edges = self._graph().memberships
            edges[(group, member_id)] = edges.pop((group, member))
            return
        self._sql(
            "UPDATE memberships SET member_id = :new WHERE workspace_id = :ws"
            " AND group_id = :g AND member_id = :m",
            new=member_id,
            g=group,
            m=member,
        )

    def add_membership(self, group: str, member: str) -> None:
        if self._memory() is not None:
            self._graph().memberships[(group, member)] = 1
            return
        self._sql(
            "INSERT INTO memberships (workspace_id, group_id, member_id, seq)"
            " VALUES (:ws, :g, :m, 1)",
            g=group,
            m=member,
        )

    def delete_membership(self, group: str, member: str) -> None:
        if self._memory() is not None:
            del self._graph().memberships[(group, member)]
            return
        self._sql(
            "DELETE FROM memberships WHERE workspace_id = :ws AND group_id = :g AND member_id = :m",
            g=group,
            m=member,
        )

    # --- the log --------------------------------------------------------------------
    def drop_link_event(self, namespace: str, value: str) -> None:
        """Remove the `identifier.linked` event that linked this identifier (alone)."""
        self._drop_event(
            lambda e: (
                e.type == ev.IDENTIFIER_LINKED
                and ev.linked_keys(e.payload) == [IdentifierKey(namespace, value)]
            ),
            f"type = '{ev.IDENTIFIER_LINKED}' AND "
            + (
                "payload->'identifiers'->0->>'namespace' = :ns"
                " AND payload->'identifiers'->0->>'value' = :value"
                if self._postgres()
                else "json_extract(payload, '$.identifiers[0].namespace') = :ns"
                " AND json_extract(payload, '$.identifiers[0].value') = :value"
            ),
            ns=namespace,
            value=value,
        )

    def drop_create_event(self, profile_id: str) -> None:
        """Remove the `profile.created` event of this profile from the log."""
        self._drop_event(
            lambda e: e.type == ev.PROFILE_CREATED and e.profile_id == profile_id,
            f"type = '{ev.PROFILE_CREATED}' AND profile_id = :pid",
            pid=profile_id,
        )

    def _drop_event(self, matches: Any, where: str, **params: Any) -> None:
        memory = self._memory()
        if memory is not None:
            kept = [e for e in memory.events if not matches(e)]
            assert len(kept) < len(memory.events)
            memory.events = kept
            return
        self._sql(f"DELETE FROM events WHERE workspace_id = :ws AND {where}", **params)  # noqa: S608

    def forget_undos(self) -> None:
        """Unmerge events no longer name the merge they undid (their indexed column)."""
        if self._memory() is not None:
            assert self._graph().undone
            self._graph().undone.clear()
            return
        self._sql(
            "UPDATE events SET ref_seq = NULL WHERE workspace_id = :ws AND type = :type",
            type=ev.PROFILE_UNMERGED,
        )
