"""Security identities (what the Coveo door asks of the graph): push, map, disable, expand.

An identity `{provider, name, type, additionalInfo}` is the identifier
`provider:name` with that kind and attributes. Each write carries an ordering id: an
update older than the last one applied to the same identity is dropped, and the push
record (`Transaction.push_records`) keeps that id and the groups its `wellKnowns`
granted, so the next push replaces exactly those.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from aka.core import normalize
from aka.core.door_namespaces import DoorNamespace
from aka.core.errors import AkaError, Code
from aka.core.graph import EXPAND_MAX_DEPTH
from aka.core.model import IdentifierKey, Kind, ResolvedProfile
from aka.core.ports import PushRecord, Transaction
from aka.service import bulk, groups, identities, merges, queries
from aka.service.commands import Command, Reads
from aka.service.graph_commands import AddMembership, LinkMany, RemoveMembership
from aka.service.identities import NewIdentifier
from aka.service.refs import ProfileRef

_KINDS = {k.value.replace("_", ""): k for k in Kind}
DOOR = "coveo"  # a provider is a door namespace (`namespace_aliases`, ADR 0027)


@dataclass(frozen=True, slots=True)
class Identity:
    provider: str
    name: str
    kind: Kind = Kind.UNKNOWN
    info: Mapping[str, Any] = field(default_factory=dict)

    @property
    def namespace(self) -> DoorNamespace:
        """The provider as the door namespace the workspace maps onto a stored one."""
        return DoorNamespace(DOOR, self.provider)


def kind_of(raw: Any, field: str = "type") -> Kind:
    """`USER`, `User`, `user`, `VIRTUAL_GROUP`, `VirtualGroup`, `virtual-group`: any case
    and separator; anything else is VALUE_INVALID."""
    if raw is None:
        return Kind.UNKNOWN
    found = _KINDS.get(re.sub(r"[\s_-]", "", str(raw)).upper())
    if found is None:
        raise AkaError(
            Code.VALUE_INVALID,
            f"{field} {raw!r} is not one of USER, GROUP, VIRTUAL_GROUP, UNKNOWN",
            field=field,
        )
    return found


def _key(tx: Transaction, identity: Identity, where: str) -> IdentifierKey:
    return normalize.identifier_key(identity.namespace, identity.name, tx.settings(), field=where)


def _newer(tx: Transaction, key: IdentifierKey, ordering_id: int) -> tuple[bool, PushRecord | None]:
    """(apply?, the current push record): not applied when an update with a higher
    ordering id was applied already; an equal id is applied again (a retry)."""
    record = tx.push_records.get(key)
    return record is None or ordering_id >= record.ordering_id, record


def ensure(
    tx: Transaction,
    identity: Identity,
    *,
    actor: str | None,
    where: str = "identity",
    into: str | None = None,
) -> str:
    """The profile of this identity; an unknown one joins profile `into` (or a new
    profile), an existing one takes the given kind and attributes and is enabled."""
    key = _key(tx, identity, where)
    found = tx.identifier(key)
    if found is None:
        item = _new_identifier(key, identity)
        target = ProfileRef.by_id(into) if into is not None else None
        return identities.attach(tx, target, item, actor=actor, field_prefix=where).profile_id
    identities.update_identifier(
        tx,
        key.namespace,
        key.value,
        kind=identity.kind,
        disabled=False,
        attributes=dict(identity.info),
        actor=actor,
    )
    return found.profile_id


@dataclass(frozen=True, slots=True)
class _Ensure(Command[str]):
    """`ensure` of one identity, as a command the bulk runner can buffer."""

    identity: Identity
    actor: str | None
    where: str
    into: str | None = None

    def reads(self) -> Reads:
        i = self.identity
        return Reads(
            identifiers=[(i.namespace, i.name)],
            profile_ids=[self.into] if self.into is not None else [],
        )

    def run(self, tx: Transaction) -> str:
        return ensure(tx, self.identity, actor=self.actor, where=self.where, into=self.into)


def _ensure_all(
    tx: Transaction,
    found: Sequence[Identity],
    *,
    actor: str | None,
    where: str,
    into: str | None = None,
) -> list[str]:
    """`ensure` for each identity, in order, through the bulk runner: their keys are
    looked up a window at a time and new profiles and links are written many rows per
    statement (a 10,000-member push took minutes one by one). The first refusal is
    raised, as one at a time would have."""
    commands = [_Ensure(i, actor, f"{where}[{n}]", into) for n, i in enumerate(found)]
    return bulk.run_all_or_refuse(tx, commands)


def _map_all(
    tx: Transaction, mappings: Sequence[Identity], *, into: str, actor: str | None
) -> list[str]:
    """`ensure` of each mapped identity into profile `into`, in order: the profile of
    each. The ones new to the graph are linked to `into` as ONE event (`LinkMany`, ADR
    0012); the others (and a repeat of a new one) are ensured one by one as before,
    through the bulk runner. The refusal of the first refused mapping is raised, as
    one at a time would have raised it: the items after it that ran are rolled back
    with the whole request."""
    where = [f"mappings[{n}]" for n in range(len(mappings))]
    refused: dict[int, AkaError] = {}
    keys: dict[int, IdentifierKey] = {}
    for n, identity in enumerate(mappings):
        try:
            keys[n] = _key(tx, identity, where[n])
        except AkaError as error:
            refused[n] = error
    held = tx.identifiers_by_keys(set(keys.values()))  # one query for them all
    first_new: dict[IdentifierKey, int] = {}
    for n, key in keys.items():
        if key not in held:
            first_new.setdefault(key, n)
    new = sorted(first_new.values())
    rest = [n for n in keys if first_new.get(keys[n]) != n]
    items = [_new_identifier(keys[n], mappings[n]) for n in new]
    link = LinkMany(ProfileRef.by_id(into), items, actor, [where[n] for n in new])
    linked = bulk.run_all_or_refuse(tx, [link])[0].items if new else ()
    ensured = bulk.run_all(tx, [_Ensure(mappings[n], actor, where[n], into) for n in rest])
    owners: dict[int, str] = {}
    for n, outcome in [*zip(new, linked, strict=True), *zip(rest, ensured, strict=True)]:
        if isinstance(outcome, AkaError):
            refused[n] = outcome
        else:
            owners[n] = outcome if isinstance(outcome, str) else outcome.profile_id
    if refused:
        raise refused[min(refused)]
    return [owners[n] for n in range(len(mappings))]


def _new_identifier(key: IdentifierKey, identity: Identity) -> NewIdentifier:
    return NewIdentifier(
        key.namespace, key.value, kind=identity.kind, attributes=dict(identity.info)
    )


def _change_members(
    tx: Transaction,
    change: type[AddMembership] | type[RemoveMembership],
    group_id: str,
    member_ids: Sequence[str],
    *,
    actor: str | None,
) -> None:
    """Add or remove each member, through the bulk runner (edges inserted or deleted
    many rows per statement)."""
    group = ProfileRef.by_id(group_id)
    commands = [change(group, ProfileRef.by_id(m), actor) for m in member_ids]
    bulk.run_all_or_refuse(tx, commands)


def _grant(
    tx: Transaction,
    profile_id: str,
    previous: PushRecord | None,
    well_knowns: Sequence[Identity],
    *,
    actor: str | None,
) -> tuple[IdentifierKey, ...]:
    """Make the profile a member of exactly the given well-known groups among those the
    last push granted; memberships from elsewhere stay."""
    wanted: dict[str, IdentifierKey] = {}
    for n, group in enumerate(well_knowns):
        where = f"wellKnowns[{n}]"
        wanted[ensure(tx, group, actor=actor, where=where)] = _key(tx, group, where)
    current = {e.group_id for e in tx.groups_of([profile_id])}
    for old in previous.granted if previous else ():
        held = tx.identifier(old)
        if held is not None and held.profile_id not in wanted and held.profile_id in current:
            groups.remove_member(
                tx, ProfileRef.by_id(held.profile_id), ProfileRef.by_id(profile_id), actor=actor
            )
    for group_id in wanted:
        if group_id != profile_id:
            groups.add_member(
                tx, ProfileRef.by_id(group_id), ProfileRef.by_id(profile_id), actor=actor
            )
    return tuple(sorted(set(wanted.values())))


def put_permissions(
    tx: Transaction,
    identity: Identity,
    members: Sequence[Identity],
    well_knowns: Sequence[Identity],
    ordering_id: int,
    *,
    actor: str | None,
) -> bool:
    """Upsert the identity; its members become exactly `members`, its granted groups
    `well_knowns`. False when dropped as older than the last update applied."""
    key = _key(tx, identity, "identity")
    newer, record = _newer(tx, key, ordering_id)
    if not newer:
        return False
    profile_id = ensure(tx, identity, actor=actor)
    wanted = set(_ensure_all(tx, members, actor=actor, where="members"))
    wanted.discard(profile_id)
    gone = [
        edge.member_id
        for edge in tx.memberships_touching(profile_id)
        if edge.group_id == profile_id and edge.member_id not in wanted
    ]
    _change_members(tx, RemoveMembership, profile_id, gone, actor=actor)
    _change_members(tx, AddMembership, profile_id, sorted(wanted), actor=actor)
    granted = _grant(tx, profile_id, record, well_knowns, actor=actor)
    tx.push_records.put(key, PushRecord(ordering_id, granted))
    return True


def put_mappings(
    tx: Transaction,
    identity: Identity,
    mappings: Sequence[Identity],
    well_knowns: Sequence[Identity],
    ordering_id: int,
    *,
    actor: str | None,
) -> bool:
    """The identity and every mapped identity become one profile. A mapped identity on
    another profile is an explicit "same person": that profile is merged in (refused
    for two identified profiles). False when dropped as older."""
    key = _key(tx, identity, "identity")
    newer, record = _newer(tx, key, ordering_id)
    if not newer:
        return False
    profile_id = ensure(tx, identity, actor=actor)
    others = _map_all(tx, mappings, into=profile_id, actor=actor)
    # Several mapped identities may share one other profile: it is merged in once.
    for other in dict.fromkeys(others):
        if other != profile_id:
            merges.merge(tx, ProfileRef.by_id(profile_id), ProfileRef.by_id(other), actor=actor)
    granted = _grant(tx, profile_id, record, well_knowns, actor=actor)
    tx.push_records.put(key, PushRecord(ordering_id, granted))
    return True


def disable(tx: Transaction, identity: Identity, ordering_id: int, *, actor: str | None) -> bool:
    """Mark the identity disabled (kept, left out of expansion). An unknown identity is
    nothing to disable. False when dropped as older."""
    key = _key(tx, identity, "identity")
    newer, record = _newer(tx, key, ordering_id)
    if not newer:
        return False
    if tx.identifier(key) is not None:
        identities.update_identifier(tx, key.namespace, key.value, disabled=True, actor=actor)
    granted = record.granted if record is not None else ()
    tx.push_records.put(key, PushRecord(ordering_id, granted))
    return True


def disable_older_than(
    tx: Transaction, provider: str, ordering_id: int, *, actor: str | None
) -> int:
    """Disable every identity of the provider last written with a lower ordering id;
    how many were disabled now."""
    provider_namespace = DoorNamespace(DOOR, provider)
    namespace = normalize.stored_namespace(provider_namespace, tx.settings(), "providerId")
    count = 0
    for key in tx.push_records.older_than(namespace, ordering_id):
        found = tx.identifier(key)
        if found is not None and not found.disabled:
            identities.update_identifier(tx, key.namespace, key.value, disabled=True, actor=actor)
            count += 1
    return count


# --- the Coveo door's commands -----------------------------------------------------------
# Here, not in `service.commands`: this module runs commands itself (`_ensure_all`), so
# `service.commands` cannot import it. Each runs direct: it runs its many parts through
# the bulk runner itself.


@dataclass(frozen=True, slots=True)
class PutPermissions(Command[bool]):
    """`put_permissions`: False when dropped as older than the last update applied."""

    identity: Identity
    members: Sequence[Identity]
    well_knowns: Sequence[Identity]
    ordering_id: int
    actor: str | None = None

    @property
    def weight(self) -> int:
        return 1 + len(self.members) + len(self.well_knowns)

    def run(self, tx: Transaction) -> bool:
        return put_permissions(
            tx, self.identity, self.members, self.well_knowns, self.ordering_id, actor=self.actor
        )


@dataclass(frozen=True, slots=True)
class PutMappings(Command[bool]):
    """`put_mappings`: False when dropped as older than the last update applied."""

    identity: Identity
    mappings: Sequence[Identity]
    well_knowns: Sequence[Identity]
    ordering_id: int
    actor: str | None = None

    @property
    def weight(self) -> int:
        return 1 + len(self.mappings) + len(self.well_knowns)

    def run(self, tx: Transaction) -> bool:
        return put_mappings(
            tx, self.identity, self.mappings, self.well_knowns, self.ordering_id, actor=self.actor
        )


@dataclass(frozen=True, slots=True)
class Disable(Command[bool]):
    """`disable`: False when dropped as older than the last update applied."""

    identity: Identity
    ordering_id: int
    actor: str | None = None

    def run(self, tx: Transaction) -> bool:
        return disable(tx, self.identity, self.ordering_id, actor=self.actor)


@dataclass(frozen=True, slots=True)
class DisableOlderThan(Command[int]):
    """`disable_older_than`: how many identities it disabled."""

    provider: str
    ordering_id: int
    actor: str | None = None

    def run(self, tx: Transaction) -> int:
        return disable_older_than(tx, self.provider, self.ordering_id, actor=self.actor)


def parents(
    tx: Transaction, member: Identity, *, recursive: bool = True
) -> list[tuple[IdentifierKey, Kind]] | None:
    """Every enabled identity the member is an alias of (its profile's other
    identifiers) or belongs to (the identifiers of every group above it; direct groups
    only unless `recursive`), sorted, each keyed by its provider (the door's name for
    its namespace); None for an unknown or disabled member."""
    settings = tx.settings()
    key = normalize.lookup_key(member.namespace, member.name, settings)
    found = tx.identifier(key)
    if found is None or found.disabled:
        return None
    depth = EXPAND_MAX_DEPTH if recursive else 1
    expansion = queries.expand(tx, ProfileRef.by_id(found.profile_id), max_depth=depth)
    everyone: list[ResolvedProfile] = [expansion.profile, *expansion.groups]
    # Answered in Coveo's shape: each identifier under its provider's name.
    seen = {
        (IdentifierKey(settings.door_namespace(DOOR, i.namespace), i.value), i.kind)
        for p in everyone
        for i in p.identifiers
        if i.key != key
    }
    return sorted(seen)
