"""Alias use cases with the options vendor doors need, stated as options, not as doors.

The native API's `link` and `identify` answer a taken identifier with a conflict and
merge whenever identify finds the external id taken. Some vendors promise other things
(Braze: an existing label+name pair is a silent no-op, a profile holds one name per
label, identify does not combine profiles when the identified one already has an alias
with that label; Appizer: an alias may not equal a user id). Each such promise is a
keyword here, so every door gets the same rule from the same code, and the graph's
invariants stay the service's business.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from aka.core import events as ev
from aka.core import normalize
from aka.core.door_namespaces import RawNamespace
from aka.core.errors import AkaError, Code
from aka.core.events import Change
from aka.core.model import IdentifierKey, Profile, ResolvedProfile
from aka.core.ports import Transaction
from aka.service import identities, refs, shared_values
from aka.service.identities import NewIdentifier
from aka.service.links import LinkOutcome
from aka.service.merges import merge
from aka.service.refs import ProfileRef
from aka.service.shared_values import SharedRef


class AliasOutcome(StrEnum):
    ADDED = "added"  # linked (onto the target, or onto a new alias-only profile)
    EXISTING = "existing"  # already on the target: nothing changed
    IGNORED = "ignored"  # held by another profile and `if_taken="ignore"`: nothing changed
    MERGED = "merged"  # held by another profile, which the `auto` merge policy merged


@dataclass(frozen=True, slots=True)
class AliasResult:
    outcome: AliasOutcome
    profile: ResolvedProfile | None  # None when IGNORED


@dataclass(frozen=True, slots=True)
class AliasRules:
    """The vendor options of `add_alias`, checked before the graph's own link rule."""

    if_taken: str = "refuse"
    one_per_namespace: bool = False
    refuse_external_ids: bool = False

    def __post_init__(self) -> None:
        if self.if_taken not in ("refuse", "ignore"):
            raise ValueError(f"if_taken must be 'refuse' or 'ignore', not {self.if_taken!r}")

    def settle(
        self,
        tx: Transaction,
        key: IdentifierKey,
        profile: Profile | None,
        owner_id: str | None,
        held: Callable[[], IdentifierKey | None],
    ) -> AliasOutcome | None:
        """The outcome these options decide without linking (EXISTING or IGNORED), None
        when the link goes ahead, or their refusal. `owner_id`: the profile holding the
        key, if any; `held()`: an identifier the target holds in the key's namespace."""
        if owner_id is not None and self.if_taken == "ignore":
            own = profile is not None and owner_id == profile.id
            return AliasOutcome.EXISTING if own else AliasOutcome.IGNORED
        if self.refuse_external_ids:
            _refuse_circular(tx, key, profile)
        if not self.one_per_namespace or profile is None or owner_id is not None:
            return None
        if (first := held()) is not None:
            raise AkaError(
                Code.NAMESPACE_LIMIT,
                f"profile {profile.id} already holds {first}; it may hold one "
                f"identifier in namespace {key.namespace!r}",
                field="namespace",
                details={"namespace": key.namespace, "limit": 1},
            )
        return None


def add_alias(
    tx: Transaction,
    target: ProfileRef | None,
    item: NewIdentifier,
    *,
    if_taken: str = "refuse",
    one_per_namespace: bool = False,
    refuse_external_ids: bool = False,
    actor: str | None = None,
) -> AliasResult:
    """Link `item` to `target` (a new alias-only profile when None), with vendor options.

    `if_taken="ignore"`: an identifier that already exists, on any profile, is a no-op
    (IGNORED or EXISTING) instead of a conflict. `one_per_namespace`: a profile already
    holding another value in that namespace refuses the new one (NAMESPACE_LIMIT, limit
    1). `refuse_external_ids`: a value equal to any profile's external id, or to the
    target's own id, is refused (IDENTIFIER_CONFLICT with `reason: circular`), so an
    alias can never shadow a user id.
    """
    rules = AliasRules(if_taken, one_per_namespace, refuse_external_ids)
    return apply_alias(tx, target, item, rules, actor)


def apply_alias(
    tx: Transaction,
    target: ProfileRef | None,
    item: NewIdentifier,
    rules: AliasRules,
    actor: str | None,
) -> AliasResult:
    key = normalize.identifier_key(item.namespace, item.value, tx.settings())
    profile = refs.require(tx, target, "profile") if target is not None else None
    existing = tx.identifier(key)
    owner_id = existing.profile_id if existing is not None else None

    def held() -> IdentifierKey | None:
        assert profile is not None
        return next(
            (i.key for i in tx.identifiers_of(profile.id) if i.namespace == key.namespace), None
        )

    settled = rules.settle(tx, key, profile, owner_id, held)
    if settled is not None:
        shown = refs.resolved(tx, profile) if settled is AliasOutcome.EXISTING and profile else None
        return AliasResult(settled, shown)
    ref = ProfileRef.by_id(profile.id) if profile is not None else None
    result = identities.link(tx, ref, item, actor=actor)
    return AliasResult(ALIAS_OUTCOME[result.outcome], result.profile)


ALIAS_OUTCOME = {
    LinkOutcome.LINKED: AliasOutcome.ADDED,
    LinkOutcome.EXISTING: AliasOutcome.EXISTING,
    LinkOutcome.MERGED: AliasOutcome.MERGED,
}


def _refuse_circular(tx: Transaction, key: IdentifierKey, profile: Profile | None) -> None:
    holder = refs.by_external_id(tx, key.value)
    own = profile is not None and (
        key.value in (profile.id, profile.external_id)
        or (holder is not None and holder.id == profile.id)
    )
    if holder is None and not own:
        return
    whose = "the user's own id" if own else "another user's id"
    owner = holder.id if holder is not None else profile.id if profile is not None else None
    raise AkaError(
        Code.IDENTIFIER_CONFLICT,
        f"alias {key.value!r} is {whose}: an alias may not equal a user id",
        field="value",
        details={
            "reason": "circular",
            "owner": owner,
            "namespace": key.namespace,
            "value": key.value,
        },
    )


class IdentifyOutcome(StrEnum):
    IDENTIFIED = "identified"  # the alias's profile now carries the external id
    MERGED = "merged"  # the alias's profile was merged into the identified one
    MOVED = "moved"  # only the alias moved onto the identified profile
    UNCHANGED = "unchanged"  # already so
    NOT_COMBINED = "not_combined"  # the identified profile holds that namespace already


@dataclass(frozen=True, slots=True)
class IdentifyResult:
    outcome: IdentifyOutcome
    profile: ResolvedProfile


def identify_by_identifier(
    tx: Transaction,
    namespace: Any,
    value: Any,
    external_id: Any,
    *,
    keep_apart_when_namespace_held: bool = False,
    move: str = "profile",
    actor: str | None = None,
) -> IdentifyResult:
    """Identify the profile holding `namespace:value` as `external_id`.

    No profile has the external id yet: the alias's profile gets it. One has: with
    `move="profile"` the alias's profile is merged into it (as `identities.identify`);
    with `move="identifier"` only this identifier moves there, the rest stays put.
    `keep_apart_when_namespace_held`: when the identified profile already holds an
    identifier in this namespace, nothing is combined (NOT_COMBINED).
    """
    if move not in ("profile", "identifier"):
        raise ValueError(f"move must be 'profile' or 'identifier', not {move!r}")
    ext = normalize.external_id(external_id)
    key = normalize.lookup_key(namespace, value, tx.settings())
    holder_of_alias = tx.identifier(key)
    if holder_of_alias is None:
        raise AkaError(Code.IDENTIFIER_NOT_FOUND, f"no identifier {key}", field="value")
    profile = tx.profile(holder_of_alias.profile_id)
    assert profile is not None  # invariant 1

    def keep_apart(owner: Profile) -> bool:
        held = tx.count_in_namespace(owner.id, key.namespace) > 0
        return keep_apart_when_namespace_held and held

    def move_only(owner: Profile) -> ResolvedProfile:
        assert holder_of_alias is not None
        tx.append(
            Change(
                ev.IDENTIFIER_UNLINKED,
                profile.id,
                {"namespace": key.namespace, "value": key.value},
                actor,
            )
        )
        item = NewIdentifier(key.namespace, key.value, holder_of_alias.kind)
        return identities.link(tx, ProfileRef.by_id(owner.id), item, actor=actor).profile

    return identify_found(
        tx, profile, ext, move=move, move_only=move_only, keep_apart=keep_apart, actor=actor
    )


def identify_found(
    tx: Transaction,
    user: Profile,
    external_id: str,
    *,
    move: str,
    move_only: Callable[[Profile], ResolvedProfile],
    keep_apart: Callable[[Profile], bool] = lambda _owner: False,
    actor: str | None = None,
) -> IdentifyResult:
    """Identify the live `user` as the (normalised) `external_id`: the rule behind every
    vendor identify, whatever named the user. `user` has it already: UNCHANGED; no
    profile has it: the user gets it; another has it: NOT_COMBINED when
    `keep_apart(owner)`, else with `move="identifier"` only what named the user moves
    there (`move_only(owner)`, the rest stays put), else the user is merged into it
    (ALREADY_IDENTIFIED when the user has an external id of its own)."""
    owner = refs.by_external_id(tx, external_id)
    if owner is not None and owner.id == user.id:
        return IdentifyResult(IdentifyOutcome.UNCHANGED, refs.resolved(tx, user))
    if owner is None:
        identified = identities.identify(tx, ProfileRef.by_id(user.id), external_id, actor=actor)
        return IdentifyResult(IdentifyOutcome.IDENTIFIED, identified)
    if keep_apart(owner):
        return IdentifyResult(IdentifyOutcome.NOT_COMBINED, refs.resolved(tx, owner))
    if move == "identifier":
        return IdentifyResult(IdentifyOutcome.MOVED, move_only(owner))
    if user.identified:
        raise AkaError(
            Code.ALREADY_IDENTIFIED,
            f"profile {user.id} is already identified as {user.external_id!r}",
            field="external_id",
            details={"profile_id": user.id},
        )
    merged = merge(tx, ProfileRef.by_id(owner.id), ProfileRef.by_id(user.id), actor=actor)
    return IdentifyResult(IdentifyOutcome.MERGED, merged.profile)


def set_sole_identifier(
    tx: Transaction, target: ProfileRef, namespace: Any, value: Any, *, actor: str | None = None
) -> ResolvedProfile:
    """Make `namespace:value` the profile's one identifier in that namespace: renamed
    from the one it holds, else linked. Taken by another profile: IDENTIFIER_CONFLICT
    (vendor "the user's email" or "phone" fields, which hold one value)."""
    profile = refs.require(tx, target, "profile")
    key = normalize.identifier_key(namespace, value, tx.settings())
    held = [i for i in tx.identifiers_of(profile.id) if i.namespace == key.namespace]
    if any(i.key == key for i in held):
        return refs.resolved(tx, profile)
    if len(held) == 1:
        identities.rename(tx, key.namespace, held[0].value, key.value, actor=actor)
        return refs.resolved(tx, profile)
    ref = ProfileRef.by_id(profile.id)
    return identities.link(tx, ref, NewIdentifier(key.namespace, key.value), actor=actor).profile


def find_by_any_id(tx: Transaction, text: Any, *, namespace: RawNamespace) -> Profile | None:
    """The live profile known as `text` by its external id, an identifier in
    `namespace`, or its own (possibly merged) profile id, tried in that order."""
    if not isinstance(text, str) or not text:
        return None
    by_external = refs.by_external_id(tx, text)
    if by_external is not None:
        return by_external
    key = normalize.lookup_key(namespace, text, tx.settings())
    identifier = tx.identifier(key)
    if identifier is not None:
        return tx.profile(identifier.profile_id)
    return refs.forward(tx, tx.profile(text))


@dataclass(frozen=True, slots=True)
class UserRef:
    """A user as some vendors name one: `user_id`, any id of the user (its external id,
    an identifier in `namespace`, or its profile id: `find_by_any_id`), or else
    `primary_user_id`, its profile id (forwarded when merged away)."""

    user_id: str | None
    namespace: RawNamespace
    primary_user_id: str | None = None


def require_user(tx: Transaction, user: UserRef) -> Profile:
    """The live profile `user` names; PROFILE_NOT_FOUND naming the id given otherwise."""
    if user.user_id is None and user.primary_user_id is None:
        raise AkaError(
            Code.INVALID_INPUT, "user_id or primary_user_id is required", field="user_id"
        )
    if user.user_id is not None:
        found = find_by_any_id(tx, user.user_id, namespace=user.namespace)
        shown, field = user.user_id, "user_id"
    else:
        assert user.primary_user_id is not None
        found = refs.forward(tx, tx.profile(user.primary_user_id))
        shown, field = user.primary_user_id, "primary_user_id"
    if found is None:
        raise AkaError(Code.PROFILE_NOT_FOUND, f"User {shown!r} not found", field=field)
    return found


@dataclass(frozen=True, slots=True)
class UpsertedUser:
    """What `upsert_user` did: whether it created the user, and the user's ids."""

    created: bool
    profile_id: str
    external_id: str | None


def upsert_user(
    tx: Transaction,
    user: ProfileRef | UserRef | SharedRef,
    *,
    create_with: Sequence[NewIdentifier] | None = (),
    sole_identifiers: Mapping[RawNamespace, Any] | None = None,
    attributes: Mapping[str, Any] | None = None,
    field: str = "profile",
    actor: str | None = None,
) -> UpsertedUser:
    """Create or update a user, as vendors' "track" and "upsert user" calls do.

    The user is the live profile `user` names (a `UserRef`: by any of its ids; a
    `SharedRef`: the holder of a shared value a track updates, `shared_values.for_update`).
    None found: it is created with the external id it was named by (none for a
    `SharedRef`) and the identifiers `create_with`, or, when `create_with` is None,
    PROFILE_NOT_FOUND. Then each `namespace: value` of `sole_identifiers` (None values
    skipped) becomes the user's one identifier in that namespace
    (`set_sole_identifier`), and `attributes`, when not empty, are merged into its
    attributes (a JSON merge patch). `field` names the
    reference in its errors.
    """
    if isinstance(user, UserRef):
        found = find_by_any_id(tx, user.user_id, namespace=user.namespace)
        external_id, named = user.user_id, f"user {user.user_id!r}"
    elif isinstance(user, SharedRef):
        found = shared_values.for_update(tx, user)
        external_id, named = None, user.describe()
    else:
        found = refs.find(tx, user, field)
        external_id, named = user.external_id, user.describe()
    created = found is None
    if found is None:
        if create_with is None:
            raise AkaError(Code.PROFILE_NOT_FOUND, f"no user with {named}")
        made = identities.create_profile(
            tx, external_id=external_id, identifiers=list(create_with), actor=actor
        )
        found = made.profile
    target = ProfileRef.by_id(found.id)
    for namespace, value in (sole_identifiers or {}).items():
        if value is not None:
            set_sole_identifier(tx, target, namespace, value, actor=actor)
    if attributes:
        identities.update_attributes(tx, target, dict(attributes), actor=actor)
    # Neither a sole identifier nor an attribute patch changes the ids.
    return UpsertedUser(created, found.id, found.external_id)
