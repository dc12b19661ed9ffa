"""Values several people may share: a Braze user's `email` and `phone` (ADR 0018).

aka's identifiers are unique: one value, one profile, and a second profile naming it
conflicts or joins. Braze lets many users share one email or phone and names a user by
such a value together with a `prioritization` that chooses among the holders. Both hold
here, side by side:

- a *shared value* is a profile field (the profile's attribute `email` or `phone`,
  normalised): any number of profiles may hold the same one; it never joins or
  conflicts, and it moves, merges and is erased as every attribute does;
- the *identifier* in namespace `email` or `phone` stays aka's unique, joining one;
- a reference by such a value (`SharedRef`) finds both: the identifier's holder and
  every profile holding the field, and `prioritization` picks one of them, exactly as
  Braze documents it (an ordered list; still several at the end: no one is chosen).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

from aka.core import normalize
from aka.core.errors import AkaError, Code
from aka.core.model import IdentifierKey, Profile
from aka.core.ports import GraphReads, Transaction
from aka.service import identities, refs
from aka.service.refs import ProfileRef

EMAIL: Final = "email"
PHONE: Final = "phone"
SHARED_FIELDS: Final = (EMAIL, PHONE)
# How many holders of one value a reference considers: more than enough for any real
# shared address (a family's, a front desk's), and a bound on what one lookup reads.
HOLDERS_MAX: Final = 100
_NEVER: Final = datetime.min.replace(tzinfo=UTC)
PRIORITIES: Final = frozenset(
    {"identified", "unidentified", "most_recently_updated", "least_recently_updated"}
)


def shared_value(name: str, raw: Any, field: str) -> str:
    """`raw` as the field `name` holds it: an email lower-cased (IDNA domain), a phone
    in E.164; EMAIL_INVALID / PHONE_INVALID / VALUE_INVALID naming `field` otherwise."""
    text = normalize.clean_text(
        raw, field, code=Code.VALUE_INVALID, max_bytes=normalize.VALUE_MAX_BYTES
    )
    if name == EMAIL:
        return normalize.email(text, field)
    if name == PHONE:
        return normalize.phone(text, field)
    raise ValueError(f"{name!r} is not a shared field; those are {SHARED_FIELDS}")


@dataclass(frozen=True, slots=True)
class SharedRef:
    """A user named by a value several may share (`name` is `email` or `phone`), and the
    order in which to choose among its holders (`prioritization`, Braze's words)."""

    name: str
    value: Any
    prioritization: Sequence[str] = ()
    field: str = "value"  # where an error about the value points

    def describe(self) -> str:
        return f"{self.name} {self.value!r}"


def holders(tx: GraphReads, name: str, value: str) -> list[Profile]:
    """Every live profile holding the normalised `value`: the one whose identifier
    `name:value` it is, and each one whose field `name` it is; sorted by id."""
    found = {p.id: p for p in tx.profiles_with_field(name, value, HOLDERS_MAX)}
    identifier = tx.identifier(IdentifierKey(name, value))
    if identifier is not None:
        owner = tx.profile(identifier.profile_id)
        if owner is not None:
            found.setdefault(owner.id, owner)
    return sorted(found.values(), key=lambda p: p.id)


def choose(candidates: Sequence[Profile], prioritization: Sequence[str], shown: str) -> Profile:
    """The one candidate `prioritization` leaves, in Braze's reading: `identified` and
    `unidentified` keep only users with (without) an external id, the two recency
    options keep the most (least) recently updated; each applies in the order given.
    None left: PROFILE_NOT_FOUND; several: AMBIGUOUS_REFERENCE (nothing is done)."""
    unknown = [p for p in prioritization if p not in PRIORITIES]
    if unknown:
        raise AkaError(
            Code.INVALID_INPUT,
            f"prioritization {unknown[0]!r} is not one of {sorted(PRIORITIES)}",
            field="prioritization",
        )
    if {"identified", "unidentified"} <= set(prioritization):
        raise AkaError(
            Code.INVALID_INPUT,
            "prioritization may hold only one of identified and unidentified",
            field="prioritization",
        )
    pool = list(candidates)
    for rule in prioritization:
        if rule in ("identified", "unidentified"):
            pool = [p for p in pool if p.identified == (rule == "identified")]
        elif len(pool) > 1:
            times = [p.updated_at for p in pool if p.updated_at is not None]
            if times:
                pick = max(times) if rule == "most_recently_updated" else min(times)
                pool = [p for p in pool if p.updated_at == pick]
    if not pool:
        raise AkaError(Code.PROFILE_NOT_FOUND, f"no user with {shown}", field="value")
    if len(pool) > 1:
        raise AkaError(
            Code.AMBIGUOUS_REFERENCE,
            f"{len(pool)} users have {shown} and prioritization "
            f"{list(prioritization)} does not choose one; nothing was done",
            field="prioritization",
            details={"candidates": [p.id for p in pool]},
        )
    return pool[0]


def require(tx: GraphReads, ref: SharedRef) -> Profile:
    """The one live user `ref` names; PROFILE_NOT_FOUND or AMBIGUOUS_REFERENCE otherwise."""
    value = shared_value(ref.name, ref.value, ref.field)
    return choose(holders(tx, ref.name, value), ref.prioritization, f"{ref.name} {value!r}")


def find_all(tx: GraphReads, ref: SharedRef) -> list[Profile]:
    """Every live user holding `ref`'s value (an export names them all)."""
    return holders(tx, ref.name, shared_value(ref.name, ref.value, ref.field))


def for_update(tx: GraphReads, ref: SharedRef) -> Profile | None:
    """The holder a track by this value updates, or None: as Braze does, an identified
    user first, then the most recently updated one (then the lowest id: never a tie)."""
    found = holders(tx, ref.name, shared_value(ref.name, ref.value, ref.field))
    if not found:
        return None
    return max(found, key=lambda p: (p.identified, p.updated_at or _NEVER, p.id))


def find_user(tx: GraphReads, ref: ProfileRef | SharedRef, field: str) -> Profile:
    """The live user a reference of either kind names (`refs.require`, or `require`)."""
    if isinstance(ref, SharedRef):
        return require(tx, ref)
    return refs.require(tx, ref, field)


def move_field(
    tx: Transaction, name: str, value: str, source: Profile, target: Profile, *, actor: str | None
) -> None:
    """The shared value leaves `source` and is held by `target`, no other field moving."""
    identities.update_attributes(tx, ProfileRef.by_id(target.id), {name: value}, actor=actor)
    identities.update_attributes(tx, ProfileRef.by_id(source.id), {name: None}, actor=actor)
