"""An in-memory identity graph that changes only by applying events.

Three readers share it: the memory store (tests), `aka check` (replaying the log from
empty must rebuild exactly the stored graph, invariant 4), and anyone reasoning about
what an event means. The SQL stores write the same effects with SQL; the replay check
is what keeps the two readings equal.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from aka.core import events as ev
from aka.core.model import Event, Identifier, IdentifierKey, Kind, Membership, Profile, kind_of
from aka.core.state_tables import EdgeTable, IdentifierTable, Journal, ProfileTable


class ReplayError(Exception):
    """An event that cannot apply to the state it meets: the log and the graph disagree."""


def is_redacted(value: str | None) -> bool:
    return value is not None and value.startswith(ev.REDACTED_PREFIX)


@dataclass
class GraphState:
    """The graph as tables indexed for every lookup an event makes (`state_tables`), so
    applying one event costs the same whatever the graph's size."""

    profiles: ProfileTable = field(default_factory=ProfileTable)
    identifiers: IdentifierTable = field(default_factory=IdentifierTable)
    memberships: EdgeTable = field(default_factory=EdgeTable)
    undone: dict[int, int] = field(default_factory=dict)  # merge seq -> unmerge seq

    def __post_init__(self) -> None:
        # Not a field: not compared, not in `asdict`, nothing a snapshot shows.
        self._journal: Journal | None = None

    # --- reading -------------------------------------------------------------------
    def identifiers_of(self, profile_id: str) -> list[Identifier]:
        return sorted(
            (self.identifiers[k] for k in self.identifiers.keys_of(profile_id)),
            key=lambda i: (i.namespace, i.value),
        )

    def tombstones_of(self, profile_id: str) -> list[str]:
        return sorted(self.profiles.tombstones_of(profile_id))

    def edges_touching(self, profile_id: str) -> list[Membership]:
        return sorted(
            Membership(g, m, self.memberships[(g, m)])
            for g, m in self.memberships.touching(profile_id)
        )

    def snapshot(self) -> dict[str, Any]:
        """A canonical, comparable picture of the graph (what invariant 4 compares)."""
        return {
            "profiles": {p.id: profile_facts(p) for p in self.profiles.values()},
            "identifiers": {
                (k.namespace, k.value): identifier_facts(i) for k, i in self.identifiers.items()
            },
            "memberships": sorted(self.memberships),
            "undone": dict(self.undone),
        }

    # --- changing ------------------------------------------------------------------
    def apply_all(self, events: Iterable[Event]) -> None:
        for event in events:
            self.apply(event)

    def apply(self, event: Event) -> None:
        handler = _HANDLERS.get(event.type)
        if handler is None:
            raise ReplayError(f"event {event.seq}: unknown type {event.type!r}")
        handler(self, event)

    # --- taking writes back -----------------------------------------------------------
    def journal(self) -> Journal:
        """From now on every write is journalled, so `undo_to` can take it back."""
        if self._journal is None:
            self._journal = Journal()
            for table in (self.profiles, self.identifiers, self.memberships):
                table.journal = self._journal
        return self._journal

    def apply_or_refuse(self, events: Iterable[Event]) -> None:
        """Apply these events in order; if one is refused (ReplayError), none is: the
        graph is left as it was, and the error propagates. (What was applied stays in
        the journal for an enclosing savepoint; `journal().forget()` lets it go.)"""
        journal = self.journal()
        mark, undone = journal.mark(), dict(self.undone)
        try:
            self.apply_all(events)
        except BaseException:
            journal.undo_to(mark)
            self.undone = undone
            raise

    def load(self, rows: Iterable[Profile | Identifier | Membership]) -> None:
        """Rows read from a store, filed without a journal entry (a read is not a write
        to take back). A row already held stays as it is: it may carry changes the store
        has not seen yet."""
        for row in rows:
            if isinstance(row, Profile):
                self.profiles.load(row.id, row)
            elif isinstance(row, Identifier):
                self.identifiers.load(row.key, row)
            else:
                self.memberships.load((row.group_id, row.member_id), row.seq)

    # helpers used by the handlers
    def _profile(self, profile_id: str | None, event: Event) -> Profile:
        if profile_id is None or profile_id not in self.profiles:
            raise ReplayError(f"event {event.seq} ({event.type}): no profile {profile_id!r}")
        return self.profiles[profile_id]

    def _claim_external_id(self, external_id: str | None, owner: str, event: Event) -> None:
        """External ids are unique among all profile rows (tombstones keep theirs)."""
        if external_id is None:
            return
        for other in self.profiles.holders(external_id):
            if other != owner:
                raise ReplayError(
                    f"event {event.seq}: external_id {external_id!r} is held by {other}"
                )

    def _touch(self, profile_id: str, at: datetime) -> None:
        p = self.profiles.get(profile_id)
        if p is not None:
            # Built, not `dataclasses.replace`d: every link touches its profile, and
            # `replace` was 4.5 s of a 1M-identifier replay (1.5M events).
            self.profiles[profile_id] = Profile(
                id=p.id,
                external_id=p.external_id,
                attributes=p.attributes,
                merged_into=p.merged_into,
                created_at=p.created_at,
                updated_at=at,
            )

    def _identifier(self, key: IdentifierKey, event: Event) -> Identifier | None:
        found = self.identifiers.get(key)
        if found is None and not is_redacted(key.value):
            raise ReplayError(f"event {event.seq} ({event.type}): no identifier {key}")
        # A redacted key may be absent: redaction rewrote only the deleted profile's
        # events, so a move recorded there can name a value another event never created.
        return found

    def _demote_primaries(
        self, profile_id: str, namespace: str, keep: IdentifierKey, seq: int
    ) -> None:
        for key in self.identifiers.primaries_of(profile_id, namespace):
            if key != keep:
                self.identifiers[key] = replace(self.identifiers[key], primary=False, seq=seq)


def profile_facts(p: Profile) -> tuple[Any, ...]:
    """What invariant 4 compares of a profile (`updated_at` is left out)."""
    return (p.external_id, _canon(p.attributes), p.merged_into, p.created_at)


def identifier_facts(i: Identifier) -> tuple[Any, ...]:
    """What invariant 4 compares of an identifier (`seq` is left out)."""
    return (
        i.profile_id,
        i.kind.value,
        i.primary,
        i.disabled,
        _canon(i.attributes),
        i.created_at,
        i.deprecated,
    )


def _canon(value: Any) -> Any:
    """Dicts compared by content regardless of key order (JSON round trips reorder)."""
    if isinstance(value, dict):
        return tuple(sorted((k, _canon(v)) for k, v in value.items()))
    if isinstance(value, list):
        return tuple(_canon(v) for v in value)
    return value


def _key(payload: dict[str, Any], name: str = "value") -> IdentifierKey:
    # Interned: a workspace has a handful of namespaces and millions of identifiers,
    # each of which would otherwise hold its own copy of the name.
    return IdentifierKey(sys.intern(payload["namespace"]), payload[name])


# --- one handler per event type ----------------------------------------------------


def _profile_created(state: GraphState, e: Event) -> None:
    assert e.profile_id is not None
    if e.profile_id in state.profiles:
        raise ReplayError(f"event {e.seq}: profile {e.profile_id} already exists")
    state._claim_external_id(e.payload.get("external_id"), e.profile_id, e)
    state.profiles[e.profile_id] = Profile(
        id=e.profile_id,
        external_id=e.payload.get("external_id"),
        attributes=dict(e.payload.get("attributes") or {}),
        created_at=e.at,
        updated_at=e.at,
    )
    for item in ev.linked_items(e.payload):
        _link(state, e, e.profile_id, item)


def _profile_updated(state: GraphState, e: Event) -> None:
    profile = state._profile(e.profile_id, e)
    state.profiles[profile.id] = replace(
        profile, attributes=dict(e.payload["attributes"]), updated_at=e.at
    )


def _profile_identified(state: GraphState, e: Event) -> None:
    profile = state._profile(e.profile_id, e)
    state._claim_external_id(e.payload["external_id"], profile.id, e)
    state.profiles[profile.id] = replace(
        profile, external_id=e.payload["external_id"], updated_at=e.at
    )


def _identifier_linked(state: GraphState, e: Event) -> None:
    owner = state._profile(e.profile_id, e).id  # one string for all its identifiers
    for item in ev.linked_items(e.payload):
        _link(state, e, owner, item)
    state._touch(owner, e.at)


def _link(state: GraphState, e: Event, owner: str, item: dict[str, Any]) -> None:
    """One item of a linking event: a new identifier on `owner`, demoting the profile's
    other primaries of its namespace when it is primary."""
    key = _key(item)
    if key in state.identifiers:
        raise ReplayError(f"event {e.seq}: identifier {key} already exists")
    primary = bool(item.get("primary", False))
    state.identifiers[key] = Identifier(
        namespace=key.namespace,
        value=key.value,
        profile_id=owner,
        kind=kind_of(item.get("kind", Kind.USER.value)),
        primary=primary,
        disabled=False,
        attributes=dict(item.get("attributes") or {}),
        created_at=e.at,
        seq=e.seq,
    )
    if primary:
        state._demote_primaries(owner, key.namespace, key, e.seq)


def _identifier_changed(state: GraphState, e: Event) -> None:
    key = _key(e.payload)
    ident = state._identifier(key, e)
    if ident is None:
        return
    changes: dict[str, Any] = {"seq": e.seq}
    if "kind" in e.payload:
        changes["kind"] = Kind(e.payload["kind"])
    for name in ("primary", "disabled", "deprecated"):
        if name in e.payload:
            changes[name] = bool(e.payload[name])
    if "attributes" in e.payload:
        changes["attributes"] = dict(e.payload["attributes"])
    state.identifiers[key] = replace(ident, **changes)
    if changes.get("primary"):
        state._demote_primaries(ident.profile_id, key.namespace, key, e.seq)
    state._touch(ident.profile_id, e.at)


def _identifier_renamed(state: GraphState, e: Event) -> None:
    key = _key(e.payload)
    ident = state._identifier(key, e)
    if ident is None:
        return
    new_key = _key(e.payload, "new_value")
    if new_key in state.identifiers:
        raise ReplayError(f"event {e.seq}: rename target {new_key} already exists")
    if e.payload.get("keep"):
        # The old name stays, deprecated: it resolves but no longer speaks for the
        # profile (not primary); the new one is a new row with everything else of it.
        state.identifiers[key] = replace(ident, primary=False, deprecated=True, seq=e.seq)
        state.identifiers[new_key] = replace(
            ident, value=new_key.value, deprecated=False, created_at=e.at, seq=e.seq
        )
    else:
        del state.identifiers[key]
        state.identifiers[new_key] = replace(ident, value=new_key.value, seq=e.seq)
    state._touch(ident.profile_id, e.at)


def _profile_renamed(state: GraphState, e: Event) -> None:
    """A new external id; the previous one stays as a deprecated identifier of the
    profile in `EXTERNAL_IDS`, so it still resolves and nobody else may take it."""
    profile = state._profile(e.profile_id, e)
    new, previous = e.payload["external_id"], e.payload["previous"]
    if profile.merged_into is not None or profile.external_id != previous:
        raise ReplayError(
            f"event {e.seq}: profile {profile.id} is not a live profile known as {previous!r}"
        )
    reclaimed = IdentifierKey(ev.EXTERNAL_IDS, new)
    held = state.identifiers.get(reclaimed)
    if bool(e.payload.get("reclaimed")) != (held is not None):
        raise ReplayError(f"event {e.seq}: {reclaimed} is {'not ' if held is None else ''}held")
    if held is not None:
        if held.profile_id != profile.id:
            raise ReplayError(f"event {e.seq}: {reclaimed} belongs to {held.profile_id}")
        del state.identifiers[reclaimed]
    state._claim_external_id(new, profile.id, e)
    kept = IdentifierKey(ev.EXTERNAL_IDS, previous)
    if kept in state.identifiers:
        raise ReplayError(f"event {e.seq}: identifier {kept} already exists")
    state.profiles[profile.id] = replace(profile, external_id=new, updated_at=e.at)
    state.identifiers[kept] = Identifier(
        namespace=ev.EXTERNAL_IDS,
        value=previous,
        profile_id=profile.id,
        created_at=e.at,
        seq=e.seq,
        deprecated=True,
    )


def _identifier_unlinked(state: GraphState, e: Event) -> None:
    key = _key(e.payload)
    ident = state._identifier(key, e)
    if ident is None:
        return
    del state.identifiers[key]
    state._touch(ident.profile_id, e.at)


def _membership_added(state: GraphState, e: Event) -> None:
    edge = (e.payload["group_id"], e.payload["member_id"])
    state._profile(edge[0], e)
    state._profile(edge[1], e)
    state.memberships[edge] = e.seq


def _membership_removed(state: GraphState, e: Event) -> None:
    state.memberships.pop((e.payload["group_id"], e.payload["member_id"]), None)


def _profile_merged(state: GraphState, e: Event) -> None:
    keep_id, merge_id = e.payload["keep"], e.payload["merge"]
    keep, merge = state._profile(keep_id, e), state._profile(merge_id, e)
    for key in ev.keys_from_json(e.payload["identifiers"]):
        ident = state._identifier(key, e)
        if ident is not None:
            state.identifiers[key] = replace(ident, profile_id=keep_id, seq=e.seq)
    for key in ev.keys_from_json(e.payload.get("demoted", [])):
        ident = state.identifiers.get(key)
        if ident is not None:
            state.identifiers[key] = replace(ident, primary=False, seq=e.seq)
    for group, member, inserted, *_ in e.payload.get("memberships", []):
        state.memberships.pop((group, member), None)
        if inserted:
            state.memberships[_rewrite((group, member), merge_id, keep_id)] = e.seq
    for tombstone in e.payload.get("tombstones", []):
        state.profiles[tombstone] = replace(state._profile(tombstone, e), merged_into=keep_id)
    moved_external = e.payload.get("external_id_moved")
    added = e.payload.get("attributes_added") or {}
    state.profiles[keep_id] = replace(
        keep,
        attributes={**keep.attributes, **added},
        external_id=moved_external if moved_external is not None else keep.external_id,
        updated_at=e.at,
    )
    state.profiles[merge_id] = replace(
        merge,
        merged_into=keep_id,
        external_id=None if moved_external is not None else merge.external_id,
        updated_at=e.at,
    )


def _rewrite(edge: tuple[str, str], old: str, new: str) -> tuple[str, str]:
    group, member = edge
    return (new if group == old else group, new if member == old else member)


def _profile_unmerged(state: GraphState, e: Event) -> None:
    keep_id, merge_id = e.payload["keep"], e.payload["merge"]
    keep, merge = state._profile(keep_id, e), state._profile(merge_id, e)
    for key, seq in restored_seqs(e):
        ident = state._identifier(key, e)
        if ident is not None:
            # Back to its seq from before the merge, so undo restores the exact state.
            state.identifiers[key] = replace(ident, profile_id=merge_id, seq=seq)
    for key in ev.keys_from_json(e.payload.get("promoted", [])):
        ident = state.identifiers.get(key)
        if ident is not None:
            state.identifiers[key] = replace(ident, primary=True)
    for group, member in e.payload.get("memberships_removed", []):
        state.memberships.pop((group, member), None)
    for group, member, *was in e.payload.get("memberships_restored", []):
        state.memberships[(group, member)] = was[0] if was else e.seq
    for tombstone in e.payload.get("tombstones", []):
        state.profiles[tombstone] = replace(state._profile(tombstone, e), merged_into=merge_id)
    moved_external = e.payload.get("external_id_moved")
    removed = set(e.payload.get("attributes_removed") or [])
    state.profiles[keep_id] = replace(
        keep,
        attributes={k: v for k, v in keep.attributes.items() if k not in removed},
        external_id=None if moved_external is not None else keep.external_id,
        updated_at=e.at,
    )
    state.profiles[merge_id] = replace(
        merge,
        merged_into=None,
        external_id=moved_external if moved_external is not None else merge.external_id,
        updated_at=e.at,
    )
    state.undone[int(e.payload["merge_seq"])] = e.seq


def restored_seqs(e: Event) -> list[tuple[IdentifierKey, int]]:
    """An unmerge's restored identifiers with the seq each goes back to (events written
    before seqs were recorded restore to the unmerge's own)."""
    keys = ev.keys_from_json(e.payload["identifiers"])
    seqs = e.payload.get("identifier_seqs") or [e.seq] * len(keys)
    return list(zip(keys, seqs, strict=True))


def _profile_deleted(state: GraphState, e: Event) -> None:
    profile = state._profile(e.profile_id, e)
    gone = {profile.id, *state.profiles.tombstones_of(profile.id)}
    for profile_id in gone:
        for key in state.identifiers.keys_of(profile_id):
            del state.identifiers[key]
        for edge in state.memberships.touching(profile_id):
            state.memberships.pop(edge, None)  # an edge between two of them goes once
    for profile_id in gone:
        del state.profiles[profile_id]


_HANDLERS = {
    ev.PROFILE_CREATED: _profile_created,
    ev.PROFILE_UPDATED: _profile_updated,
    ev.PROFILE_IDENTIFIED: _profile_identified,
    ev.PROFILE_RENAMED: _profile_renamed,
    ev.PROFILE_MERGED: _profile_merged,
    ev.PROFILE_UNMERGED: _profile_unmerged,
    ev.PROFILE_DELETED: _profile_deleted,
    ev.IDENTIFIER_LINKED: _identifier_linked,
    ev.IDENTIFIER_CHANGED: _identifier_changed,
    ev.IDENTIFIER_RENAMED: _identifier_renamed,
    ev.IDENTIFIER_UNLINKED: _identifier_unlinked,
    ev.MEMBERSHIP_ADDED: _membership_added,
    ev.MEMBERSHIP_REMOVED: _membership_removed,
}
