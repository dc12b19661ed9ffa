"""Read-only use cases: resolve, history, explain, expand, the change feed.

Each takes the narrowest read port it needs (`GraphReads`, `EventLogReads`, or
`ReadView` for both), so the type checker holds them to reading.
"""

from __future__ import annotations

import contextlib
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from aka.core import events as ev
from aka.core import graph, normalize
from aka.core.errors import AkaError, Code
from aka.core.model import Event, Expansion, IdentifierKey, Membership, ResolvedProfile
from aka.core.ports import EventLogReads, GraphReads, ReadView
from aka.service import refs
from aka.service.refs import ProfileRef

EVENTS_PAGE_MAX = 1000


def get(tx: GraphReads, ref: ProfileRef, field: str = "profile") -> ResolvedProfile:
    """The live profile a reference points at (forwarding from merged ids)."""
    return refs.resolved(tx, refs.require(tx, ref, field))


def deprecated_match(found: ResolvedProfile, ref: ProfileRef) -> bool:
    """Whether `ref` found the profile by one of its deprecated identifiers (an external
    id it was renamed away from, a vendor alias kept on update: ADR 0024), which a
    resolve says so the caller can move to the current one. An identifier reference is
    compared as stored (normalised), an external id as given."""
    named: tuple[object, object]
    if ref.external_id is not None:
        named = (ev.EXTERNAL_IDS, ref.external_id)
    elif ref.namespace is not None and ref.value is not None:
        named = (ref.namespace, ref.value)
    else:
        return False
    return any(i.deprecated and (i.namespace, i.value) == named for i in found.identifiers)


@runtime_checkable
class ReadsAhead(Protocol):
    """A transaction that can read a batch of identifiers (with their profiles and
    those profiles' identifiers) in a few statements, ahead of resolving each: the SQL
    stores. Not part of the `GraphReads` port; `resolve_many` works without it."""

    def read_ahead(self, keys: Collection[IdentifierKey]) -> None: ...


def resolve_many(
    tx: GraphReads, refs: Sequence[ProfileRef], field: str = "profile"
) -> list[ResolvedProfile | AkaError]:
    """`get` for each reference in one transaction: each one's answer, or the error it
    alone would have raised (a missing profile, a malformed reference)."""
    if isinstance(tx, ReadsAhead):
        settings = tx.settings()
        keys = []
        for ref in refs:
            if ref.namespace is not None and ref.value is not None and ref.profile_id is None:
                with contextlib.suppress(AkaError):  # `get` reports it for this ref
                    keys.append(normalize.lookup_key(ref.namespace, ref.value, settings))
        tx.read_ahead(keys)
    answers: list[ResolvedProfile | AkaError] = []
    for ref in refs:
        try:
            answers.append(get(tx, ref, field))
        except AkaError as error:
            answers.append(error)
    return answers


def history(tx: ReadView, ref: ProfileRef) -> list[Event]:
    """Every event about the profile and the profiles merged into it, oldest first."""
    profile = refs.require(tx, ref)
    return tx.events_about([profile.id, *tx.tombstones_of(profile.id)])


@dataclass(frozen=True, slots=True)
class Explanation:
    same: bool
    profile_a: ResolvedProfile
    profile_b: ResolvedProfile
    events: list[Event]


def explain(tx: ReadView, a: ProfileRef, b: ProfileRef) -> Explanation:
    """Are a and b one person, and which events made them so?

    When they are the same profile, the answer lists the events that brought either
    reference onto it: its links, renames, identification and the merges that moved it.
    """
    pa, pb = get(tx, a, "a"), get(tx, b, "b")
    if pa.profile.id != pb.profile.id:
        return Explanation(False, pa, pb, [])
    keys = {k for k in (_key_of(tx, a), _key_of(tx, b)) if k is not None}
    externals = {x for x in (a.external_id, b.external_id) if x is not None}
    profile_ids = {a.profile_id, b.profile_id} - {None}
    # Walk back in time so that a renamed identifier is followed under its older
    # name too: the link and the merges that brought it here happened under that name.
    chain = []
    for e in reversed(history(tx, ProfileRef.by_id(pa.profile.id))):
        if _explains(e, keys, externals, profile_ids):
            chain.append(e)
        if e.type == ev.IDENTIFIER_RENAMED:
            renamed_to = IdentifierKey(e.payload["namespace"], e.payload["new_value"])
            if renamed_to in keys:
                keys = (keys - {renamed_to}) | {
                    IdentifierKey(e.payload["namespace"], e.payload["value"])
                }
    chain.reverse()
    return Explanation(True, pa, pb, chain)


def _key_of(tx: GraphReads, ref: ProfileRef) -> IdentifierKey | None:
    if ref.namespace is None or ref.value is None:
        return None
    return normalize.lookup_key(ref.namespace, ref.value, tx.settings())


def _explains(
    e: Event, keys: set[IdentifierKey], externals: set[str], profile_ids: set[str | None]
) -> bool:
    p = e.payload
    if e.type in (ev.PROFILE_MERGED, ev.PROFILE_UNMERGED):
        moved = set(ev.keys_from_json(p.get("identifiers", [])))
        return (
            bool(moved & keys)
            or bool({p["keep"], p["merge"]} & profile_ids)
            or (p.get("external_id_moved") in externals)
        )
    if e.type in (ev.PROFILE_CREATED, ev.IDENTIFIER_LINKED) and set(ev.linked_keys(p)) & keys:
        return True
    if e.type in (ev.PROFILE_CREATED, ev.PROFILE_IDENTIFIED):
        return p.get("external_id") in externals or e.profile_id in profile_ids
    if "namespace" in p:
        names = {IdentifierKey(p["namespace"], p["value"])}
        if "new_value" in p:
            names.add(IdentifierKey(p["namespace"], p["new_value"]))
        return bool(names & keys)
    return False


def expand(
    tx: GraphReads, ref: ProfileRef, *, max_depth: int = graph.EXPAND_MAX_DEPTH
) -> Expansion:
    """The profile's identifiers plus every group above it, transitively.

    Disabled identifiers are left out: a disabled identity grants nothing.
    """
    profile = refs.require(tx, ref)

    def parents(ids: set[str]) -> list[Membership]:
        return tx.groups_of(ids)

    group_ids, limited = graph.walk_groups(profile.id, parents, max_depth=max_depth)
    own = _enabled(refs.resolved(tx, profile))
    groups = []
    for group_id in group_ids:
        group = tx.profile(group_id)
        if group is not None:
            groups.append(_enabled(refs.resolved(tx, group)))
    return Expansion(own, tuple(groups), limited)


def _enabled(resolved: ResolvedProfile) -> ResolvedProfile:
    return ResolvedProfile(
        resolved.profile, tuple(i for i in resolved.identifiers if not i.disabled)
    )


def events_page(tx: EventLogReads, after: int, limit: int) -> list[Event]:
    """The change feed: up to `limit` events after the cursor `after`, oldest first."""
    if after < 0:
        raise AkaError(Code.INVALID_INPUT, "after must be 0 or more", field="after")
    if not 1 <= limit <= EVENTS_PAGE_MAX:
        raise AkaError(
            Code.INVALID_INPUT, f"limit must be from 1 to {EVENTS_PAGE_MAX}", field="limit"
        )
    return tx.events(after, limit)
