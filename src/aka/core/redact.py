"""Right to erasure: how a deleted profile's personal data leaves the event log.

The events stay (the log must still replay to the current graph, invariant 4), but
every identifier value the profile held, its external ids and its attributes are
replaced in the events about it, and the identifier values also in the events of any
other profile a merge carried them through. Each value maps to one placeholder, so the
replayed history still links, moves and finally deletes the same (now anonymous)
identifiers.
Placeholders start with a control character, which no real value may contain, so a
placeholder can never collide with a live identifier.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from aka.core import events as ev
from aka.core.model import Event, IdentifierKey


@dataclass
class Redactor:
    delete_seq: int
    keys: dict[IdentifierKey, str] = field(default_factory=dict)
    external_ids: dict[str, str] = field(default_factory=dict)
    # The deleted profile and its tombstones; empty: nothing is known to live on.
    profiles: frozenset[str] = frozenset()

    @classmethod
    def for_deletion(
        cls,
        delete_seq: int,
        keys: list[IdentifierKey],
        external_ids: list[str],
        profiles: Collection[str] = (),
    ) -> Redactor:
        prefix = f"{ev.REDACTED_PREFIX}{delete_seq}:"
        # An external id renamed away is also an identifier in `EXTERNAL_IDS` (ADR 0024):
        # one placeholder for both readings, so a rename replays onto the identifier
        # that later events move, unlink or delete.
        renamed = {k.value for k in keys if k.namespace == ev.EXTERNAL_IDS}
        exts = {ext: f"{prefix}x{n}" for n, ext in enumerate(sorted({*external_ids, *renamed}))}
        return cls(
            delete_seq,
            {
                key: exts[key.value] if key.namespace == ev.EXTERNAL_IDS else f"{prefix}{n}"
                for n, key in enumerate(sorted(keys))
            },
            exts,
            frozenset(profiles),
        )

    def _survivor_lives(self, payload: dict[str, Any]) -> bool:
        """Whether a merge's surviving profile outlives the deletion (the deleted profile
        was merged into it, and that merge was undone)."""
        return bool(self.profiles) and payload.get("keep") not in self.profiles

    def _attributes_added(self, payload: dict[str, Any], *, about_deleted: bool) -> dict[str, Any]:
        added: dict[str, Any] = payload.get("attributes_added") or {}
        if not about_deleted:
            return added
        if not self._survivor_lives(payload):
            return {}
        # The survivor lives on and the undo removed these names from it: replay must add
        # and remove the same names (a later update of the survivor may hold them), so
        # only the values, the deleted profile's data, go.
        placeholder = f"{ev.REDACTED_PREFIX}{self.delete_seq}:a"
        return dict.fromkeys(added, placeholder)

    def key(self, key: IdentifierKey) -> IdentifierKey:
        return IdentifierKey(key.namespace, self.keys.get(key, key.value))

    def _keys(self, raw: Any) -> list[list[str]]:
        return ev.keys_json([self.key(k) for k in ev.keys_from_json(raw)])

    def _ext(self, value: Any) -> Any:
        return self.external_ids.get(value, value) if isinstance(value, str) else value

    def _items(self, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """A linking event's items, each deleted identifier's value and attributes
        replaced."""
        out = []
        for item in items:
            key = IdentifierKey(item["namespace"], item["value"])
            erased = key in self.keys
            out.append({**item, "value": self.keys[key], "attributes": {}} if erased else item)
        return out

    def _profile_fields(self, p: dict[str, Any], *, about_deleted: bool) -> None:
        """A profile event's own data: attributes (when about the deleted profile), the
        external id, and the identifiers it was created with."""
        if about_deleted and "attributes" in p:
            p["attributes"] = {}
        if "external_id" in p:
            p["external_id"] = self._ext(p["external_id"])
        if "identifiers" in p:
            p["identifiers"] = self._items(p["identifiers"])

    def payload(self, event: Event, *, about_deleted: bool = True) -> dict[str, Any] | None:
        """The event's payload with the deleted data replaced, or None if unchanged.

        `about_deleted=False` is for an event about a profile that lives on but once
        held one of the deleted identifiers (a merge moved it across): only identifier
        values and external ids are replaced there, that profile's own data stays.
        Each value maps to one placeholder everywhere, so replay stays exact.
        """
        p = dict(event.payload)
        t = event.type
        if t in (ev.PROFILE_CREATED, ev.PROFILE_UPDATED, ev.PROFILE_IDENTIFIED):
            self._profile_fields(p, about_deleted=about_deleted)
        elif t == ev.PROFILE_RENAMED:
            p["external_id"] = self._ext(p["external_id"])
            p["previous"] = self._ext(p["previous"])
        elif t == ev.IDENTIFIER_LINKED and "identifiers" in p:
            p["identifiers"] = self._items(p["identifiers"])
        elif t in (ev.IDENTIFIER_LINKED, ev.IDENTIFIER_CHANGED, ev.IDENTIFIER_UNLINKED):
            key = IdentifierKey(p["namespace"], p["value"])
            if key in self.keys:
                p["value"] = self.keys[key]
                if "attributes" in p:
                    p["attributes"] = {}
        elif t == ev.IDENTIFIER_RENAMED:
            p["value"] = self.key(IdentifierKey(p["namespace"], p["value"])).value
            p["new_value"] = self.key(IdentifierKey(p["namespace"], p["new_value"])).value
        elif t == ev.PROFILE_MERGED:
            p["identifiers"] = self._keys(p["identifiers"])
            p["demoted"] = self._keys(p.get("demoted", []))
            p["external_id_moved"] = self._ext(p.get("external_id_moved"))
            p["attributes_added"] = self._attributes_added(p, about_deleted=about_deleted)
        elif t == ev.PROFILE_UNMERGED:
            p["identifiers"] = self._keys(p["identifiers"])
            p["promoted"] = self._keys(p.get("promoted", []))
            p["external_id_moved"] = self._ext(p.get("external_id_moved"))
            if about_deleted and not self._survivor_lives(p):
                p["attributes_removed"] = []
        elif t == ev.PROFILE_DELETED:
            p["identifiers"] = self._keys(p.get("identifiers", []))
            if "erased" in p:
                p["erased"] = self._keys(p["erased"])
            p["external_ids"] = [self._ext(x) for x in p.get("external_ids", [])]
        return p if p != event.payload else None


def keys_held(event: Event) -> list[IdentifierKey]:
    """The identifier keys an event names as held by its own profile (linked, also when
    created with it, changed, renamed from or to, unlinked, an external id renamed away);
    merges only carry them across."""
    p = event.payload
    if event.type in (ev.PROFILE_CREATED, ev.IDENTIFIER_LINKED):
        return ev.linked_keys(p)
    if event.type in (ev.IDENTIFIER_CHANGED, ev.IDENTIFIER_UNLINKED):
        return [IdentifierKey(p["namespace"], p["value"])]
    if event.type == ev.IDENTIFIER_RENAMED:
        return [
            IdentifierKey(p["namespace"], p["value"]),
            IdentifierKey(p["namespace"], p["new_value"]),
        ]
    if event.type == ev.PROFILE_RENAMED:
        # Both ids were, at some time, deprecated identifiers of the profile (the new one
        # when it was taken back).
        return [
            IdentifierKey(ev.EXTERNAL_IDS, p["previous"]),
            IdentifierKey(ev.EXTERNAL_IDS, p["external_id"]),
        ]
    return []


def keys_moved(event: Event) -> set[IdentifierKey]:
    """The identifier keys a merge or an unmerge moved between its two profiles."""
    if event.type not in (ev.PROFILE_MERGED, ev.PROFILE_UNMERGED):
        return set()
    return set(ev.keys_from_json(event.payload.get("identifiers", [])))
