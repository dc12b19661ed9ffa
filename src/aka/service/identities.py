"""Use cases that create and change profiles and identifiers.

Each function is one unit of work inside a transaction the caller opened; it appends
events (which change the graph) and never commits: the request or command boundary does.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from aka.core import events as ev
from aka.core import normalize
from aka.core.errors import AkaError, Code
from aka.core.events import Change
from aka.core.graph import check_room
from aka.core.model import Identifier, IdentifierKey, Kind, Profile, ResolvedProfile
from aka.core.ports import Transaction
from aka.service import refs
from aka.service.attributes import check_attributes
from aka.service.links import Attached, LinkOutcome, check_link, item_key, link_checked
from aka.service.merges import merge
from aka.service.new_profiles import (
    IdentifierInput,
    NewIdentifier,
    create_profiles,
    identifier_taken,
    new_profile,
)
from aka.service.refs import ProfileRef


@dataclass(frozen=True, slots=True)
class LinkResult:
    outcome: LinkOutcome
    profile: ResolvedProfile
    identifier: Identifier
    merge_id: int | None = None


def create_profile(
    tx: Transaction,
    *,
    external_id: Any = None,
    attributes: Any = None,
    identifiers: Sequence[IdentifierInput] | None = None,
    actor: str | None = None,
    profile_id: Any = None,
) -> ResolvedProfile:
    """A new profile, optionally identified and holding identifiers from the start.

    Everything is checked before anything is written, so a refused identifier leaves
    no half-made profile behind. `profile_id` keeps an id chosen elsewhere (an import
    reproducing an export); by default a fresh UUIDv7 is used.
    """
    plan = new_profile(
        tx.settings(),
        external_id=external_id,
        attributes=attributes,
        identifiers=identifiers or (),
        profile_id=profile_id,
    )
    made = create_profiles(tx, [plan], actor=actor)[0]
    if isinstance(made, AkaError):
        raise made
    assert made.profile_id is not None
    return _resolved(tx, made.profile_id)


def link(
    tx: Transaction,
    target: ProfileRef | None,
    item: NewIdentifier,
    *,
    actor: str | None = None,
    field_prefix: str = "",
) -> LinkResult:
    """Attach an identifier to a profile (a new anonymous one when `target` is None).

    Already there: EXISTING. Owned by another profile: refused (409 naming the owner)
    under the `refuse` policy; under `auto`, merged when at most one side is identified.
    """
    done = attach(tx, target, item, actor=actor, field_prefix=field_prefix)
    return LinkResult(
        done.outcome, _resolved(tx, done.profile_id), _ident(tx, done.key), done.merge_id
    )


def attach(
    tx: Transaction,
    target: ProfileRef | None,
    item: NewIdentifier,
    *,
    actor: str | None = None,
    field_prefix: str = "",
) -> Attached:
    """`link` without reading the whole profile back: for callers that attach many
    identifiers to one profile (reading it after each made 1,000 links quadratic)."""
    key = item_key(item, tx.settings(), field_prefix)
    if target is None:
        if (existing := tx.identifier(key)) is not None:
            raise identifier_taken(key, existing.profile_id, field_prefix or "value")
        created = create_profile(tx, identifiers=[item], actor=actor)
        return Attached(LinkOutcome.LINKED, created.profile.id, key)
    profile = refs.require(tx, target, "profile")
    verdict = check_link(tx, profile, key, field_prefix=field_prefix)
    return link_checked(tx, profile, key, item, verdict, actor=actor)


def unlink(tx: Transaction, namespace: Any, value: Any, *, actor: str | None = None) -> Identifier:
    """Remove an identifier from its profile; the profile itself stays."""
    key = normalize.lookup_key(namespace, value, tx.settings())
    existing = tx.identifier(key)
    if existing is None:
        raise AkaError(Code.IDENTIFIER_NOT_FOUND, f"no identifier {key}", field="value")
    tx.append(
        Change(
            ev.IDENTIFIER_UNLINKED,
            existing.profile_id,
            {"namespace": key.namespace, "value": key.value},
            actor,
        )
    )
    return existing


def rename(
    tx: Transaction,
    namespace: Any,
    value: Any,
    new_value: Any,
    *,
    keep: bool = False,
    actor: str | None = None,
) -> Identifier:
    """Give an identifier a new value in the same namespace, keeping its profile.

    `keep`: the old value stays on the profile as a deprecated identifier (still
    resolving, no longer primary) until unlinked, and counts against the namespace's
    per-profile limit like any identifier (ADR 0024)."""
    settings = tx.settings()
    key = normalize.lookup_key(namespace, value, settings)
    existing = tx.identifier(key)
    if existing is None:
        raise AkaError(Code.IDENTIFIER_NOT_FOUND, f"no identifier {key}", field="value")
    new_key = normalize.identifier_key(key.namespace, new_value, settings)
    if new_key == key:
        return existing
    if (holder := tx.identifier(new_key)) is not None:
        raise identifier_taken(new_key, holder.profile_id, "new_value")
    payload: dict[str, Any] = {
        "namespace": key.namespace,
        "value": key.value,
        "new_value": new_key.value,
    }
    if keep:
        held = tx.count_in_namespace(existing.profile_id, key.namespace)
        check_room(
            settings,
            key.namespace,
            held + 1,
            holder=f"profile {existing.profile_id} (the old value kept)",
            field="new_value",
        )
        payload["keep"] = True
    tx.append(Change(ev.IDENTIFIER_RENAMED, existing.profile_id, payload, actor))
    return _ident(tx, new_key)


def identify(
    tx: Transaction, target: ProfileRef, external_id: Any, *, actor: str | None = None
) -> ResolvedProfile:
    """Give a profile its external id. If another profile already has that id (also as
    a deprecated one: it still names that profile), the (anonymous) profile is merged
    into it and the survivor is returned."""
    ext = normalize.external_id(external_id)
    profile = refs.require(tx, target, "profile")
    owner = refs.by_external_id(tx, ext)
    if owner is not None and owner.id == profile.id:
        return refs.resolved(tx, profile)
    if profile.identified:
        raise AkaError(
            Code.ALREADY_IDENTIFIED,
            f"profile {profile.id} is already identified as {profile.external_id!r}; "
            f"to change its external id, rename it (POST /v1/profiles/{profile.id}/rename)",
            field="external_id",
            details={"profile_id": profile.id},
        )
    if owner is None:
        tx.append(Change(ev.PROFILE_IDENTIFIED, profile.id, {"external_id": ext}, actor))
        return _resolved(tx, profile.id)
    return merge(tx, ProfileRef.by_id(owner.id), ProfileRef.by_id(profile.id), actor=actor).profile


def update_attributes(
    tx: Transaction, target: ProfileRef, patch: Any, *, actor: str | None = None
) -> ResolvedProfile:
    """Apply a JSON merge patch to the profile's attributes (null removes a key)."""
    profile = refs.require(tx, target, "profile")
    if not isinstance(patch, dict):
        raise AkaError(Code.ATTRIBUTES_INVALID, "attributes must be an object", field="attributes")
    merged = {**profile.attributes}
    for name, value in patch.items():
        if value is None:
            merged.pop(name, None)
        else:
            merged[name] = value
    merged = check_attributes(merged, "attributes")
    if merged != profile.attributes:
        tx.append(Change(ev.PROFILE_UPDATED, profile.id, {"attributes": merged}, actor))
    return _resolved(tx, profile.id)


def update_identifier(
    tx: Transaction,
    namespace: Any,
    value: Any,
    *,
    kind: Kind | None = None,
    primary: bool | None = None,
    disabled: bool | None = None,
    attributes: dict[str, Any] | None = None,
    deprecated: bool | None = None,
    actor: str | None = None,
) -> Identifier:
    """Change an identifier's kind, primary flag, disabled flag, attributes, or whether
    it is deprecated (an import reproducing a kept alias, ADR 0024)."""
    key = normalize.lookup_key(namespace, value, tx.settings())
    existing = tx.identifier(key)
    if existing is None:
        raise AkaError(Code.IDENTIFIER_NOT_FOUND, f"no identifier {key}", field="value")
    changes: dict[str, Any] = {}
    if kind is not None and kind != existing.kind:
        changes["kind"] = kind.value
    if primary is not None and primary != existing.primary:
        changes["primary"] = primary
    if disabled is not None and disabled != existing.disabled:
        changes["disabled"] = disabled
    if deprecated is not None and deprecated != existing.deprecated:
        changes["deprecated"] = deprecated
    if attributes is not None:
        attrs = check_attributes(attributes, "attributes")
        if attrs != existing.attributes:
            changes["attributes"] = attrs
    if changes:
        payload = {"namespace": key.namespace, "value": key.value, **changes}
        tx.append(Change(ev.IDENTIFIER_CHANGED, existing.profile_id, payload, actor))
    return _ident(tx, key)


# --- helpers ------------------------------------------------------------------------


def _resolved(tx: Transaction, profile_id: str) -> ResolvedProfile:
    profile = tx.profile(profile_id)
    assert profile is not None
    return refs.resolved(tx, profile)


def _ident(tx: Transaction, key: IdentifierKey) -> Identifier:
    found = tx.identifier(key)
    assert found is not None
    return found


__all__ = [
    "Attached",
    "LinkOutcome",
    "LinkResult",
    "NewIdentifier",
    "Profile",
    "attach",
    "create_profile",
    "identifier_taken",
    "identify",
    "link",
    "rename",
    "unlink",
    "update_attributes",
    "update_identifier",
]
