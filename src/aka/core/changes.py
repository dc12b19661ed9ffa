"""What a list of events changes, told the way a person asks before a write: which
profiles would be created, merged, revived or deleted, which identifiers linked, moved
or unlinked, which memberships would move. A dry run (ADR 0023) answers this for the
events its rolled-back work appended.

Read from the events alone (their payloads hold everything each change does:
invariant 4), so it says what the log would say, whatever backend ran the work.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from aka.core import events as ev
from aka.core.model import Event


@dataclass(frozen=True, slots=True)
class LinkedIdentifier:
    namespace: str
    value: str
    profile_id: str


@dataclass(frozen=True, slots=True)
class MovedIdentifier:
    namespace: str
    value: str
    from_profile: str
    to_profile: str


@dataclass(frozen=True, slots=True)
class MergedProfiles:
    keep: str
    merge: str


@dataclass(frozen=True, slots=True)
class MovedMembership:
    """A membership of a merged (or revived) profile: `group_id` -> `member_id` as it
    was, and as it would be; `to` None when it would go (a self-loop or a duplicate)."""

    group_id: str
    member_id: str
    to_group_id: str | None
    to_member_id: str | None


@dataclass(slots=True)
class Changes:
    """The effect of some events on the graph, in the order they happened."""

    profiles_created: list[str] = field(default_factory=list)
    profiles_updated: list[str] = field(default_factory=list)
    profiles_merged: list[MergedProfiles] = field(default_factory=list)
    profiles_revived: list[str] = field(default_factory=list)
    profiles_deleted: list[str] = field(default_factory=list)
    identifiers_linked: list[LinkedIdentifier] = field(default_factory=list)
    identifiers_moved: list[MovedIdentifier] = field(default_factory=list)
    identifiers_changed: list[LinkedIdentifier] = field(default_factory=list)
    identifiers_unlinked: list[LinkedIdentifier] = field(default_factory=list)
    memberships_added: list[MovedMembership] = field(default_factory=list)
    memberships_removed: list[MovedMembership] = field(default_factory=list)
    memberships_moved: list[MovedMembership] = field(default_factory=list)


def changes_of(events: Iterable[Event]) -> Changes:
    """What these events change, each one read by its type (a type without a reader
    changes nothing here: the event itself is still listed by the caller;
    tests/core/test_changes.py fails until it has one)."""
    found = Changes()
    for event in events:
        reader = _READERS.get(event.type)
        if reader is not None:
            reader(found, event)
    return found


def _owner(e: Event) -> str:
    return e.profile_id or ""


def _created(c: Changes, e: Event) -> None:
    c.profiles_created.append(_owner(e))
    _linked(c, e)


def _linked(c: Changes, e: Event) -> None:
    c.identifiers_linked.extend(
        LinkedIdentifier(k.namespace, k.value, _owner(e)) for k in ev.linked_keys(e.payload)
    )


def _updated(c: Changes, e: Event) -> None:
    if _owner(e) not in c.profiles_updated:
        c.profiles_updated.append(_owner(e))


def _identifier(bucket: str) -> Any:
    def read(c: Changes, e: Event) -> None:
        p = e.payload
        getattr(c, bucket).append(LinkedIdentifier(p["namespace"], p["value"], _owner(e)))

    return read


def _external_id_renamed(c: Changes, e: Event) -> None:
    """`profile.renamed` (ADR 0024): the profile takes a new external id, the previous
    one becomes a deprecated identifier of it; a reclaimed one stops being one."""
    _updated(c, e)
    p = e.payload
    if p.get("reclaimed"):
        c.identifiers_unlinked.append(
            LinkedIdentifier(ev.EXTERNAL_IDS, p["external_id"], _owner(e))
        )
    c.identifiers_linked.append(LinkedIdentifier(ev.EXTERNAL_IDS, p["previous"], _owner(e)))


def _identifier_renamed(c: Changes, e: Event) -> None:
    """`identifier.renamed`: the identifier changes value; with `keep` the old value
    stays beside it as a deprecated identifier and the new one is linked."""
    p = e.payload
    c.identifiers_changed.append(LinkedIdentifier(p["namespace"], p["value"], _owner(e)))
    if p.get("keep"):
        c.identifiers_linked.append(LinkedIdentifier(p["namespace"], p["new_value"], _owner(e)))


def _merged(c: Changes, e: Event) -> None:
    keep, merge = str(e.payload["keep"]), str(e.payload["merge"])
    c.profiles_merged.append(MergedProfiles(keep, merge))
    c.identifiers_moved.extend(
        MovedIdentifier(k.namespace, k.value, merge, keep)
        for k in ev.keys_from_json(e.payload["identifiers"])
    )
    for group, member, inserted, *_ in e.payload.get("memberships", []):
        to = (keep if group == merge else group, keep if member == merge else member)
        c.memberships_moved.append(
            MovedMembership(group, member, *(to if inserted else (None, None)))
        )


def _unmerged(c: Changes, e: Event) -> None:
    keep, merge = str(e.payload["keep"]), str(e.payload["merge"])
    c.profiles_revived.append(merge)
    c.identifiers_moved.extend(
        MovedIdentifier(k.namespace, k.value, keep, merge)
        for k in ev.keys_from_json(e.payload["identifiers"])
    )
    for group, member in e.payload.get("memberships_removed", []):
        c.memberships_removed.append(MovedMembership(group, member, None, None))
    for group, member, *_ in e.payload.get("memberships_restored", []):
        c.memberships_added.append(MovedMembership(group, member, group, member))


def _deleted(c: Changes, e: Event) -> None:
    c.profiles_deleted.append(_owner(e))
    c.profiles_deleted.extend(str(t) for t in e.payload.get("tombstones", []))


def _membership(bucket: str) -> Any:
    def read(c: Changes, e: Event) -> None:
        group, member = str(e.payload["group_id"]), str(e.payload["member_id"])
        kept = bucket == "memberships_added"
        getattr(c, bucket).append(
            MovedMembership(group, member, group if kept else None, member if kept else None)
        )

    return read


_READERS: dict[str, Any] = {
    ev.PROFILE_CREATED: _created,
    ev.PROFILE_UPDATED: _updated,
    ev.PROFILE_IDENTIFIED: _updated,
    ev.PROFILE_RENAMED: _external_id_renamed,
    ev.PROFILE_MERGED: _merged,
    ev.PROFILE_UNMERGED: _unmerged,
    ev.PROFILE_DELETED: _deleted,
    ev.IDENTIFIER_LINKED: _linked,
    ev.IDENTIFIER_CHANGED: _identifier("identifiers_changed"),
    ev.IDENTIFIER_RENAMED: _identifier_renamed,
    ev.IDENTIFIER_UNLINKED: _identifier("identifiers_unlinked"),
    ev.MEMBERSHIP_ADDED: _membership("memberships_added"),
    ev.MEMBERSHIP_REMOVED: _membership("memberships_removed"),
}
