"""Thousands of operations in one transaction at database speed, with the ordinary rules.

The use cases in `identities` ask the transaction one question at a time (is this key
taken? how many identifiers does the profile hold?) and append one event at a time. Run
as they are over 10,000 operations, that is tens of thousands of round trips. Here they
run unchanged over a `BufferedTransaction`:

- reads are answered from the part of the graph that one `IN` query per chunk
  prefetched for a whole window of operations;
- `profile.created`, `identifier.linked`, `membership.added` and `membership.removed`
  events are applied to that part with `GraphState` (so later operations see them) and
  written by one `append_many`: a few multi-row statements per window;
- anything else (a merge, an unlink...) raises `NeedsSlowPath`: the operation's
  buffered effects are undone, the buffer is flushed, and the operation runs on the real
  transaction exactly as it would alone.

The operations are commands (`service.commands`): each says what it will read
(`Command.reads()`), so a window's reads are known before any of it runs.

So the graph rules live only in the use cases and the meaning of each event only in
`GraphState`; this module only decides where reads come from and when writes reach the
database. A refused operation is undone in the buffer (its savepoint, a journal mark)
without a database savepoint round trip.
"""

from __future__ import annotations

import gc
from collections.abc import Collection, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, Final, TypeVar, cast

from aka.core import events as ev
from aka.core import normalize
from aka.core.errors import AkaError
from aka.core.events import EXTERNAL_IDS, Change
from aka.core.model import Event, Identifier, IdentifierKey, Membership, Profile
from aka.core.ports import Transaction
from aka.core.settings import WorkspaceSettings
from aka.core.state import GraphState, ReplayError
from aka.service.batch import attempt
from aka.service.commands import Command, Reads, SetCommand

T = TypeVar("T")

# Operations planned per prefetch: big enough that the IN queries are few, small enough
# that the window's reads stay a few MB.
WINDOW: Final = 2000


class NeedsSlowPath(Exception):  # noqa: N818 - a signal, not an error
    """The buffered transaction was asked for something it does not model."""


# The event types the buffer holds back for `append_many`; any other runs on the real
# transaction.
_BUFFERED: Final = frozenset(
    {ev.PROFILE_CREATED, ev.IDENTIFIER_LINKED, ev.MEMBERSHIP_ADDED, ev.MEMBERSHIP_REMOVED}
)


class BufferedTransaction:
    """A `Transaction` for the use cases that create profiles, link identifiers and
    change memberships: it answers from the part of the graph it read (prefetched for a
    window of operations) and applies their events to that part with `GraphState` (the
    specification of every event), holding the events back for one `append_many`.

    What it has read is remembered as known, present or absent: a key, profile, external
    id, a profile's whole identifier set (its view) or a member's edges. Rows read are
    loaded into the state unjournalled; the events applied are journalled, so a refused
    operation's savepoint takes back exactly its own writes."""

    def __init__(self, real: Transaction) -> None:
        self.workspace_id = real.workspace_id
        self.real = real
        self._settings: WorkspaceSettings | None = None
        self._reset()

    def _reset(self) -> None:
        self._state = GraphState()
        self._journal = self._state.journal()
        self._known_keys: set[IdentifierKey] = set()
        self._known_profiles: set[str] = set()
        self._known_externals: set[str] = set()
        self._viewed: set[str] = set()  # profiles whose every identifier is in the state
        self._grouped: set[str] = set()  # members whose every edge upwards is in it
        self._pending: list[Change] = []
        self._at: datetime | None = None
        self._last_seq: int | None = None
        self._depth = 0

    # --- what the runner drives ---------------------------------------------------------
    def prefetch(self, reads: Iterable[Reads]) -> None:
        """Load, with one query per chunk, everything these operations will ask about."""
        settings = self.settings()
        keys: set[IdentifierKey] = set()
        ids: set[str] = set()
        exts: set[str] = set()
        members: set[str] = set()
        for read in reads:
            members.update(m for m in read.members if isinstance(m, str))
            for namespace, value in read.identifiers:
                try:
                    keys.add(normalize.lookup_key(namespace, value, settings))
                except AkaError:
                    continue
            ids.update(p for p in read.profile_ids if isinstance(p, str))
            for raw in read.external_ids:
                try:
                    exts.add(normalize.external_id(raw))
                except AkaError:
                    continue
        # An external id nobody holds as current may name a profile as a deprecated one
        # (`refs.by_external_id`, ADR 0024): read with the identifiers, same query.
        keys.update(IdentifierKey(EXTERNAL_IDS, ext) for ext in exts)
        self._load_keys(keys)
        self._load_externals(exts)
        state = self._state
        ids.update(state.identifiers[k].profile_id for k in keys if k in state.identifiers)
        self._load_profiles(ids)
        # Tombstones forward one hop: their survivors are what the operations will use.
        self._load_profiles({p.merged_into for p in state.profiles.values() if p.merged_into})
        self._load_views({p.id for p in state.profiles.values() if p.merged_into is None})
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
        self._reset()

    # --- the Transaction subset the use cases need --------------------------------------
    @contextmanager
    def savepoint(self) -> Iterator[None]:
        mark, pending, seq = self._journal.mark(), len(self._pending), self._last_seq
        self._depth += 1
        try:
            yield
        except BaseException:
            self._journal.undo_to(mark)
            del self._pending[pending:]
            self._last_seq = seq
            raise
        finally:
            self._depth -= 1
        if self._depth == 0:
            self._journal.forget()

    def settings(self) -> WorkspaceSettings:
        if self._settings is None:
            self._settings = self.real.settings()
        return self._settings

    def identifier(self, key: IdentifierKey) -> Identifier | None:
        self._load_keys({key})
        return self._state.identifiers.get(key)

    def profile(self, profile_id: str) -> Profile | None:
        self._load_profiles({profile_id})
        return self._state.profiles.get(profile_id)

    def profile_by_external_id(self, external_id: str) -> Profile | None:
        self._load_externals({external_id})
        holders = self._state.profiles.holders(external_id)
        return self._state.profiles[holders[0]] if holders else None

    def identifiers_of(self, profile_id: str) -> list[Identifier]:
        self._load_views({profile_id})
        return self._state.identifiers_of(profile_id)

    def count_in_namespace(self, profile_id: str, namespace: str) -> int:
        self._load_views({profile_id})
        keys = self._state.identifiers.keys_of(profile_id)
        return sum(1 for key in keys if key.namespace == namespace)

    def groups_of(self, member_ids: Collection[str]) -> list[Membership]:
        self._load_groups(set(member_ids))
        edges = self._state.memberships
        return [
            Membership(g, m, edges[(g, m)])
            for member in member_ids
            for g, m in edges.touching(member)
            if m == member
        ]

    def identifiers_by_keys(
        self, keys: Collection[IdentifierKey]
    ) -> dict[IdentifierKey, Identifier]:
        self._load_keys(set(keys))
        held = self._state.identifiers
        return {key: held[key] for key in keys if key in held}

    def profiles_by_ids(self, profile_ids: Collection[str]) -> dict[str, Profile]:
        self._load_profiles(set(profile_ids))
        held = self._state.profiles
        return {pid: held[pid] for pid in profile_ids if pid in held}

    def profiles_by_external_ids(self, external_ids: Collection[str]) -> dict[str, Profile]:
        self._load_externals(set(external_ids))
        profiles = self._state.profiles
        return {
            ext: profiles[holders[0]] for ext in external_ids if (holders := profiles.holders(ext))
        }

    def append_many(self, changes: Sequence[Change], at: datetime) -> list[Event]:
        # (Each takes the buffer's time: one per flush, as `append_many` gives.)
        del at
        return [self.append(change) for change in changes]

    def append(self, change: Change) -> Event:
        if change.type not in _BUFFERED:
            raise NeedsSlowPath(change.type)
        self._read_before(change)
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
        try:
            self._state.apply_or_refuse([event])
        except ReplayError as refused:
            # What the database would refuse too: let the real transaction say so.
            raise NeedsSlowPath(str(refused)) from refused
        if change.type == ev.PROFILE_CREATED and change.profile_id is not None:
            self._known_profiles.add(change.profile_id)
            self._viewed.add(change.profile_id)  # it holds exactly what it was made with
        self._pending.append(change)
        self._last_seq = event.seq
        return event

    def __getattr__(self, name: str) -> Any:
        # Everything else a use case might call (locks, merges, memberships, history)
        # belongs to the real transaction: leave the buffer and go there.
        raise NeedsSlowPath(name)

    # --- reads --------------------------------------------------------------------------
    def _read_before(self, change: Change) -> None:
        """Load what `GraphState` looks at to apply this change, so that it decides on
        the whole truth: the keys it links, the profile and its identifiers (primaries
        are demoted, counts kept), the external id it claims, the edges it changes."""
        p, pid = change.payload, change.profile_id
        if change.type in (ev.PROFILE_CREATED, ev.IDENTIFIER_LINKED):
            self._load_keys(set(ev.linked_keys(p)))
            if change.type == ev.IDENTIFIER_LINKED and pid is not None:
                self._load_profiles({pid})
                self._load_views({pid})
            # A new profile's id is not looked up: a fresh UUIDv7 (a chosen one was
            # checked by the use case), and the primary key refuses the flush otherwise.
            if p.get("external_id") is not None:
                self._load_externals({p["external_id"]})
        else:
            group, member = str(p["group_id"]), str(p["member_id"])
            self._load_profiles({group, member})
            self._load_groups({member})

    def _load_keys(self, keys: set[IdentifierKey]) -> None:
        missing = keys - self._known_keys
        if missing:
            self._state.load(self.real.identifiers_by_keys(missing).values())
            self._known_keys |= missing

    def _load_profiles(self, ids: set[str]) -> None:
        missing = ids - self._known_profiles
        if missing:
            self._state.load(self.real.profiles_by_ids(missing).values())
            self._known_profiles |= missing

    def _load_externals(self, external_ids: set[str]) -> None:
        missing = external_ids - self._known_externals
        if missing:
            holders = self.real.profiles_by_external_ids(missing).values()
            self._state.load(holders)
            self._known_profiles.update(p.id for p in holders)
            self._known_externals |= missing

    def _load_views(self, profile_ids: set[str]) -> None:
        # Not for a profile with a view: it may hold buffered links the real
        # transaction cannot see yet (and loading never replaces a held row anyway).
        missing = profile_ids - self._viewed
        if missing:
            found = self.real.identifiers_of_many(missing)
            self._state.load(found)
            self._known_keys.update(i.key for i in found)
            self._viewed |= missing

    def _load_groups(self, member_ids: set[str]) -> None:
        # (Not `set - set` on the callers' side: that copies every known member, on
        # every call.)
        missing = {m for m in member_ids if m not in self._grouped}
        if missing:
            self._state.load(self.real.groups_of(missing))
            self._grouped |= missing


def run_all(tx: Transaction, commands: Sequence[Command[T]]) -> list[T | AkaError]:
    """Run the commands in order in `tx`, each standing or falling alone (as
    `batch.run_each` runs them), with their reads prefetched and their writes buffered:
    each command's outcome, or its refusal.

    A database failure propagates and the whole transaction rolls back, as with
    `run_each`.
    """
    with _collector_paused():
        return _run_all(tx, commands)


def run_all_or_refuse(tx: Transaction, commands: Sequence[Command[T]]) -> list[T]:
    """`run_all` for the parts of ONE unit of work (a request's many members, a large
    new profile): every outcome, or the first refusal raised, so that the caller's
    transaction rolls back whole as it would have done one part at a time."""
    results = run_all(tx, commands)
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


def _run_all(tx: Transaction, commands: Sequence[Command[T]]) -> list[T | AkaError]:
    buffered = BufferedTransaction(tx)
    as_tx = cast(Transaction, buffered)
    reads = [command.reads() for command in commands]
    results: list[T | AkaError | None] = [None] * len(commands)
    unflushed: list[int] = []
    prefetched_to = 0  # operations before this index had their reads prefetched
    n = 0
    while n < len(commands):
        command, read = commands[n], reads[n]
        if isinstance(command, SetCommand):
            # A run of them goes whole to their set-based use case, on the real
            # transaction: what the buffer holds is written first, and forgotten after.
            end = _run_end(commands, n)
            _flush(buffered, commands, results, unflushed)
            unflushed = []
            buffered.discard()
            results[n:end] = _run_set(tx, command, commands[n:end])
            n = prefetched_to = end
            continue
        if not read.direct:
            if n >= prefetched_to:
                prefetched_to = _next_stop(reads, n)
                buffered.prefetch(reads[n:prefetched_to])
            try:
                results[n] = attempt(as_tx, command.run)
                unflushed.append(n)
                n += 1
                continue
            except NeedsSlowPath:
                pass
        _flush(buffered, commands, results, unflushed)
        unflushed = []
        buffered.discard()
        prefetched_to = n + 1  # what was prefetched may have changed: fetch again
        results[n] = attempt(tx, command.run)
        n += 1
    _flush(buffered, commands, results, unflushed)
    return cast(list[T | AkaError], results)


def _run_end(commands: Sequence[Command[Any]], start: int) -> int:
    """The end of the run of commands of the class of `commands[start]`."""
    kind, end = type(commands[start]), start + 1
    while end < len(commands) and type(commands[end]) is kind:
        end += 1
    return end


def _run_set(
    tx: Transaction, first: SetCommand[Any], run: Sequence[Command[T]]
) -> list[T | AkaError]:
    # (Every command of `run` is of `first`'s class: `_run_end` says so.)
    return cast(list[T | AkaError], type(first).run_set(tx, cast(Any, run)))


def _next_stop(reads: Sequence[Reads], start: int) -> int:
    """The end of the window starting at `start`: WINDOW operations, or fewer when a
    direct one comes first (it discards what was prefetched)."""
    stop = min(len(reads), start + WINDOW)
    for n in range(start, stop):
        if reads[n].direct:
            return n
    return stop


def _flush(
    buffered: BufferedTransaction,
    commands: Sequence[Command[T]],
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
            results[n] = attempt(buffered.real, commands[n].run)
