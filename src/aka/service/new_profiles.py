"""Creating profiles: one, or ten thousand with the same code.

A create is checked in two steps, and the rules of each live only here:
1. `new_profile` checks what the caller sent, on its own (ids, external id, attributes,
   each identifier normalised, no repeats, namespace counts): a `NewProfile`, or the
   refusal naming the field. Nothing is looked up.
2. `create_profiles` asks the graph, for a whole list of them at once, whether their
   ids, external ids and identifiers are free (one read per kind), checks each against
   the store and against the earlier ones of the list, in order, and writes every
   accepted one with one `append_many`: one `profile.created` event each (ADR 0012).

`identities.create_profile` is `create_profiles` of one. The engine runs a run of
`CreateProfile` commands (a `/v1/batch` of creates) and an import's plain creates
(`transfer`) through `create_profiles` directly, without the per-command buffer: the
rules are the same code either way (tests/service/test_bulk.py holds the two together).
"""

from __future__ import annotations

import contextlib
import reprlib
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final, Protocol

import uuid_utils

from aka.core import events as ev
from aka.core import normalize
from aka.core.errors import AkaError, Code
from aka.core.events import Change
from aka.core.model import Event, Identifier, IdentifierKey, Kind, ResolvedProfile, kind_of
from aka.core.ports import Transaction
from aka.core.settings import WorkspaceSettings
from aka.core.state import GraphState
from aka.service import refs
from aka.service.attributes import check_attributes

_UUID_CHARS: Final = 36

# Up to this many creates, `create_profiles` asks with point reads (a few µs each on the
# driver's cursor) rather than `IN` queries (a Core statement is ~80 µs to build): a
# single `POST /v1/profiles` stays as quick as it was.
_POINT_READS_UP_TO: Final = 2


class IdentifierInput(Protocol):
    """An identifier as a caller submits it (a `NewIdentifier`, an import record's)."""

    @property
    def namespace(self) -> Any: ...
    @property
    def value(self) -> Any: ...
    @property
    def kind(self) -> Kind: ...
    @property
    def primary(self) -> bool: ...
    @property
    def attributes(self) -> dict[str, Any]: ...


@dataclass(frozen=True, slots=True)
class NewIdentifier:
    """An identifier as a caller submits it, before validation."""

    namespace: Any
    value: Any
    kind: Kind = Kind.USER
    primary: bool = False
    attributes: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class NewProfile:
    """A create that passed every check of its own: what is left to know is whether the
    graph already holds its id, external id or identifiers."""

    profile_id: str | None  # chosen by the caller; None: a fresh UUIDv7
    external_id: str | None
    attributes: dict[str, Any]
    keys: tuple[IdentifierKey, ...]
    items: tuple[dict[str, Any], ...]  # the event's link items, one per key


def new_profile_id() -> str:
    return str(uuid_utils.uuid7())


def checked_profile_id(raw: Any, field: str = "profile_id") -> str:
    """A profile id chosen by the caller (an import keeping its source's ids): a UUID in
    its 36-character 8-4-4-4-12 form, any case, returned lower-case as aka writes them."""
    if isinstance(raw, str) and len(raw) == _UUID_CHARS:
        with contextlib.suppress(ValueError):
            canonical = str(uuid.UUID(raw))
            # uuid.UUID also reads hyphens in other places; only the usual form passes.
            if canonical == raw.lower():
                return canonical
    raise AkaError(
        Code.INVALID_INPUT,
        f"{field} must be a UUID written as 36 characters (8-4-4-4-12 hex digits), "
        f"got {reprlib.repr(raw)}",  # shortened: a line may carry anything there
        field=field,
    )


def new_profile(
    settings: WorkspaceSettings,
    *,
    external_id: Any = None,
    attributes: Any = None,
    identifiers: Sequence[IdentifierInput] = (),
    profile_id: Any = None,
) -> NewProfile:
    """The create checked on its own, or the refusal of the first field at fault (in
    the order: id, external id, attributes, each identifier, namespace counts)."""
    chosen = checked_profile_id(profile_id) if profile_id is not None else None
    ext = normalize.external_id(external_id) if external_id is not None else None
    attrs = check_attributes(attributes or {}, "attributes")
    keys = checked_keys(settings, identifiers)
    items = [link_item(key, item) for key, item in zip(keys, identifiers, strict=True)]
    _check_namespace_counts(keys, settings)
    return NewProfile(chosen, ext, attrs, tuple(keys), tuple(items))


def checked_keys(
    settings: WorkspaceSettings, identifiers: Sequence[IdentifierInput]
) -> list[IdentifierKey]:
    """Each identifier's key (normalised), its attributes checked, none repeated; or the
    refusal naming the first one at fault."""
    keys: list[IdentifierKey] = []
    seen: set[IdentifierKey] = set()  # a list's `in` made 10,000 identifiers take seconds
    for n, item in enumerate(identifiers):
        where = f"identifiers[{n}]"
        key = normalize.identifier_key(item.namespace, item.value, settings, field=where)
        if key in seen:
            raise AkaError(Code.INVALID_INPUT, f"{where} repeats {key}", field=where)
        check_attributes(item.attributes, f"{where}.attributes")
        keys.append(key)
        seen.add(key)
    return keys


def create_profiles(
    tx: Transaction, plans: Sequence[NewProfile | AkaError], *, actor: str | None = None
) -> list[Event | AkaError]:
    """Create every plan the graph leaves room for, in order: its `profile.created`
    event, or its refusal (an AkaError among `plans` is passed through as it is).

    A plan is refused when its chosen id names a profile (a tombstone too), its external
    id is held, or one of its identifiers belongs to a profile: in the store, or to an
    earlier plan of this same list, exactly as if each had been created alone in turn.
    """
    claims = Claims(tx, [plan for plan in plans if isinstance(plan, NewProfile)])
    refused: dict[int, AkaError] = {}
    changes: list[Change] = []
    for n, plan in enumerate(plans):
        error = claims.refusal(plan) if isinstance(plan, NewProfile) else plan
        if error is not None:
            refused[n] = error
            continue
        assert isinstance(plan, NewProfile)
        changes.append(created_change(plan, claims.claim(plan), actor))
    events = iter(tx.append_many(changes, datetime.now(UTC)) if changes else ())
    return [refused[n] if n in refused else next(events) for n in range(len(plans))]


def created_change(plan: NewProfile, profile_id: str, actor: str | None) -> Change:
    """The one event of a new profile and everything it starts with (ADR 0012)."""
    payload: dict[str, Any] = {"external_id": plan.external_id, "attributes": plan.attributes}
    if plan.items:
        payload["identifiers"] = list(plan.items)
    return Change(ev.PROFILE_CREATED, profile_id, payload, actor)


def created_profiles(events: Sequence[Event]) -> dict[str, ResolvedProfile]:
    """The profiles these `profile.created` events made, as `resolve` answers them: the
    events applied to an empty graph (they are new, so nothing else bears on them)."""
    state = GraphState()
    state.apply_all(events)
    return {
        pid: ResolvedProfile(profile, tuple(state.identifiers_of(pid)))
        for pid, profile in state.profiles.items()
    }


_ELSEWHERE: Final = ""  # the owner of a name blocked by something outside the set


class Claims:
    """What the graph holds of a list of plans' ids, external ids and identifiers (read
    once, one query per kind), plus what earlier plans of the list claimed and what the
    caller blocked: the names some other write of the same run may take."""

    def __init__(self, tx: Transaction, plans: Sequence[NewProfile]) -> None:
        self._tx = tx
        chosen = {plan.profile_id for plan in plans if plan.profile_id is not None}
        exts = {plan.external_id for plan in plans if plan.external_id is not None}
        keys = {key for plan in plans for key in plan.keys}
        # An external id a profile was renamed away from is still its (ADR 0024): read
        # with the identifiers, in the same query.
        keys |= {IdentifierKey(ev.EXTERNAL_IDS, ext) for ext in exts}
        if len(plans) <= _POINT_READS_UP_TO:
            self._ids = {p.id: p for pid in chosen if (p := tx.profile(pid)) is not None}
            self._exts = {
                ext: p for ext in exts if (p := tx.profile_by_external_id(ext)) is not None
            }
            keys -= {IdentifierKey(ev.EXTERNAL_IDS, ext) for ext in self._exts}
            self._keys = {key: i for key in keys if (i := tx.identifier(key)) is not None}
        else:
            self._ids = tx.profiles_by_ids(chosen) if chosen else {}
            self._exts = tx.profiles_by_external_ids(exts) if exts else {}
            self._keys = tx.identifiers_by_keys(keys) if keys else {}
        self._new_ids: set[str] = set()
        self._new_exts: dict[str, str] = {}
        self._new_keys: dict[IdentifierKey, str] = {}

    def refusal(self, plan: NewProfile) -> AkaError | None:
        """Why the plan cannot be created now (the first name already taken), or None."""
        chosen = plan.profile_id
        if chosen is not None and (chosen in self._ids or chosen in self._new_ids):
            return AkaError(
                Code.INVALID_INPUT,
                f"profile_id {chosen} is already taken by another profile",
                field="profile_id",
            )
        ext = plan.external_id
        if ext is not None:
            if (holder := self._exts.get(ext)) is not None:
                owner = refs.forward(self._tx, holder)
                return external_id_taken(ext, owner.id if owner else holder.id)
            if (new_owner := self._new_exts.get(ext)) is not None:
                return external_id_taken(ext, new_owner)
            if (old := self._keys.get(IdentifierKey(ev.EXTERNAL_IDS, ext))) is not None:
                return external_id_taken(ext, old.profile_id, deprecated=True)
        for n, key in enumerate(plan.keys):
            held: Identifier | None = self._keys.get(key)
            owner_id = held.profile_id if held is not None else self._new_keys.get(key)
            if owner_id is not None:
                return identifier_taken(key, owner_id, f"identifiers[{n}]")
        return None

    def claim(self, plan: NewProfile) -> str:
        """The new profile's id (chosen, or a fresh one), its names now taken. Only for a
        plan `refusal` let through."""
        profile_id = plan.profile_id or new_profile_id()
        self._new_ids.add(profile_id)
        if plan.external_id is not None:
            self._new_exts[plan.external_id] = profile_id
        for key in plan.keys:
            self._new_keys[key] = profile_id
        return profile_id

    def block(
        self,
        *,
        profile_ids: Iterable[str] = (),
        external_ids: Iterable[str] = (),
        keys: Iterable[IdentifierKey] = (),
    ) -> None:
        """Names a write outside the set may take: later plans naming them are refused
        (the caller runs those outside the set too)."""
        self._new_ids.update(profile_ids)
        self._new_exts.update((ext, _ELSEWHERE) for ext in external_ids)
        self._new_keys.update((key, _ELSEWHERE) for key in keys)


def link_item(key: IdentifierKey, item: IdentifierInput) -> dict[str, Any]:
    return ev.link_item(key, kind_of(item.kind).value, bool(item.primary), item.attributes)


def _check_namespace_counts(keys: list[IdentifierKey], settings: WorkspaceSettings) -> None:
    """A new profile may not start above a namespace's per-profile limit."""
    counts: dict[str, int] = {}  # (a Counter cost more than the rest of this check)
    for key in keys:
        counts[key.namespace] = counts.get(key.namespace, 0) + 1
    for namespace in sorted(counts):
        count, limit = counts[namespace], settings.rule_for(namespace).max_per_profile
        if count > limit:
            raise AkaError(
                Code.NAMESPACE_LIMIT,
                f"a profile may hold at most {limit} identifiers in namespace {namespace!r}; "
                f"this one would start with {count}",
                field="identifiers",
                details={"namespace": namespace, "limit": limit, "actual": count},
            )


def identifier_taken(key: IdentifierKey, owner_id: str, field: str, why: str = "") -> AkaError:
    """The refusal of an identifier another profile holds; `why` adds the caller's rule
    (an import's "never merges")."""
    return AkaError(
        Code.IDENTIFIER_CONFLICT,
        f"identifier {key} already belongs to profile {owner_id}{why}",
        field=field,
        details={"owner": owner_id, "namespace": key.namespace, "value": key.value},
    )


def external_id_taken(
    external_id: str, owner_id: str, *, deprecated: bool = False, field: str = "external_id"
) -> AkaError:
    """The refusal of an external id another profile holds: as its current one, or as
    one it was renamed away from (`deprecated`, which blocks it until removed)."""
    if not deprecated:
        return AkaError(
            Code.EXTERNAL_ID_CONFLICT,
            f"external_id {external_id!r} already belongs to profile {owner_id}",
            field=field,
            details={"owner": owner_id},
        )
    return AkaError(
        Code.EXTERNAL_ID_CONFLICT,
        f"external_id {external_id!r} is a deprecated external id of profile {owner_id}; "
        "it is taken until removed",
        field=field,
        details={"owner": owner_id, "deprecated": True},
    )
