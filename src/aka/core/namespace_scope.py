"""The namespaces an API key may use (ADR 0026): the one rule every door applies.

A key may carry `namespaces: ["email", "crm_*"]`: exact names and prefixes (a pattern
ending in `*`). Such a key sees the graph as if it held only identifiers in those
namespaces, and may write only there:
- a lookup of an identifier outside them finds nothing (the same answer as for one
  that does not exist: the key cannot learn that it does);
- a change that would add, move, change or erase an identifier outside them is refused
  (`namespace_not_allowed`, 403), whether or not the identifier exists: checked on the
  change itself (`touched`), so a merge, an undo or a delete that would carry another
  namespace's identifiers needs a key without the limit;
- every answer leaves other namespaces' identifiers out (`redact`): profiles, events.

The value is pure; `service/namespace_limits.py` applies it to a transaction and the
engine applies that to every read and write of a request whose key is limited (the
context variable below, set by the HTTP layer after authentication).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token
from dataclasses import dataclass
from typing import Any, Final

from aka.core import events as ev
from aka.core import normalize
from aka.core.errors import AkaError, Code
from aka.core.events import Change
from aka.core.model import Event, Identifier, IdentifierKey, JSONMap, Profile, ResolvedProfile

PATTERNS_MAX: Final = 32
"""Patterns one key may carry: a limit is a short list a person writes, not a table."""

WILDCARD: Final = "*"

FIELD_NAMESPACES: Final = ("email", "phone")
"""Profile fields that hold a namespace's values: a Braze user's shared `email` and
`phone` (ADR 0018) are the `email` and `phone` namespaces' values too, found by the same
references. A key that may not use the namespace neither sees nor changes the field."""


@dataclass(frozen=True, slots=True)
class NamespaceScope:
    """The namespaces a key may use; `patterns` None: all of them (no limit)."""

    patterns: tuple[str, ...] | None = None
    exact: frozenset[str] = frozenset()
    prefixes: tuple[str, ...] = ()

    @classmethod
    def of(cls, patterns: tuple[str, ...] | list[str] | None) -> NamespaceScope:
        """The scope of stored, already checked patterns (None: no limit)."""
        if patterns is None:
            return UNLIMITED
        chosen = tuple(patterns)
        exact = frozenset(p for p in chosen if not p.endswith(WILDCARD))
        prefixes = tuple(p[:-1] for p in chosen if p.endswith(WILDCARD))
        return cls(chosen, exact, prefixes)

    @classmethod
    def parse(cls, raw: Any, field: str = "namespaces") -> NamespaceScope:
        """Patterns as a caller sends them: None for no limit; else a list of 1 to
        `PATTERNS_MAX` namespaces, each an exact name or a prefix ending in `*`."""
        if raw is None:
            return UNLIMITED
        if not isinstance(raw, list | tuple):
            raise AkaError(Code.INVALID_INPUT, f"{field} must be a list of strings", field=field)
        if not 1 <= len(raw) <= PATTERNS_MAX:
            raise AkaError(
                Code.INVALID_INPUT,
                f"{field} must hold 1 to {PATTERNS_MAX} patterns; it holds {len(raw)} "
                "(leave it out for a key without a namespace limit)",
                field=field,
                details={"limit": PATTERNS_MAX, "actual": len(raw)},
            )
        return cls.of(tuple(dict.fromkeys(_pattern(p, f"{field}[{n}]") for n, p in enumerate(raw))))

    @property
    def limited(self) -> bool:
        return self.patterns is not None

    def allows(self, namespace: str) -> bool:
        """Whether the key may see and write identifiers of `namespace`. The external
        ids a profile was renamed away from (`events.EXTERNAL_IDS`, ADR 0024) belong to
        the profile as its external id does, which no limit hides."""
        if self.patterns is None or namespace == ev.EXTERNAL_IDS:
            return True
        return namespace in self.exact or namespace.startswith(self.prefixes)

    def covers(self, other: NamespaceScope) -> bool:
        """Whether every namespace `other` allows, this one allows too: a limited key
        may make keys only within its own limit."""
        if self.patterns is None:
            return True
        if other.patterns is None:
            return False
        return all(self.allows(name) for name in other.exact) and all(
            prefix.startswith(self.prefixes) for prefix in other.prefixes
        )

    def to_json(self) -> list[str] | None:
        return None if self.patterns is None else list(self.patterns)

    def refusal(self, namespace: str | None) -> AkaError:
        """Why a change touching `namespace` is refused: the same for an identifier that
        exists and one that does not. None: a change the graph's contents decided (a
        merge, an undo, a delete carrying what the profile holds), whose refusal must
        not say which other namespaces the profile holds."""
        allowed = ", ".join(self.patterns or ())
        if namespace is None:
            return AkaError(
                Code.NAMESPACE_NOT_ALLOWED,
                f"this key is limited to the namespaces {allowed}; this change would move or "
                "erase identifiers outside them (it needs a key without a namespace limit)",
                details={"allowed_namespaces": list(self.patterns or ())},
            )
        return AkaError(
            Code.NAMESPACE_NOT_ALLOWED,
            f"this key is limited to the namespaces {allowed}; namespace {namespace!r} is "
            "outside them (this change needs a key without a namespace limit)",
            field="namespace",
            details={"namespace": namespace, "allowed_namespaces": list(self.patterns or ())},
        )

    def check_change(self, change: Change, before: JSONMap | None = None) -> None:
        """Refuse a change that would touch an identifier outside the key's namespaces,
        or a field of one (`FIELD_NAMESPACES`; `before`: the profile's attributes before
        a `profile.updated`, which carries the whole new map)."""
        if self.patterns is None:
            return
        for key in touched(change.type, change.payload):
            if not self.allows(key.namespace):
                # What the caller named is named back; what the graph held is not.
                raise self.refusal(None if change.type in _KEY_LISTS else key.namespace)
        after = _field_map(change.type, change.payload)
        for name in self.hidden_fields():
            if after.get(name) != (before or {}).get(name):
                raise self.refusal(name)

    def hidden_fields(self) -> tuple[str, ...]:
        """The `FIELD_NAMESPACES` this key may not use."""
        return tuple(name for name in FIELD_NAMESPACES if not self.allows(name))

    def redact(self, value: Any) -> Any:
        """`value` (a use case's outcome) with every identifier outside the key's
        namespaces left out: in profiles, lists of identifiers and events."""
        if self.patterns is None:
            return value
        return _redact(self, value)


UNLIMITED: Final = NamespaceScope()


def _pattern(raw: Any, field: str) -> str:
    if not isinstance(raw, str):
        raise AkaError(Code.INVALID_INPUT, f"{field} must be a string", field=field)
    stem = raw[:-1] if raw.endswith(WILDCARD) else raw
    if WILDCARD in stem or not stem:
        raise AkaError(
            Code.INVALID_INPUT,
            f"{field} must be a namespace, or a prefix of at least one character followed "
            f"by a single trailing '*'; got {raw!r}",
            field=field,
        )
    checked = normalize.namespace(stem, field)
    return checked + WILDCARD if raw.endswith(WILDCARD) else checked


# --- what a change touches ----------------------------------------------------------------

# Payload lists of identifier keys (`[namespace, value]`) per event type; the linking
# events hold items (`linked_keys`), the single-identifier ones `namespace` at the top.
_KEY_LISTS: Final = {
    ev.PROFILE_MERGED: ("identifiers", "demoted"),
    ev.PROFILE_UNMERGED: ("identifiers", "promoted"),
    ev.PROFILE_DELETED: ("identifiers",),
}
_SINGLE: Final = frozenset({ev.IDENTIFIER_CHANGED, ev.IDENTIFIER_RENAMED, ev.IDENTIFIER_UNLINKED})


def touched(event_type: str, payload: JSONMap) -> list[IdentifierKey]:
    """Every identifier an event adds, moves, changes or erases."""
    if event_type in (ev.PROFILE_CREATED, ev.IDENTIFIER_LINKED):
        return ev.linked_keys(payload)
    if event_type in _SINGLE:
        key = IdentifierKey(str(payload["namespace"]), str(payload["value"]))
        if event_type == ev.IDENTIFIER_RENAMED:
            return [key, IdentifierKey(key.namespace, str(payload["new_value"]))]
        return [key]
    if event_type == ev.PROFILE_RENAMED:
        names = [
            payload["previous"],
            *([payload["external_id"]] if payload.get("reclaimed") else []),
        ]
        return [IdentifierKey(ev.EXTERNAL_IDS, str(name)) for name in names]
    return [
        ev.key_from_json(raw)
        for name in _KEY_LISTS.get(event_type, ())
        for raw in payload.get(name) or ()
    ]


def _field_map(event_type: str, payload: JSONMap) -> JSONMap:
    """The profile fields an event sets: the new map, or what a merge carried over."""
    if event_type in (ev.PROFILE_CREATED, ev.PROFILE_UPDATED):
        return dict(payload.get("attributes") or {})
    if event_type == ev.PROFILE_MERGED:
        return dict(payload.get("attributes_added") or {})
    return {}


def _without(fields: tuple[str, ...], attributes: JSONMap) -> JSONMap:
    return {k: v for k, v in attributes.items() if k not in fields}


def redact_event(scope: NamespaceScope, event: Event) -> Event:
    hidden = scope.hidden_fields()
    name = "attributes_added" if event.type == ev.PROFILE_MERGED else "attributes"
    fields = event.payload.get(name) if event.type in _FIELD_EVENTS else None
    if hidden and isinstance(fields, dict) and any(f in fields for f in hidden):
        event = dataclasses.replace(
            event, payload={**event.payload, name: _without(hidden, fields)}
        )
    return _redact_identifiers(scope, event)


_FIELD_EVENTS: Final = frozenset({ev.PROFILE_CREATED, ev.PROFILE_UPDATED, ev.PROFILE_MERGED})


def _redact_identifiers(scope: NamespaceScope, event: Event) -> Event:
    """The event as a limited key sees it: other namespaces' identifiers left out of its
    lists; an event about one such identifier keeps its type, profile and sequence
    (the feed's cursor) but an empty payload."""
    payload = event.payload
    if event.type in _SINGLE or (event.type == ev.IDENTIFIER_LINKED and "namespace" in payload):
        if scope.allows(str(payload.get("namespace"))):
            return event
        return dataclasses.replace(event, payload={})
    if event.type in (ev.PROFILE_CREATED, ev.IDENTIFIER_LINKED):
        items = payload.get("identifiers") or []
        kept = [item for item in items if scope.allows(item["namespace"])]
        if len(kept) == len(items):
            return event
        return dataclasses.replace(event, payload={**payload, "identifiers": kept})
    names = _KEY_LISTS.get(event.type)
    if names is None:
        return event
    changed = dict(payload)
    for name in names:
        raw = payload.get(name) or []
        keep = [n for n, item in enumerate(raw) if scope.allows(str(item[0]))]
        if len(keep) == len(raw):
            continue
        changed[name] = [raw[n] for n in keep]
        if name == "identifiers" and "identifier_seqs" in payload:  # parallel to it
            changed["identifier_seqs"] = [payload["identifier_seqs"][n] for n in keep]
    return dataclasses.replace(event, payload=changed)


def _hidden(scope: NamespaceScope, value: Any) -> bool:
    if isinstance(value, Identifier | IdentifierKey):
        return not scope.allows(value.namespace)
    # A row about one identifier (e.g. `(key, kind)`): left out with its identifier.
    return isinstance(value, tuple) and any(
        isinstance(part, Identifier | IdentifierKey) and not scope.allows(part.namespace)
        for part in value
    )


def _redact(scope: NamespaceScope, value: Any) -> Any:
    if isinstance(value, ResolvedProfile):
        seen = tuple(i for i in value.identifiers if scope.allows(i.namespace))
        profile = _redact(scope, value.profile)
        if len(seen) == len(value.identifiers) and profile is value.profile:
            return value
        return ResolvedProfile(profile, seen)
    if isinstance(value, Profile):
        hidden = scope.hidden_fields()
        if not any(name in value.attributes for name in hidden):
            return value
        return dataclasses.replace(value, attributes=_without(hidden, value.attributes))
    if isinstance(value, Event):
        return redact_event(scope, value)
    if isinstance(value, list | tuple | dict):
        return _redact_container(scope, value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {}
        for f in dataclasses.fields(value):
            if not f.init:
                continue
            old = getattr(value, f.name)
            new = _redact(scope, old)
            if new is not old:
                changes[f.name] = new
        return dataclasses.replace(value, **changes) if changes else value
    return value


def _redact_container(scope: NamespaceScope, value: Any) -> Any:
    if isinstance(value, list):
        kept = [_redact(scope, v) for v in value if not _hidden(scope, v)]
        return value if _same(kept, value) else kept
    if isinstance(value, tuple):
        if value and all(isinstance(v, Identifier | IdentifierKey) for v in value):
            shown = tuple(v for v in value if not _hidden(scope, v))
        else:
            shown = tuple(_redact(scope, v) for v in value)  # a fixed shape: keep its length
        return value if _same(shown, value) else shown
    held = {k: _redact(scope, v) for k, v in value.items() if not _hidden(scope, v)}
    return value if _same(list(held.values()), list(value.values())) else held


def _same(new: list[Any] | tuple[Any, ...], old: list[Any] | tuple[Any, ...]) -> bool:
    """Nothing was left out or changed: the caller keeps the original object."""
    return len(new) == len(old) and all(a is b for a, b in zip(new, old, strict=True))


# --- the request's scope --------------------------------------------------------------

_current: ContextVar[NamespaceScope] = ContextVar("aka_namespace_scope", default=UNLIMITED)


def current() -> NamespaceScope:
    """The scope of the key whose request runs in this context (UNLIMITED outside one)."""
    return _current.get()


def begin() -> Token[NamespaceScope]:
    """A request starts without a limit until its key is known (`enter`); `end` puts
    back what the caller's context held (an in-process caller shares its context)."""
    return _current.set(UNLIMITED)


def end(token: Token[NamespaceScope]) -> None:
    _current.reset(token)


def enter(scope: NamespaceScope) -> None:
    """Set the request's scope: the HTTP layer calls it after authentication, in the
    request's own context (each request runs in a task of its own)."""
    _current.set(scope)


@contextmanager
def acting_as(scope: NamespaceScope) -> Iterator[None]:
    """Run a block with `scope` (tests, background work acting for a key)."""
    token = _current.set(scope)
    try:
        yield
    finally:
        _current.reset(token)
