"""Linking identifiers to an existing profile: the one rule for each identifier
(`check_link`), and many identifiers linked by one command as one event (`link_many`).

`identities.attach` links one identifier with `check_link`; `link_many` checks each of
its items with that same rule, counting the items it has gathered as linked already,
and writes them as one `identifier.linked` event (ADR 0012). So a request that links
several identifiers to one profile (Coveo mappings, Braze aliases of one user) answers
each item exactly as linking them one after another would, and its history is one event.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from aka.core import events as ev
from aka.core import normalize
from aka.core.errors import AkaError, Code
from aka.core.events import Change
from aka.core.model import IdentifierKey, Profile
from aka.core.ports import Transaction
from aka.core.settings import MergePolicy, WorkspaceSettings
from aka.service import refs
from aka.service.attributes import check_attributes
from aka.service.batch import attempt
from aka.service.merges import merge
from aka.service.new_profiles import IdentifierInput, identifier_taken, link_item
from aka.service.refs import ProfileRef


class LinkOutcome(StrEnum):
    LINKED = "linked"  # new on this profile
    EXISTING = "existing"  # was already on this profile: nothing changed
    MERGED = "merged"  # owned by another profile, which the `auto` policy merged


@dataclass(frozen=True, slots=True)
class Attached:
    """What linking one identifier did: its key and the profile now holding it."""

    outcome: LinkOutcome
    profile_id: str
    key: IdentifierKey
    merge_id: int | None = None


def item_key(
    item: IdentifierInput, settings: WorkspaceSettings, field_prefix: str = ""
) -> IdentifierKey:
    """The normalised key of a submitted identifier, its attributes checked: the first
    rule of every link, before the profile is looked up."""
    key = normalize.identifier_key(item.namespace, item.value, settings, field=field_prefix)
    check_attributes(item.attributes, _join(field_prefix, "attributes"))
    return key


@dataclass(slots=True)
class Planned:
    """Identifiers checked for linking to one profile and not written yet: the one
    `identifier.linked` event a command linking several gathers. `check_link` counts
    them as held by the profile already."""

    items: list[dict[str, Any]] = field(default_factory=list)
    keys: set[IdentifierKey] = field(default_factory=set)
    per_namespace: Counter[str] = field(default_factory=Counter)

    def add(self, key: IdentifierKey, item: IdentifierInput) -> None:
        self.items.append(link_item(key, item))
        self.keys.add(key)
        self.per_namespace[key.namespace] += 1

    def write(self, tx: Transaction, profile_id: str, actor: str | None) -> None:
        """Append the gathered identifiers as one event (nothing when there are none)
        and start gathering afresh."""
        if self.items:
            tx.append(Change(ev.IDENTIFIER_LINKED, profile_id, {"identifiers": self.items}, actor))
        self.items, self.keys, self.per_namespace = [], set(), Counter()


@dataclass(frozen=True, slots=True)
class Verdict:
    """What linking one identifier to a profile would do: LINKED (it may be linked),
    EXISTING (the profile holds it), or MERGED (only by merging `owner`, which holds
    it, as the `auto` policy allows)."""

    outcome: LinkOutcome
    owner: Profile | None = None


def check_link(
    tx: Transaction,
    profile: Profile,
    key: IdentifierKey,
    *,
    field_prefix: str = "",
    planned: Planned | None = None,
) -> Verdict:
    """The rule for linking `key` to the live `profile`, one identifier or many. Held
    by the profile (or `planned` for it): EXISTING. Held by another profile: refused
    (409 naming the owner) under the `refuse` policy or when both are identified, else
    MERGED. New: refused when the profile holds the namespace's limit, counting what is
    `planned`; else LINKED."""
    if planned is not None and key in planned.keys:
        return Verdict(LinkOutcome.EXISTING)
    existing = tx.identifier(key)
    if existing is not None and existing.profile_id == profile.id:
        return Verdict(LinkOutcome.EXISTING)
    settings = tx.settings()
    if existing is not None:
        owner = tx.profile(existing.profile_id)
        assert owner is not None  # invariant 1: every identifier has a live owner
        auto = settings.merge_policy is MergePolicy.AUTO
        if not auto or (owner.identified and profile.identified):
            raise identifier_taken(key, owner.id, field_prefix or "value")
        return Verdict(LinkOutcome.MERGED, owner)
    limit = settings.rule_for(key.namespace).max_per_profile
    held = tx.count_in_namespace(profile.id, key.namespace)
    if planned is not None:
        held += planned.per_namespace[key.namespace]
    if held >= limit:
        raise AkaError(
            Code.NAMESPACE_LIMIT,
            f"profile {profile.id} already holds {limit} identifiers in namespace "
            f"{key.namespace!r}, the limit",
            field=_join(field_prefix, "namespace"),
            details={"namespace": key.namespace, "limit": limit},
        )
    return Verdict(LinkOutcome.LINKED)


def link_checked(
    tx: Transaction,
    profile: Profile,
    key: IdentifierKey,
    item: IdentifierInput,
    verdict: Verdict,
    *,
    actor: str | None,
) -> Attached:
    """Do what `verdict` says for one identifier on its own: link it (one event), merge
    its owner in (identified side kept), or nothing."""
    if verdict.outcome is LinkOutcome.EXISTING:
        return Attached(LinkOutcome.EXISTING, profile.id, key)
    if verdict.owner is not None:
        owner = verdict.owner
        keep, gone = (owner, profile) if owner.identified else (profile, owner)
        merged = merge(tx, ProfileRef.by_id(keep.id), ProfileRef.by_id(gone.id), actor=actor)
        return Attached(LinkOutcome.MERGED, merged.profile.profile.id, key, merged.merge_id)
    one = Planned()
    one.add(key, item)
    one.write(tx, profile.id, actor)
    return Attached(LinkOutcome.LINKED, profile.id, key)


@dataclass(frozen=True, slots=True)
class LinkedMany:
    """What `link_many` did: the profile holding the items now (None when the target
    named none), and for each item what linking it did, or its refusal."""

    profile_id: str | None
    items: tuple[Attached | AkaError, ...]


def link_many(
    tx: Transaction,
    target: ProfileRef,
    items: Sequence[IdentifierInput],
    *,
    actor: str | None = None,
    fields: Sequence[str] = (),
) -> LinkedMany:
    """Link every item to the profile `target` names, each by the rule of a single
    link, each standing or falling alone, and the new ones as ONE `identifier.linked`
    event in the order given.

    Each item's outcome (or refusal) is what linking the items one after another would
    give: a repeat, or an identifier the profile holds, is EXISTING and not in the
    event; a refused item is left out and the others still link; namespace limits count
    the items linked before it. An item held by another profile that the `auto` policy
    would merge takes the one-by-one path: the links gathered so far are written as one
    event, the merge is made as `link` makes it, and linking goes on onto the survivor
    (so such a request writes one link event per run between merges). `fields[n]` is
    where item n's errors point (`identifiers[n]` by default).
    """
    settings = tx.settings()
    where = list(fields) or [f"identifiers[{n}]" for n in range(len(items))]
    profile: Profile | None = None
    not_found: AkaError | None = None
    try:
        profile = refs.require(tx, target, "profile")
    except AkaError as missing:
        not_found = missing  # each item is still checked on its own first, as in `link`
    planned = Planned()
    results: list[Attached | AkaError] = []
    for item, prefix in zip(items, where, strict=True):
        try:
            key = item_key(item, settings, prefix)
            if not_found is not None:
                raise not_found
            assert profile is not None
            verdict = check_link(tx, profile, key, field_prefix=prefix, planned=planned)
        except AkaError as refused:
            results.append(refused)
            continue
        if verdict.outcome is not LinkOutcome.MERGED:
            if verdict.outcome is LinkOutcome.LINKED:
                planned.add(key, item)
            results.append(Attached(verdict.outcome, profile.id, key))
            continue
        planned.write(tx, profile.id, actor)
        results.append(attempt(tx, link_checked, profile, key, item, verdict, actor=actor))
        # The profile may be the one merged away: go on with whichever survived.
        profile = refs.require(tx, ProfileRef.by_id(profile.id), "profile")
    if profile is not None:
        planned.write(tx, profile.id, actor)
    return LinkedMany(profile.id if profile is not None else None, tuple(results))


def _join(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name
