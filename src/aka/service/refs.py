"""Profile references: the three ways a caller can point at a profile.

`{"profile_id"}`, `{"external_id"}` or `{"namespace", "value"}`; an old (merged)
profile id or an external id kept by a tombstone forwards to the survivor in one hop,
and an external id the profile was renamed away from (a deprecated identifier in
`events.EXTERNAL_IDS`, ADR 0024) still names it.
"""

from __future__ import annotations

from dataclasses import dataclass

from aka.core import normalize
from aka.core.door_namespaces import RawNamespace
from aka.core.errors import AkaError, Code
from aka.core.events import EXTERNAL_IDS
from aka.core.model import IdentifierKey, Profile, ResolvedProfile
from aka.core.ports import GraphReads


@dataclass(frozen=True, slots=True)
class ProfileRef:
    profile_id: str | None = None
    external_id: str | None = None
    namespace: RawNamespace | None = None  # a door's namespace: mapped when looked up
    value: str | None = None

    @classmethod
    def by_id(cls, profile_id: str) -> ProfileRef:
        return cls(profile_id=profile_id)

    def describe(self) -> str:
        if self.profile_id is not None:
            return f"profile {self.profile_id}"
        if self.external_id is not None:
            return f"external_id {self.external_id!r}"
        return f"identifier {self.namespace}:{self.value}"


def forward(tx: GraphReads, profile: Profile | None) -> Profile | None:
    """The live profile behind `profile` (itself when live, its survivor when a tombstone)."""
    if profile is None or profile.merged_into is None:
        return profile
    return tx.profile(profile.merged_into)


def by_external_id(tx: GraphReads, external_id: str) -> Profile | None:
    """The live profile known by this external id: its current one (a tombstone's
    forwarding), else one it was renamed away from. The one lookup of an external id
    for every use case, so a deprecated id names its profile everywhere and nobody
    else may take it."""
    current = forward(tx, tx.profile_by_external_id(external_id))
    if current is not None:
        return current
    old = tx.identifier(IdentifierKey(EXTERNAL_IDS, external_id))
    return tx.profile(old.profile_id) if old is not None else None


def check_form(ref: ProfileRef, field: str = "profile") -> None:
    """`ref` takes exactly one of its three forms (a profile id, an external id, or an
    identifier's namespace and value), else an INVALID_INPUT naming `field`. The one
    check every lookup of a reference makes, now or as of a moment."""
    forms = sum(
        x is not None for x in (ref.profile_id, ref.external_id, ref.namespace or ref.value)
    )
    if forms != 1:
        raise AkaError(
            Code.INVALID_INPUT,
            f"{field} must have exactly one of profile_id, external_id or namespace+value",
            field=field,
        )
    if (ref.profile_id, ref.external_id) == (None, None) and (
        ref.namespace is None or ref.value is None
    ):
        missing = "namespace" if ref.namespace is None else "value"
        raise AkaError(
            Code.INVALID_INPUT,
            f"{field}.{missing} is required with an identifier reference",
            field=f"{field}.{missing}",
        )


def find(tx: GraphReads, ref: ProfileRef, field: str = "profile") -> Profile | None:
    """The live profile `ref` points at, or None. Malformed refs raise AkaError."""
    check_form(ref, field)
    if ref.profile_id is not None:
        return forward(tx, tx.profile(ref.profile_id))
    if ref.external_id is not None:
        return by_external_id(tx, ref.external_id)
    key = normalize.lookup_key(ref.namespace, ref.value, tx.settings(), field=field)
    identifier = tx.identifier(key)
    return tx.profile(identifier.profile_id) if identifier else None


def require(tx: GraphReads, ref: ProfileRef, field: str = "profile") -> Profile:
    """Like `find` but a missing profile is a PROFILE_NOT_FOUND naming the field."""
    profile = find(tx, ref, field)
    if profile is None:
        raise AkaError(
            Code.PROFILE_NOT_FOUND,
            f"no profile found for {ref.describe()}",
            field=field,
        )
    return profile


def resolved(tx: GraphReads, profile: Profile) -> ResolvedProfile:
    return ResolvedProfile(profile, tuple(tx.identifiers_of(profile.id)))
