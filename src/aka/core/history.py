"""The graph as it was after any event: the identifier history and the profile fold
(ADR 0025).

Two readings, each held to replaying the log into a fresh `GraphState` up to that event
(`tests/storage/test_store_contract_as_of.py`):

- **Identifiers** keep a history: every version of an identifier row, with the event
  that made it (`from_seq`) and the one that replaced or removed it (`to_seq`, None
  while current). `IdentifierHistory` is the in-memory twin of the SQL table
  `identifier_spans`; both are written by the one rule in `IdentifierHistory.apply`:
  after an event, each identifier it wrote gets a new version (or none, when the event
  removed it), and an erasure (`profile.deleted`) removes every version of the erased
  identifiers and of the erased profiles, so no past answer can bring them back.
- **A profile's own fields** (external id, attributes, merged into, times) are folded
  from the events about it up to that event (`profile_at`): the events table already
  indexes them by profile, and a profile has few such events, so no second table pays
  a write for every profile created.

What erasure left in the log is never answered: a redacted value (an identifier, an
attribute value, an external id) is left out, and a profile that no longer exists (it was
deleted: only erasure removes profile rows) is not answered at any moment (`visible`).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass, replace
from typing import Any, Final

from aka.core import events as ev
from aka.core.model import Event, Identifier, IdentifierKey, Profile, ResolvedProfile
from aka.core.state import GraphState, is_redacted

# Event types that change a profile's own fields, or touch it (its `updated_at`).
_TOUCHING: Final = frozenset(
    {
        ev.IDENTIFIER_LINKED,
        ev.IDENTIFIER_CHANGED,
        ev.IDENTIFIER_RENAMED,
        ev.IDENTIFIER_UNLINKED,
    }
)
# A merged profile forwards; a chain longer than this is a log that does not add up.
MAX_HOPS: Final = 64


@dataclass(frozen=True, slots=True)
class Span:
    """One version of an identifier row: as `identifier` says from event `from_seq` until
    event `to_seq` replaced or removed it (None: it is the current row)."""

    identifier: Identifier
    from_seq: int
    to_seq: int | None = None

    def holds_at(self, seq: int) -> bool:
        return self.from_seq <= seq and (self.to_seq is None or self.to_seq > seq)


def erased_by(state: GraphState, event: Event) -> tuple[list[IdentifierKey], list[str]] | None:
    """For a `profile.deleted`, read before it applies: the identifiers it erases (those
    its payload lists) and the profiles (the deleted one and its tombstones), whose
    every version goes. None for any other event."""
    if event.type != ev.PROFILE_DELETED or event.profile_id is None:
        return None
    family = [event.profile_id, *state.profiles.tombstones_of(event.profile_id)]
    return erased_keys(event.payload), family


def erased_keys(payload: dict[str, Any]) -> list[IdentifierKey]:
    """The identifiers a `profile.deleted` erases: those the profile held (`identifiers`)
    and those it held before and nobody holds now (`erased`, written since ADR 0025;
    earlier deletions erased only the first from the history)."""
    return ev.keys_from_json([*payload.get("identifiers", []), *payload.get("erased", [])])


@dataclass(frozen=True, slots=True)
class Step:
    """What one event did to the identifier history: each identifier row it wrote as the
    event left it (None: removed), or, for an erasure, what it erases."""

    seq: int
    versions: tuple[tuple[IdentifierKey, Identifier | None], ...] = ()
    erased: tuple[list[IdentifierKey], list[str]] | None = None


def step(state: GraphState, event: Event) -> Step:
    """Apply `event` to `state` and say what it did to the identifier history (the rows
    it wrote are read from the state's journal, so no event type is listed here).
    Raises as `GraphState.apply` does."""
    erased = erased_by(state, event)
    journal = state.journal()
    mark = journal.mark()
    state.apply(event)
    if erased is not None:
        return Step(event.seq, erased=erased)
    keys = journal.keys_since(mark, state.identifiers)
    return Step(event.seq, tuple((key, state.identifiers.get(key)) for key in keys))


class IdentifierHistory:
    """Every version of every identifier row of one workspace, in memory: the twin of
    `identifier_spans` (the memory store's, and the backfill's of an existing store)."""

    def __init__(self) -> None:
        self._by_key: dict[IdentifierKey, list[Span]] = {}

    def apply(self, state: GraphState, event: Event) -> None:
        """Apply `event` to `state` and record what it did to the identifiers: the one
        rule every backend keeps (SQL: `sql_history.SqlHistory`). Raises as
        `GraphState.apply` does, with neither changed."""
        self.take(step(state, event))

    def take(self, done: Step) -> None:
        """Record one applied event (`step`): a batch refused half-way records none."""
        if done.erased is not None:
            self.erase(*done.erased)
            return
        for key, now in done.versions:
            spans = self._by_key.setdefault(key, [])
            if spans and spans[-1].to_seq is None:
                spans[-1] = replace(spans[-1], to_seq=done.seq)
            if now is not None:
                spans.append(Span(now, done.seq))
            if not spans:
                del self._by_key[key]

    def erase(self, keys: Collection[IdentifierKey], profile_ids: Collection[str]) -> None:
        """Forget every version of these identifiers, and every version held by these
        profiles (erasure)."""
        gone = set(profile_ids)
        for key in set(keys):
            self._by_key.pop(key, None)
        for key in list(self._by_key):
            kept = [s for s in self._by_key[key] if s.identifier.profile_id not in gone]
            if kept:
                self._by_key[key] = kept
            else:
                del self._by_key[key]

    def at(self, key: IdentifierKey, seq: int) -> Identifier | None:
        return next((s.identifier for s in self._by_key.get(key, ()) if s.holds_at(seq)), None)

    def of_profile(self, profile_id: str, seq: int) -> list[Identifier]:
        found = (
            s.identifier
            for spans in self._by_key.values()
            for s in spans
            if s.identifier.profile_id == profile_id and s.holds_at(seq)
        )
        return sorted(found, key=lambda i: (i.namespace, i.value))

    def holders(self, keys: Collection[IdentifierKey]) -> set[str]:
        return {s.identifier.profile_id for key in keys for s in self._by_key.get(key, ())}

    def spans(self) -> Iterator[Span]:
        """Every version, by key then age."""
        for key in sorted(self._by_key):
            yield from self._by_key[key]


def profile_at(profile_id: str, events: Iterable[Event], seq: int) -> Profile | None:
    """The profile's own row just after event `seq`, folded from the events about it
    (`EventLogReads.events_about`: its own, and the merges and unmerges naming it), or
    None when it did not exist then. `GraphState`'s handlers are the specification;
    this reads only the profile's part of them.

    `merged_into` is the profile it was merged into itself: a later merge of that one
    repoints the tombstone in the graph, and `forward` reaches the same live profile by
    following the chain."""
    p: Profile | None = None
    for e in events:
        if e.seq > seq:
            break
        payload = e.payload
        if e.type == ev.PROFILE_CREATED and e.profile_id == profile_id:
            p = Profile(
                id=profile_id,
                external_id=payload.get("external_id"),
                attributes=dict(payload.get("attributes") or {}),
                created_at=e.at,
                updated_at=e.at,
            )
        elif p is None:
            continue
        elif e.type == ev.PROFILE_DELETED:
            if profile_id == e.profile_id or profile_id in payload.get("tombstones", []):
                p = None
        elif e.type in (ev.PROFILE_MERGED, ev.PROFILE_UNMERGED):
            p = _merge_side(p, e)
        elif e.profile_id != profile_id:
            continue
        elif e.type == ev.PROFILE_UPDATED:
            p = replace(p, attributes=dict(payload["attributes"]), updated_at=e.at)
        elif e.type in (ev.PROFILE_IDENTIFIED, ev.PROFILE_RENAMED):
            p = replace(p, external_id=payload["external_id"], updated_at=e.at)
        elif e.type in _TOUCHING:
            p = replace(p, updated_at=e.at)
    return p


def _merge_side(p: Profile, e: Event) -> Profile:
    """What a merge or an unmerge did to one of its two profiles (or to a tombstone it
    repointed), as `GraphState._profile_merged` / `_profile_unmerged` do."""
    payload = e.payload
    keep, merge = payload["keep"], payload["merge"]
    moved = payload.get("external_id_moved")
    merged = e.type == ev.PROFILE_MERGED
    if p.id == keep:
        if merged:
            attributes = {**p.attributes, **(payload.get("attributes_added") or {})}
            external_id = moved if moved is not None else p.external_id
        else:
            removed = set(payload.get("attributes_removed") or [])
            attributes = {k: v for k, v in p.attributes.items() if k not in removed}
            external_id = None if moved is not None else p.external_id
        return replace(p, attributes=attributes, external_id=external_id, updated_at=e.at)
    if p.id == merge:
        if merged:
            external_id = None if moved is not None else p.external_id
            return replace(p, merged_into=keep, external_id=external_id, updated_at=e.at)
        external_id = moved if moved is not None else p.external_id
        return replace(p, merged_into=None, external_id=external_id, updated_at=e.at)
    if p.id in payload.get("tombstones", []):
        return replace(p, merged_into=keep if merged else merge)
    return p


def visible(resolved: ResolvedProfile) -> ResolvedProfile:
    """A past profile without what erasure redacted: identifiers whose value is a
    placeholder, attribute values that are one, a placeholder external id."""
    p = resolved.profile
    attributes = {k: v for k, v in p.attributes.items() if not _redacted_value(v)}
    external_id = None if is_redacted(p.external_id) else p.external_id
    return ResolvedProfile(
        replace(p, attributes=attributes, external_id=external_id),
        tuple(i for i in resolved.identifiers if not is_redacted(i.value)),
    )


def _redacted_value(value: Any) -> bool:
    return isinstance(value, str) and is_redacted(value)


def external_id_moves(external_id: str, events: Iterable[Event]) -> set[str]:
    """The profiles a merge or an unmerge among these events moved `external_id` to or
    from: where else it may have been held."""
    found: set[str] = set()
    for e in events:
        moves = e.type in (ev.PROFILE_MERGED, ev.PROFILE_UNMERGED)
        if moves and e.payload.get("external_id_moved") == external_id:
            found |= {e.payload["keep"], e.payload["merge"]}
    return found
