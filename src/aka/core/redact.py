"""Right to erasure: how a deleted profile's personal data leaves the event log.

The events stay (the log must still replay to the current graph, invariant 4), but
every identifier value the profile held, its external ids and its attributes are
replaced in the events about it. Each value maps to one placeholder, so the replayed
history still links, moves and finally deletes the same (now anonymous) identifiers.
Placeholders start with a control character, which no real value may contain, so a
placeholder can never collide with a live identifier.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from aka.core import events as ev
from aka.core.model import Event, IdentifierKey


@dataclass
class Redactor:
    delete_seq: int
    keys: dict[IdentifierKey, str] = field(default_factory=dict)
    external_ids: dict[str, str] = field(default_factory=dict)

    @classmethod
    def for_deletion(
        cls, delete_seq: int, keys: list[IdentifierKey], external_ids: list[str]
    ) -> Redactor:
        prefix = f"{ev.REDACTED_PREFIX}{delete_seq}:"
        return cls(
            delete_seq,
            {key: f"{prefix}{n}" for n, key in enumerate(sorted(keys))},
            {ext: f"{prefix}x{n}" for n, ext in enumerate(sorted(external_ids))},
        )

    def key(self, key: IdentifierKey) -> IdentifierKey:
        return IdentifierKey(key.namespace, self.keys.get(key, key.value))

    def _keys(self, raw: Any) -> list[list[str]]:
        return ev.keys_json([self.key(k) for k in ev.keys_from_json(raw)])

    def _ext(self, value: Any) -> Any:
        return self.external_ids.get(value, value) if isinstance(value, str) else value

    def payload(self, event: Event) -> dict[str, Any] | None:
        """The event's payload with the deleted data replaced, or None if unchanged."""
        p = dict(event.payload)
        t = event.type
        if t in (ev.PROFILE_CREATED, ev.PROFILE_UPDATED):
            p["attributes"] = {}
            if "external_id" in p:
                p["external_id"] = self._ext(p["external_id"])
        elif t == ev.PROFILE_IDENTIFIED:
            p["external_id"] = self._ext(p["external_id"])
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
            p["attributes_added"] = {}
        elif t == ev.PROFILE_UNMERGED:
            p["identifiers"] = self._keys(p["identifiers"])
            p["promoted"] = self._keys(p.get("promoted", []))
            p["external_id_moved"] = self._ext(p.get("external_id_moved"))
            p["attributes_removed"] = []
        elif t == ev.PROFILE_DELETED:
            p["identifiers"] = self._keys(p.get("identifiers", []))
            p["external_ids"] = [self._ext(x) for x in p.get("external_ids", [])]
        return p if p != event.payload else None
