"""The event vocabulary. Each change to the graph is exactly one of these.

An event's payload holds everything needed to redo the change on an empty graph
(invariant 4), so `GraphState.apply` and every store's writer are two readings of
the same record. Payloads are plain JSON: identifier keys travel as `[namespace, value]`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from aka.core.model import IdentifierKey, JSONMap

PROFILE_CREATED: Final = "profile.created"  # {external_id, attributes, identifiers: [item]}
PROFILE_UPDATED: Final = "profile.updated"  # {attributes}: the whole new map
PROFILE_IDENTIFIED: Final = "profile.identified"  # {external_id}
# {external_id, previous, reclaimed?}: the profile's external id becomes `external_id`;
# `previous` stays as its deprecated identifier in EXTERNAL_IDS (ADR 0024). `reclaimed`:
# `external_id` was one of its own deprecated ids, whose identifier goes.
PROFILE_RENAMED: Final = "profile.renamed"
PROFILE_MERGED: Final = "profile.merged"  # built by graph.plan_merge: what moved, for undo
PROFILE_UNMERGED: Final = "profile.unmerged"  # {merge_seq, keep, merge, ...what was restored}
PROFILE_DELETED: Final = "profile.deleted"  # {tombstones, identifiers, memberships, erased?}
IDENTIFIER_LINKED: Final = "identifier.linked"  # {identifiers: [item]} (one profile)
# {namespace, value, kind?, primary?, disabled?, deprecated?, attributes?}
IDENTIFIER_CHANGED: Final = "identifier.changed"
# {namespace, value, new_value, keep?}: with `keep` the old identifier stays, deprecated
# and no longer primary, and a copy of it is linked as `new_value` (ADR 0024).
IDENTIFIER_RENAMED: Final = "identifier.renamed"
IDENTIFIER_UNLINKED: Final = "identifier.unlinked"  # {namespace, value}
MEMBERSHIP_ADDED: Final = "membership.added"  # {group_id, member_id}
MEMBERSHIP_REMOVED: Final = "membership.removed"  # {group_id, member_id}

ALL_TYPES: Final = (
    PROFILE_CREATED,
    PROFILE_UPDATED,
    PROFILE_IDENTIFIED,
    PROFILE_RENAMED,
    PROFILE_MERGED,
    PROFILE_UNMERGED,
    PROFILE_DELETED,
    IDENTIFIER_LINKED,
    IDENTIFIER_CHANGED,
    IDENTIFIER_RENAMED,
    IDENTIFIER_UNLINKED,
    MEMBERSHIP_ADDED,
    MEMBERSHIP_REMOVED,
)

# An `item` of a linking event: {namespace, value, kind, primary, attributes}. Every
# event written before one event per command (ADR 0012) linked one identifier and held
# that item's fields at the top level of `identifier.linked`; `profile.created` then
# held no identifiers. `linked_items` reads both forms, so old logs replay unchanged.

# The reserved namespace of the external ids a profile was renamed away from: each is a
# deprecated identifier of the profile, so it still resolves, moves with merges and is
# erased with the profile. Only `profile.renamed` links into it (ADR 0024).
EXTERNAL_IDS: Final = "aka:external_id"

REDACTED_PREFIX: Final = "\x1fredacted:"  # \x1f: no real value may hold a control char


@dataclass(frozen=True, slots=True)
class Change:
    """An event before the store gives it a sequence number and a time."""

    type: str
    profile_id: str | None
    payload: JSONMap
    actor: str | None = None  # the API key id (or "cli") that asked for the change


def key_json(key: IdentifierKey) -> list[str]:
    return [key.namespace, key.value]


def key_from_json(raw: Any) -> IdentifierKey:
    namespace, value = raw
    return IdentifierKey(str(namespace), str(value))


def keys_json(keys: list[IdentifierKey] | tuple[IdentifierKey, ...]) -> list[list[str]]:
    return [key_json(k) for k in keys]


def keys_from_json(raw: Any) -> list[IdentifierKey]:
    return [key_from_json(item) for item in raw]


def edges_json(edges: list[tuple[str, str]]) -> list[list[str]]:
    return [[group, member] for group, member in edges]


def edges_from_json(raw: Any) -> list[tuple[str, str]]:
    return [(str(group), str(member)) for group, member in raw]


def linked_items(payload: JSONMap) -> list[dict[str, Any]]:
    """The identifiers a `profile.created` or `identifier.linked` payload links, in the
    order they were linked (a later primary in a namespace demotes an earlier one)."""
    items = payload.get("identifiers")
    if items is not None:
        return list(items)
    if "namespace" in payload:  # an `identifier.linked` from before ADR 0012
        return [payload]
    return []


def linked_keys(payload: JSONMap) -> list[IdentifierKey]:
    """The keys `linked_items` names."""
    return [IdentifierKey(item["namespace"], item["value"]) for item in linked_items(payload)]


def link_item(key: IdentifierKey, kind: str, primary: bool, attributes: JSONMap) -> dict[str, Any]:
    """One identifier as a linking event records it."""
    return {
        "namespace": key.namespace,
        "value": key.value,
        "kind": kind,
        "primary": primary,
        "attributes": dict(attributes),
    }
