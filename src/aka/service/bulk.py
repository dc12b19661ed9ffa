"""Thousands of operations in one transaction at database speed, with the ordinary rules.

The use cases in `identities` ask the transaction one question at a time (is this key
taken? how many identifiers does the profile hold?) and append one event at a time. Run
as they are over 10,000 operations, that is tens of thousands of round trips. Here they
run unchanged over a `BufferedTransaction`:

- reads are answered from what one `IN` query per chunk prefetched for a whole window of
  operations, plus what the buffer itself wrote;
- `profile.created`, `identifier.linked`, `membership.added` and `membership.removed`
  events are kept in a buffer (and in the buffer's view of the graph, so later
  operations see them) and written by one `append_many`: a few multi-row statements
  per window;
- anything else the buffer does not model (a merge, an unlink...) raises
  `NeedsSlowPath`: the operation's buffered effects are undone, the buffer is flushed,
  and the operation runs on the real transaction exactly as it would alone.

So the graph rules live only in the use cases; this module only decides where their
reads come from and when their writes reach the database. A refused operation is undone
in the buffer (its savepoint) without a database savepoint round trip.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, Final, TypeVar, cast

from aka.core import events as ev
from aka.core import normalize
from aka.core.errors import AkaError
from aka.core.events import Change
from aka.core.model import Event, Identifier, IdentifierKey, Kind, Membership, Profile
from aka.core.ports import Transaction
from aka.core.settings import WorkspaceSettings
from aka.core.state import ReplayError
from aka.service.batch import attempt

T = TypeVar("T")

# Operations planned per prefetch: big enough that the IN queries are few, small enough
# that the window's reads stay a few MB.
WINDOW: Final = 2000


class NeedsSlowPath(Exception):  # noqa: N818 - a signal, not an error
    """The buffered transaction was asked for something it does not model."""


@dataclass(frozen=True, slots=True)
class Wants:
    """What one operation will look up: prefetched for a whole window at once. Raw
    values (as the caller sent them); ones that fail to normalise are skipped here and
    refused by the operation itself."""

    identifiers: Sequence[tuple[Any, Any]] = ()  # (namespace, value)
    profile_ids: Sequence[str] = ()
    external_ids: Sequence[Any] = ()
    members: Sequence[str] = ()  # profile ids whose groups it reads (`groups_of`)
    # True for operations the buffer never models (unlink, merge...): they run straight
    # on the real transaction, with nothing prefetched for them.
    slow: bool = False


SLOW: Final = Wants(slow=True)


@dataclass
class _Overlay:
    """What the transaction holds as far as the buffer knows. `None` records a known
    absence; a profile in `views` has its complete identifier set known."""

    identifiers: dict[IdentifierKey, Identifier | None] = field(default_factory=dict)
    profiles: dict[str, Profile | None] = field(default_factory=dict)
    by_external_id: dict[str, str | None] = field(default_factory=dict)
    views: dict[str, set[IdentifierKey]] = field(default_factory=dict)
    groups: dict[str, dict[str, Membership]] = field(default_factory=dict)  # member: group: edge


class BufferedTransaction:
    """A `Transaction` for the use cases that create profiles and link identifiers,
    answering from a prefetched overlay and writing through `append_many`."""

    def __init__(self, real: Transaction) -> None:
        self.workspace_id = real.workspace_id
        self.real = real
        self._settings: WorkspaceSettings | None = None
        self._o = _Overlay()
        self._pending: list[Change] = []
        self._at: datetime | None = None
        self._last_seq: int | None = None
        # Undo log of overlay changes; savepoints remember a length of it.
        self._undo: list[Callable[[], None]] = []
        self._depth = 0

    # --- what the runner drives ---------------------------------------------------------
    def prefetch(self, wants: Iterable[Wants]) -> None:
        """Load, with one query per chunk, everything these operations will ask about."""
        settings = self.settings()
        o = self._o
        keys: set[IdentifierKey] = set()
        ids: set[str] = set()
        exts: set[str] = set()
        members: set[str] = set()
        for want in wants:
            members.update(m for m in want.members if isinstance(m, str))
            for namespace, value in want.identifiers:
                try:
                    keys.add(normalize.lookup_key(namespace, value, settings))
                except AkaError:
                    continue
            ids.update(p for p in want.profile_ids if isinstance(p, str))
            for raw in want.external_ids:
                try:
                    exts.add(normalize.external_id(raw))
                except AkaError:
                    continue
        missing_keys = keys - o.identifiers.keys()
        found = self.real.identifiers_by_keys(missing_keys) if missing_keys else {}
        for key in missing_keys:
            o.identifiers[key] = found.get(key)
        missing_exts = exts - o.by_external_id.keys()
        holders = self.real.profiles_by_external_ids(missing_exts) if missing_exts else {}
        for ext in missing_exts:
            holder = holders.get(ext)
            o.by_external_id[ext] = holder.id if holder else None
            if holder is not None:
                o.profiles.setdefault(holder.id, holder)
        ids.update(found[k].profile_id for k in keys if (found.get(k)))
        self._load_profiles(ids)
        # Tombstones forward one hop: their survivors are what the operations will use.
        self._load_profiles({p.merged_into for p in self._known_profiles() if p.merged_into})
        self._load_views({p.id for p in self._known_profiles() if p.merged_into is None})
        self._load_groups(members)

    def flush(self) -> None:
        """Write the buffered events (a few multi-row statements)."""
        if not self._pending:
            return
        assert self._at is not None
        assert self._last_seq is not None
        expected = self._last_seq - len(self._pending) + 1
        written = self.real.append_many(self._pending, self._at)
        if written[0].seq != expected:
            raise ReplayError(
                f"bulk append numbered events from {written[0].seq}, the buffer from {expected}"
            )
        self._pending, self._at = [], None

    def discard(self) -> None:
        """Forget the buffer and everything known: after a slow-path operation changed
        the real transaction, or after a failed flush."""
        self._o = _Overlay()
        self._pending, self._at, self._last_seq = [], None, None
        self._undo.clear()

    # --- the Transaction subset the use cases need --------------------------------------
    @contextmanager
    def savepoint(self) -> Iterator[None]:
        mark, pending, seq = len(self._undo), len(self._pending), self._last_seq
        self._depth += 1
        try:
            yield
        except BaseException:
            while len(self._undo) > mark:
                self._undo.pop()()
            del self._pending[pending:]
            self._last_seq = seq
            raise
        finally:
            self._depth -= 1
        if self._depth == 0:
            self._undo.clear()

    def settings(self) -> WorkspaceSettings:
        if self._settings is None:
            self._settings = self.real.settings()
        return self._settings

    def identifier(self, key: IdentifierKey) -> Identifier | None:
        if key not in self._o.identifiers:
            self._o.identifiers[key] = self.real.identifier(key)
        return self._o.identifiers[key]

    def profile(self, profile_id: str) -> Profile | None:
        if profile_id not in self._o.profiles:
            self._o.profiles[profile_id] = self.real.profile(profile_id)
        return self._o.profiles[profile_id]

    def profile_by_external_id(self, external_id: str) -> Profile | None:
        if external_id not in self._o.by_external_id:
            holder = self.real.profile_by_external_id(external_id)
            self._o.by_external_id[external_id] = holder.id if holder else None
            if holder is not None:
                self._o.profiles.setdefault(holder.id, holder)
        holder_id = self._o.by_external_id[external_id]
        return None if holder_id is None else self.profile(holder_id)

    def identifiers_of(self, profile_id: str) -> list[Identifier]:
        found = [self._o.identifiers[k] for k in self._view(profile_id)]
        return sorted((i for i in found if i is not None), key=lambda i: (i.namespace, i.value))

    def count_in_namespace(self, profile_id: str, namespace: str) -> int:
        return sum(1 for key in self._view(profile_id) if key.namespace == namespace)

    def groups_of(self, member_ids: Collection[str]) -> list[Membership]:
        self._load_groups(set(member_ids))
        return [edge for m in member_ids for edge in self._o.groups[m].values()]

    def append(self, change: Change) -> Event:
        if change.type == ev.PROFILE_CREATED:
            return self._buffer(change, self._created)
        if change.type == ev.IDENTIFIER_LINKED:
            return self._buffer(change, self._linked)
        if change.type == ev.MEMBERSHIP_ADDED:
            return self._buffer(change, self._member_added)
        if change.type == ev.MEMBERSHIP_REMOVED:
            return self._buffer(change, self._member_removed)
        raise NeedsSlowPath(change.type)

    def __getattr__(self, name: str) -> Any:
        # Everything else a use case might call (locks, merges, memberships, history)
        # belongs to the real transaction: leave the buffer and go there.
        raise NeedsSlowPath(name)

    # --- the overlay's reading of the two buffered event types ---------------------------
    def _buffer(self, change: Change, effect: Callable[[Event], None]) -> Event:
        if self._last_seq is None:
            self._last_seq = self.real.last_seq()
        if self._at is None:
            self._at = datetime.now(UTC)
        event = Event(
            self._last_seq + 1,
            change.type,
            change.profile_id,
            self._at,
            change.actor,
            change.payload,
        )
        effect(event)  # may raise NeedsSlowPath before anything is recorded
        self._pending.append(change)
        self._last_seq = event.seq
        return event

    def _created(self, e: Event) -> None:
        o, pid = self._o, e.profile_id
        ext = e.payload.get("external_id")
        # Only what is known is checked (a fresh id is not looked up): the use case
        # checked the rest, and the database's keys refuse the flush if it was wrong.
        if pid is None or o.profiles.get(pid) is not None:
            raise NeedsSlowPath("profile.created over an existing profile")
        if ext is not None and o.by_external_id.get(ext) is not None:
            raise NeedsSlowPath("profile.created with a held external id")
        profile = Profile(
            id=pid,
            external_id=ext,
            attributes=dict(e.payload.get("attributes") or {}),
            created_at=e.at,
            updated_at=e.at,
        )
        self._set(o.profiles, pid, profile)
        self._set(o.views, pid, set())
        if ext is not None:
            self._set(o.by_external_id, ext, pid)

    def _linked(self, e: Event) -> None:
        o, pid = self._o, e.profile_id
        key = IdentifierKey(e.payload["namespace"], e.payload["value"])
        profile = self.profile(pid) if pid is not None else None
        if profile is None or self.identifier(key) is not None:
            raise NeedsSlowPath("identifier.linked the database would refuse")
        view = self._view(profile.id)
        primary = bool(e.payload.get("primary", False))
        if primary:
            for other in [k for k in view if k.namespace == key.namespace]:
                held = o.identifiers[other]
                if held is not None and held.primary:
                    self._set(o.identifiers, other, replace(held, primary=False, seq=e.seq))
        self._set(
            o.identifiers,
            key,
            Identifier(
                namespace=key.namespace,
                value=key.value,
                profile_id=profile.id,
                kind=Kind(e.payload.get("kind", Kind.USER.value)),
                primary=primary,
                attributes=dict(e.payload.get("attributes") or {}),
                created_at=e.at,
                seq=e.seq,
            ),
        )
        view.add(key)
        self._undo.append(lambda: view.discard(key))
        if profile.updated_at != e.at:
            self._set(o.profiles, profile.id, replace(profile, updated_at=e.at))

    def _member_added(self, e: Event) -> None:
        group_id, member_id = str(e.payload["group_id"]), str(e.payload["member_id"])
        for end in (group_id, member_id):
            known = self.profile(end)
            if known is None or known.merged_into is not None:
                raise NeedsSlowPath("membership.added the database would refuse")
        edges = self._groups(member_id)
        if group_id in edges:
            raise NeedsSlowPath("membership.added over an existing edge")
        self._set(edges, group_id, Membership(group_id, member_id, e.seq))

    def _member_removed(self, e: Event) -> None:
        group_id, member_id = str(e.payload["group_id"]), str(e.payload["member_id"])
        edges = self._groups(member_id)
        if group_id not in edges:
            raise NeedsSlowPath("membership.removed of an edge the buffer does not hold")
        old = edges.pop(group_id)
        self._undo.append(lambda: edges.__setitem__(group_id, old))

    # --- helpers --------------------------------------------------------------------------
    def _set(self, table: dict[Any, Any], key: Any, value: Any) -> None:
        if key in table:
            old = table[key]
            self._undo.append(lambda: table.__setitem__(key, old))
        else:
            self._undo.append(lambda: table.pop(key, None))
        table[key] = value

    def _view(self, profile_id: str) -> set[IdentifierKey]:
        if profile_id not in self._o.views:
            self._load_views({profile_id})
        return self._o.views[profile_id]

    def _groups(self, member_id: str) -> dict[str, Membership]:
        if member_id not in self._o.groups:
            self._load_groups({member_id})
        return self._o.groups[member_id]

    def _load_groups(self, member_ids: set[str]) -> None:
        # As views: a member already known may hold buffered edges the database lacks.
        # (Not `set - keys()`: that copies every known member, on every call.)
        missing = {m for m in member_ids if m not in self._o.groups}
        if not missing:
            return
        for member_id in missing:
            self._o.groups[member_id] = {}
        for edge in self.real.groups_of(missing):
            self._o.groups[edge.member_id][edge.group_id] = edge

    def _known_profiles(self) -> list[Profile]:
        return [p for p in self._o.profiles.values() if p is not None]

    def _load_profiles(self, ids: set[str]) -> None:
        missing = ids - self._o.profiles.keys()
        if not missing:
            return
        found = self.real.profiles_by_ids(missing)
        for pid in missing:
            self._o.profiles[pid] = found.get(pid)

    def _load_views(self, profile_ids: set[str]) -> None:
        # Only profiles without a view: one with a view may hold buffered links that the
        # real transaction cannot see yet.
        missing = profile_ids - self._o.views.keys()
        if not missing:
            return
        for pid in missing:
            self._o.views[pid] = set()
        for ident in self.real.identifiers_of_many(missing):
            self._o.identifiers[ident.key] = ident
            self._o.views[ident.profile_id].add(ident.key)


Work = Callable[[Transaction], T]


def run_all(
    tx: Transaction, works: Sequence[Callable[[Transaction], T]], wants: Sequence[Wants]
) -> list[T | AkaError]:
    """Run the operations in order in `tx`, each standing or falling alone (as
    `batch.run_each` does), with their reads prefetched and their writes buffered.

    `wants[n]` says what operation n will look up. A database failure propagates and
    the whole transaction rolls back, as with `run_each`.
    """
    assert len(works) == len(wants)
    with _collector_paused():
        return _run_all(tx, works, wants)


def run_all_or_refuse(
    tx: Transaction, works: Sequence[Callable[[Transaction], T]], wants: Sequence[Wants]
) -> list[T]:
    """`run_all` for the parts of ONE unit of work (a request's many members, a large
    new profile): every result, or the first refusal raised, so that the caller's
    transaction rolls back whole as it would have done one part at a time."""
    results = run_all(tx, works, wants)
    for result in results:
        if isinstance(result, AkaError):
            raise result
    return cast(list[T], results)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cycle collector re-walks every live object each time enough new ones
    were made; a 10,000-operation overlay makes hundreds of thousands, and the walks
    measured ~25% of a batch. The overlay holds no cycles worth collecting mid-batch."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _run_all(
    tx: Transaction, works: Sequence[Callable[[Transaction], T]], wants: Sequence[Wants]
) -> list[T | AkaError]:
    buffered = BufferedTransaction(tx)
    as_tx = cast(Transaction, buffered)
    results: list[T | AkaError | None] = [None] * len(works)
    unflushed: list[int] = []
    prefetched_to = 0  # operations before this index had their reads prefetched
    for n, (work, want) in enumerate(zip(works, wants, strict=True)):
        if not want.slow:
            if n >= prefetched_to:
                prefetched_to = _next_stop(wants, n)
                buffered.prefetch(wants[n:prefetched_to])
            try:
                results[n] = attempt(as_tx, work)
                unflushed.append(n)
                continue
            except NeedsSlowPath:
                pass
        _flush(buffered, works, results, unflushed)
        unflushed = []
        buffered.discard()
        prefetched_to = n + 1  # what was prefetched may have changed: fetch again
        results[n] = attempt(tx, work)
    _flush(buffered, works, results, unflushed)
    return cast(list[T | AkaError], results)


def _next_stop(wants: Sequence[Wants], start: int) -> int:
    """The end of the window starting at `start`: WINDOW operations, or fewer when a
    slow one comes first (it discards what was prefetched)."""
    stop = min(len(wants), start + WINDOW)
    for n in range(start, stop):
        if wants[n].slow:
            return n
    return stop


def _flush(
    buffered: BufferedTransaction,
    works: Sequence[Callable[[Transaction], T]],
    results: list[T | AkaError | None],
    unflushed: list[int],
) -> None:
    try:
        buffered.flush()
    except ReplayError:
        # The database refused what the buffer planned: a bug, but not one to lose or
        # half-write operations over. `append_many` wrote nothing; run them one by one.
        buffered.discard()
        for n in unflushed:
            results[n] = attempt(buffered.real, works[n])
