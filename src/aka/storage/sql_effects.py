"""The SQL reading of the event types that change rows in place, one method each.

(Types whose effect is new rows are read in `sql_append.py`, a segment at a time.)
Each `_<event type>` method is the SQL twin of the handler of the same name in
`core/state.py`, field for field: the same `seq` bookkeeping on identifiers and
memberships, the same `updated_at` touches, and a `ReplayError` wherever `GraphState`
raises one (or the database refuses the row). Keep the two side by side when changing
either; the contract suite compares their results after every event type.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from aka.core import events as ev
from aka.core.history import erased_keys
from aka.core.model import Event, Identifier, IdentifierKey, Kind, Profile
from aka.core.state import ReplayError, is_redacted, restored_seqs
from aka.storage.sql_driver import DbHandle, SqlPart
from aka.storage.sql_graph_reads import SqlGraphReads
from aka.storage.sql_history import SqlHistory
from aka.storage.sql_rows import chunks
from aka.storage.tables import identifiers, memberships, profiles

Edge = tuple[str, str]
DialectInsert = Callable[[sa.Table], Any]
"""The backend's INSERT construct that knows ON CONFLICT (SQLite's, PostgreSQL's)."""


def _key(payload: dict[str, Any], name: str = "value") -> IdentifierKey:
    return IdentifierKey(payload["namespace"], payload[name])


def _rewrite(edge: Edge, old: str, new: str) -> Edge:
    group, member = edge
    return (new if group == old else group, new if member == old else member)


class SqlEffects(SqlPart):
    """Writes the effect of one stored event to the graph tables of one workspace.

    It checks what it changes against the graph as the transaction sees it, through the
    transaction's own `SqlGraphReads` (a write transaction's reads are never cached, so
    they see the effects already written)."""

    def __init__(
        self,
        db: DbHandle,
        workspace_id: str,
        *,
        write: bool,
        graph: SqlGraphReads,
        insert: DialectInsert,
    ) -> None:
        super().__init__(db, workspace_id)
        self._write = write
        self._graph = graph
        self._insert = insert
        self._history = SqlHistory(db, workspace_id)
        # The event being applied (set by the applier before each effect): what a
        # statement changing identifier rows in place ends their current versions at.
        self._event_seq = 0

    def _wrote(self, keys: Iterable[IdentifierKey]) -> None:
        """The rows of these identifiers are about to change or go: called before the
        statement, so their current versions are kept in the history (ADR 0025)."""
        self._history.close(list(keys), self._event_seq)

    def _upsert_memberships(self, edges: Sequence[Edge], seq: int) -> None:
        """Insert these edges with `seq`, or set `seq` where an edge already exists."""
        # One statement may not touch a row twice (PostgreSQL's ON CONFLICT refuses it).
        unique = list(dict.fromkeys(edges))
        if not unique:
            return
        stmt = self._insert(memberships)
        self._conn.execute(
            stmt.on_conflict_do_update(
                index_elements=[
                    memberships.c.workspace_id,
                    memberships.c.group_id,
                    memberships.c.member_id,
                ],
                set_={"seq": stmt.excluded.seq},
            ),
            [
                {"workspace_id": self.workspace_id, "group_id": g, "member_id": m, "seq": seq}
                for g, m in unique
            ],
        )

    def _effects(self) -> dict[str, Callable[[Event], None]]:
        return {
            ev.PROFILE_UPDATED: self._profile_updated,
            ev.PROFILE_IDENTIFIED: self._profile_identified,
            ev.PROFILE_RENAMED: self._profile_renamed,
            ev.PROFILE_MERGED: self._profile_merged,
            ev.PROFILE_UNMERGED: self._profile_unmerged,
            ev.PROFILE_DELETED: self._profile_deleted,
            ev.IDENTIFIER_CHANGED: self._identifier_changed,
            ev.IDENTIFIER_RENAMED: self._identifier_renamed,
            ev.IDENTIFIER_UNLINKED: self._identifier_unlinked,
        }

    def _require_profile(self, profile_id: str | None, e: Event) -> Profile:
        found = None if profile_id is None else self._graph.profile(profile_id)
        if found is None:
            raise ReplayError(f"event {e.seq} ({e.type}): no profile {profile_id!r}")
        return found

    def _require_keys(self, keys: Collection[IdentifierKey], e: Event) -> None:
        """Every key must exist, except redacted ones (see `GraphState._identifier`)."""
        missing = set(keys) - self._graph.existing_keys(keys)
        for key in sorted(missing):
            if not is_redacted(key.value):
                raise ReplayError(f"event {e.seq} ({e.type}): no identifier {key}")

    def _update_profile(self, profile_id: str, **values: Any) -> int:
        result = self._conn.execute(
            sa.update(profiles)
            .where(profiles.c.workspace_id == self.workspace_id, profiles.c.id == profile_id)
            .values(**values)
        )
        return int(result.rowcount)

    def _touch(self, profile_id: str, at: datetime) -> None:
        self._update_profile(profile_id, updated_at=at)

    def _where_key(self, key: IdentifierKey) -> sa.ColumnElement[bool]:
        return sa.and_(
            identifiers.c.workspace_id == self.workspace_id,
            identifiers.c.namespace == key.namespace,
            identifiers.c.value == key.value,
        )

    def _update_keys(self, keys: Iterable[IdentifierKey], **values: Any) -> None:
        """Set `values` on each of these identifiers (absent ones are skipped), in one
        executemany rather than a round trip per key."""
        keys = list(keys)
        rows = [{"b_ns": k.namespace, "b_value": k.value} for k in keys]
        if not rows:
            return
        self._wrote(keys)
        self._conn.execute(
            sa.update(identifiers)
            .where(
                identifiers.c.workspace_id == self.workspace_id,
                identifiers.c.namespace == sa.bindparam("b_ns"),
                identifiers.c.value == sa.bindparam("b_value"),
            )
            .values(**values),
            rows,
        )

    def _restore_keys(self, restored: Sequence[tuple[IdentifierKey, int]], profile_id: str) -> None:
        """Give each identifier back to `profile_id` with its own seq, in one executemany."""
        rows = [{"b_ns": k.namespace, "b_value": k.value, "b_seq": seq} for k, seq in restored]
        if not rows:
            return
        self._wrote(k for k, _ in restored)
        self._conn.execute(
            sa.update(identifiers)
            .where(
                identifiers.c.workspace_id == self.workspace_id,
                identifiers.c.namespace == sa.bindparam("b_ns"),
                identifiers.c.value == sa.bindparam("b_value"),
            )
            .values(profile_id=profile_id, seq=sa.bindparam("b_seq")),
            rows,
        )

    def _demote_primaries(
        self, profile_id: str, keep: IdentifierKey, seq: int, older_than: int | None = None
    ) -> None:
        where = [
            identifiers.c.workspace_id == self.workspace_id,
            identifiers.c.profile_id == profile_id,
            identifiers.c.namespace == keep.namespace,
            identifiers.c.is_primary.is_(True),
            identifiers.c.value != keep.value,
        ]
        if older_than is not None:
            where.append(identifiers.c.seq < older_than)
        self._history.close_where(where, seq)
        self._conn.execute(sa.update(identifiers).where(*where).values(is_primary=False, seq=seq))

    def _delete_edges(self, edges: Sequence[Edge]) -> None:
        if edges:
            self._conn.execute(
                sa.delete(memberships).where(
                    memberships.c.workspace_id == self.workspace_id,
                    memberships.c.group_id == sa.bindparam("b_group"),
                    memberships.c.member_id == sa.bindparam("b_member"),
                ),
                [{"b_group": g, "b_member": m} for g, m in edges],
            )

    def _apply_edges(self, final: dict[Edge, bool], seq: int) -> None:
        """Bring edges to their final state: True present with `seq`, False absent.

        `GraphState` pops and sets edges one by one; only each edge's last step
        decides its end state, so two multi-row statements give the same graph.
        """
        self._delete_edges([edge for edge, present in final.items() if not present])
        self._upsert_memberships([edge for edge, present in final.items() if present], seq)

    def _repoint_tombstones(self, tombstones: Sequence[str], target: str, e: Event) -> None:
        wanted = sorted(set(tombstones))
        changed = 0
        for part in chunks(wanted):
            changed += int(
                self._conn.execute(
                    sa.update(profiles)
                    .where(profiles.c.workspace_id == self.workspace_id, profiles.c.id.in_(part))
                    .values(merged_into=target)
                ).rowcount
            )
        if changed != len(wanted):
            raise ReplayError(f"event {e.seq} ({e.type}): a listed tombstone does not exist")

    # --- one effect per event type (mirrors core/state.py) --------------------------
    def _profile_updated(self, e: Event) -> None:
        profile = self._require_profile(e.profile_id, e)
        self._update_profile(profile.id, attributes=dict(e.payload["attributes"]), updated_at=e.at)

    def _profile_identified(self, e: Event) -> None:
        profile = self._require_profile(e.profile_id, e)
        self._update_profile(profile.id, external_id=e.payload["external_id"], updated_at=e.at)

    def _identifier_changed(self, e: Event) -> None:
        key = _key(e.payload)
        ident = self._graph.identifier(key)
        if ident is None:
            self._require_keys([key], e)
            return
        changes: dict[str, Any] = {"seq": e.seq}
        if "kind" in e.payload:
            changes["kind"] = Kind(e.payload["kind"]).value
        if "primary" in e.payload:
            changes["is_primary"] = bool(e.payload["primary"])
        if "disabled" in e.payload:
            changes["disabled"] = bool(e.payload["disabled"])
        if "deprecated" in e.payload:
            changes["deprecated"] = bool(e.payload["deprecated"])
        if "attributes" in e.payload:
            changes["attributes"] = dict(e.payload["attributes"])
        self._wrote([key])
        self._conn.execute(sa.update(identifiers).where(self._where_key(key)).values(**changes))
        if changes.get("is_primary"):
            self._demote_primaries(ident.profile_id, key, e.seq)
        self._touch(ident.profile_id, e.at)

    def _identifier_renamed(self, e: Event) -> None:
        key = _key(e.payload)
        ident = self._graph.identifier(key)
        if ident is None:
            self._require_keys([key], e)
            return
        new_key = _key(e.payload, "new_value")
        # Checked here too (not only by the primary key) so renaming onto itself is
        # refused exactly as `GraphState` refuses it.
        if self._graph.identifier(new_key) is not None:
            raise ReplayError(f"event {e.seq}: rename target {new_key} already exists")
        self._wrote([key, new_key])
        if e.payload.get("keep"):
            # The copy first (it reads the old row as it was), then the old row is
            # deprecated: `GraphState` does the same in one step.
            self._insert_identifier(
                replace(ident, value=new_key.value, deprecated=False, created_at=e.at, seq=e.seq)
            )
            self._conn.execute(
                sa.update(identifiers)
                .where(self._where_key(key))
                .values(is_primary=False, deprecated=True, seq=e.seq)
            )
        else:
            self._conn.execute(
                sa.update(identifiers)
                .where(self._where_key(key))
                .values(value=new_key.value, seq=e.seq)
            )
        self._touch(ident.profile_id, e.at)

    def _insert_identifier(self, i: Identifier) -> None:
        self._conn.execute(
            sa.insert(identifiers).values(
                workspace_id=self.workspace_id,
                namespace=i.namespace,
                value=i.value,
                profile_id=i.profile_id,
                kind=i.kind.value,
                is_primary=i.primary,
                disabled=i.disabled,
                attributes=dict(i.attributes),
                created_at=i.created_at,
                seq=i.seq,
                deprecated=i.deprecated,
            )
        )

    def _profile_renamed(self, e: Event) -> None:
        """Mirrors `state._profile_renamed`, refusal for refusal."""
        profile = self._require_profile(e.profile_id, e)
        new, previous = e.payload["external_id"], e.payload["previous"]
        if profile.merged_into is not None or profile.external_id != previous:
            raise ReplayError(
                f"event {e.seq}: profile {profile.id} is not a live profile known as {previous!r}"
            )
        reclaimed = IdentifierKey(ev.EXTERNAL_IDS, new)
        held = self._graph.identifier(reclaimed)
        if bool(e.payload.get("reclaimed")) != (held is not None):
            raise ReplayError(f"event {e.seq}: {reclaimed} is {'not ' if held is None else ''}held")
        if held is not None:
            if held.profile_id != profile.id:
                raise ReplayError(f"event {e.seq}: {reclaimed} belongs to {held.profile_id}")
            self._wrote([reclaimed])
            self._conn.execute(sa.delete(identifiers).where(self._where_key(reclaimed)))
        holder = self._graph.profile_by_external_id(new)
        if holder is not None and holder.id != profile.id:
            raise ReplayError(f"event {e.seq}: external_id {new!r} is held by {holder.id}")
        kept = IdentifierKey(ev.EXTERNAL_IDS, previous)
        if self._graph.identifier(kept) is not None:
            raise ReplayError(f"event {e.seq}: identifier {kept} already exists")
        self._update_profile(profile.id, external_id=new, updated_at=e.at)
        self._wrote([kept])
        self._insert_identifier(
            Identifier(
                namespace=ev.EXTERNAL_IDS,
                value=previous,
                profile_id=profile.id,
                created_at=e.at,
                seq=e.seq,
                deprecated=True,
            )
        )

    def _identifier_unlinked(self, e: Event) -> None:
        key = _key(e.payload)
        ident = self._graph.identifier(key)
        if ident is None:
            self._require_keys([key], e)
            return
        self._wrote([key])
        self._conn.execute(sa.delete(identifiers).where(self._where_key(key)))
        self._touch(ident.profile_id, e.at)

    def _profile_merged(self, e: Event) -> None:
        keep_id, merge_id = str(e.payload["keep"]), str(e.payload["merge"])
        keep, merge = self._require_profile(keep_id, e), self._require_profile(merge_id, e)
        moved = ev.keys_from_json(e.payload["identifiers"])
        self._require_keys(moved, e)
        self._update_keys(moved, profile_id=keep_id, seq=e.seq)
        demoted = ev.keys_from_json(e.payload.get("demoted", []))
        self._update_keys(demoted, is_primary=False, seq=e.seq)
        final: dict[Edge, bool] = {}
        for group, member, inserted, *_ in e.payload.get("memberships", []):
            final[(group, member)] = False
            if inserted:
                final[_rewrite((group, member), merge_id, keep_id)] = True
        self._apply_edges(final, e.seq)
        self._repoint_tombstones(e.payload.get("tombstones", []), keep_id, e)
        moved_external = e.payload.get("external_id_moved")
        added = e.payload.get("attributes_added") or {}
        # The merged profile gives up its external id before the kept one takes it:
        # the UNIQUE constraint is checked row by row, not at commit.
        self._update_profile(
            merge_id,
            merged_into=keep_id,
            external_id=None if moved_external is not None else merge.external_id,
            updated_at=e.at,
        )
        self._update_profile(
            keep_id,
            attributes={**keep.attributes, **added},
            external_id=moved_external if moved_external is not None else keep.external_id,
            updated_at=e.at,
        )

    def _profile_unmerged(self, e: Event) -> None:
        keep_id, merge_id = str(e.payload["keep"]), str(e.payload["merge"])
        keep, merge = self._require_profile(keep_id, e), self._require_profile(merge_id, e)
        restored = restored_seqs(e)
        self._require_keys([key for key, _ in restored], e)
        # Each identifier goes back to its seq from before the merge: one executemany
        # with the seq bound per row (a profile linked one identifier at a time has as
        # many seqs as identifiers: 10,000 statements, ~2 s, when grouped by seq).
        self._restore_keys(restored, merge_id)
        promoted = ev.keys_from_json(e.payload.get("promoted", []))
        self._update_keys(promoted, is_primary=True)
        # Removed edges touch the kept profile, restored ones the revived profile: the
        # two sets never overlap, so their order does not matter.
        self._delete_edges([(g, m) for g, m in e.payload.get("memberships_removed", [])])
        edges_by_seq: dict[int, list[Edge]] = {}
        for group, member, *was in e.payload.get("memberships_restored", []):
            edges_by_seq.setdefault(was[0] if was else e.seq, []).append((group, member))
        for seq, edges in sorted(edges_by_seq.items()):
            self._upsert_memberships(edges, seq)
        self._repoint_tombstones(e.payload.get("tombstones", []), merge_id, e)
        moved_external = e.payload.get("external_id_moved")
        removed = set(e.payload.get("attributes_removed") or [])
        # Kept profile first: it hands the external id back before the revived one
        # takes it (row-by-row UNIQUE check).
        self._update_profile(
            keep_id,
            attributes={k: v for k, v in keep.attributes.items() if k not in removed},
            external_id=None if moved_external is not None else keep.external_id,
            updated_at=e.at,
        )
        self._update_profile(
            merge_id,
            merged_into=None,
            external_id=moved_external if moved_external is not None else merge.external_id,
            updated_at=e.at,
        )
        # `undone` needs no write: the event row's ref_seq records it.

    def _profile_deleted(self, e: Event) -> None:
        profile = self._require_profile(e.profile_id, e)
        tombstones = self._graph.tombstones_of(profile.id)
        gone = [profile.id, *tombstones]
        ws = self.workspace_id
        # Erasure reaches into the past too: the erased identifiers and profiles keep
        # no version (the rule: `core.history.erased_by`).
        self._history.erase(erased_keys(e.payload), gone)
        for part in chunks(gone):
            self._conn.execute(
                sa.delete(identifiers).where(
                    identifiers.c.workspace_id == ws, identifiers.c.profile_id.in_(part)
                )
            )
            # The workspace in each arm of the OR: SQLite then searches the primary key
            # and the member index, instead of reading every edge of the workspace.
            mine = memberships.c.workspace_id == ws
            self._conn.execute(
                sa.delete(memberships).where(
                    sa.or_(
                        sa.and_(mine, memberships.c.group_id.in_(part)),
                        sa.and_(mine, memberships.c.member_id.in_(part)),
                    )
                )
            )
        # Tombstones before the profile they point at (foreign key on merged_into).
        for part in chunks(tombstones):
            self._conn.execute(
                sa.delete(profiles).where(profiles.c.workspace_id == ws, profiles.c.id.in_(part))
            )
        self._conn.execute(
            sa.delete(profiles).where(profiles.c.workspace_id == ws, profiles.c.id == profile.id)
        )
