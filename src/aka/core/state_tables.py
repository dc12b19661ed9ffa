"""The three tables of a `GraphState`, each a mapping that keeps its own indexes.

`GraphState` applies each event by looking things up: a profile's identifiers, its
primaries in a namespace, the holders of an external id, the tombstones forwarding to a
profile, the edges touching it. Scanning a whole table for each made replay quadratic
(`aka check` took 99 s at 10k profiles and never finished at 50k: issue 12). Each table
here files every row under those lookups as it is written, so an event costs the same
at the millionth profile as at the first.

The indexes are kept by `__setitem__`/`__delitem__`, the only ways to change a table, so
they cannot drift from the rows, whoever writes (replay, the memory store, a test).
"""

from __future__ import annotations

from collections.abc import (
    ItemsView,
    Iterable,
    Iterator,
    KeysView,
    Mapping,
    MutableMapping,
    ValuesView,
)
from typing import Any, Final, Generic, TypeVar

from aka.core.model import Identifier, IdentifierKey, Profile

K = TypeVar("K")
V = TypeVar("V")

Edge = tuple[str, str]  # (group_id, member_id)


class _Few(tuple[Any, ...]):
    """A handful of values filed under one key, told apart from a lone value that is
    itself a tuple (an edge) by its type."""

    __slots__ = ()


_FEW: Final = 8  # more values than this go in a set: O(1) to add and remove


class MultiIndex(Generic[K, V]):
    """Each key's values. Stored by how many there are, for memory: a lone value bare,
    up to `_FEW` in a tuple, more in a set. A million-profile replay files two or three
    values under most keys, and the smallest set costs 216 bytes against 72 for a
    pair in a tuple (a tenth of the replay's memory)."""

    __slots__ = ("_map",)

    def __init__(self) -> None:
        self._map: dict[K, Any] = {}

    def add(self, key: K, value: V) -> None:
        held = self._map.get(key)
        if held is None:
            self._map[key] = value
        elif type(held) is set:
            held.add(value)
        elif type(held) is _Few:
            if value not in held:
                more = (*held, value)
                self._map[key] = _Few(more) if len(more) <= _FEW else set(more)
        elif held != value:
            self._map[key] = _Few((held, value))

    def discard(self, key: K, value: V) -> None:
        held = self._map.get(key)
        if held is None:
            return
        if type(held) is set:
            held.discard(value)
            if len(held) == 1:
                self._map[key] = next(iter(held))
        elif type(held) is _Few:
            if value in held:
                rest = tuple(v for v in held if v != value)
                self._map[key] = rest[0] if len(rest) == 1 else _Few(rest)
        elif held == value:
            del self._map[key]

    def get(self, key: K) -> tuple[V, ...]:
        """The values filed under `key` (a copy: the caller may change the table)."""
        held = self._map.get(key)
        if held is None:
            return ()
        if type(held) is set:
            return tuple(held)
        if type(held) is _Few:
            return held
        return (held,)

    def shared(self) -> Iterator[tuple[K, int]]:
        """Each key filed under more than one value, with how many."""
        for key, held in self._map.items():
            if type(held) is set or type(held) is _Few:
                yield key, len(held)


_ABSENT: Final = object()


class Journal:
    """The rows a run of writes replaced, so it can be taken back: a savepoint for a
    `GraphState` (the memory store's refused event, the buffered transaction's refused
    operation) without copying the graph."""

    __slots__ = ("_entries",)

    def __init__(self) -> None:
        self._entries: list[tuple[_Table[Any, Any], Any, Any]] = []

    def mark(self) -> int:
        return len(self._entries)

    def record(self, table: _Table[Any, Any], key: Any, old: Any) -> None:
        self._entries.append((table, key, old))

    def undo_to(self, mark: int) -> None:
        """Put back every row written since `mark`, newest first."""
        entries = self._entries
        while len(entries) > mark:
            table, key, old = entries.pop()
            table._restore(key, old)

    def keys_since(self, mark: int, table: object) -> list[Any]:
        """The keys of `table` written since `mark`, oldest first (a key once however
        often it was written): what an event changed, for the identifier history."""
        return list(dict.fromkeys(k for t, k, _ in self._entries[mark:] if t is table))

    def forget(self) -> None:
        """Keep every write so far (nothing before now can be undone any more)."""
        self._entries.clear()


class _Table(MutableMapping[K, V]):
    """A dict of rows that files each row in its indexes on the way in and out."""

    __slots__ = ("_rows", "journal")

    def __init__(self, rows: Mapping[K, V] | Iterable[tuple[K, V]] = ()) -> None:
        self._rows: dict[K, V] = {}
        self.journal: Journal | None = None
        self._build_indexes()
        pairs = rows.items() if isinstance(rows, Mapping) else rows
        for key, row in pairs:
            self[key] = row

    def _build_indexes(self) -> None:
        raise NotImplementedError

    def _file(self, key: K, row: V) -> None:
        raise NotImplementedError

    def _unfile(self, key: K, row: V) -> None:
        raise NotImplementedError

    def _same_filing(self, old: V, new: V) -> bool:
        """Whether `new` sits in every index exactly where `old` does."""
        raise NotImplementedError

    def __getitem__(self, key: K) -> V:
        return self._rows[key]

    def get(self, key: K, default: V | None = None) -> V | None:  # type: ignore[override]
        return self._rows.get(key, default)

    def __contains__(self, key: object) -> bool:
        return key in self._rows

    def __iter__(self) -> Iterator[K]:
        return iter(self._rows)

    def __len__(self) -> int:
        return len(self._rows)

    def keys(self) -> KeysView[K]:
        return self._rows.keys()

    def values(self) -> ValuesView[V]:
        return self._rows.values()

    def items(self) -> ItemsView[K, V]:
        return self._rows.items()

    def __setitem__(self, key: K, row: V) -> None:
        old = self._rows.get(key)
        if self.journal is not None:
            self.journal.record(self, key, _ABSENT if old is None else old)
        self._rows[key] = row
        if old is not None:
            if self._same_filing(old, row):
                return
            self._unfile(key, old)
        self._file(key, row)

    def __delitem__(self, key: K) -> None:
        old = self._rows.pop(key)
        if self.journal is not None:
            self.journal.record(self, key, old)
        self._unfile(key, old)

    def load(self, key: K, row: V) -> None:
        """File a row read from elsewhere, unless the key is already held; never
        journalled."""
        if key not in self._rows:
            journal, self.journal = self.journal, None
            try:
                self[key] = row
            finally:
                self.journal = journal

    def _restore(self, key: K, old: Any) -> None:
        """Undo one journalled write (not itself journalled)."""
        journal, self.journal = self.journal, None
        try:
            if old is _ABSENT:
                self.pop(key, None)
            else:
                self[key] = old
        finally:
            self.journal = journal

    def __eq__(self, other: object) -> bool:
        if isinstance(other, _Table):
            return self._rows == other._rows
        if isinstance(other, Mapping):
            return self._rows == dict(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # mutable, like dict

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._rows!r})"


class ProfileTable(_Table[str, Profile]):
    """Profiles by id; indexed by external id and by the profile a tombstone forwards to."""

    __slots__ = ("_holders", "_tombstones")

    def _build_indexes(self) -> None:
        self._holders: MultiIndex[str, str] = MultiIndex()
        self._tombstones: MultiIndex[str, str] = MultiIndex()

    def _file(self, key: str, row: Profile) -> None:
        if row.external_id is not None:
            self._holders.add(row.external_id, key)
        if row.merged_into is not None:
            self._tombstones.add(row.merged_into, key)

    def _unfile(self, key: str, row: Profile) -> None:
        if row.external_id is not None:
            self._holders.discard(row.external_id, key)
        if row.merged_into is not None:
            self._tombstones.discard(row.merged_into, key)

    def _same_filing(self, old: Profile, new: Profile) -> bool:
        return old.external_id == new.external_id and old.merged_into == new.merged_into

    def holders(self, external_id: str) -> tuple[str, ...]:
        """Ids of the profiles (live or tombstone) holding this external id."""
        return self._holders.get(external_id)

    def tombstones_of(self, profile_id: str) -> tuple[str, ...]:
        """Ids of the tombstones forwarding to this profile, in no set order."""
        return self._tombstones.get(profile_id)

    def shared_external_ids(self) -> Iterator[tuple[str, int]]:
        """Each external id held by more than one profile, with how many hold it."""
        return self._holders.shared()


class IdentifierTable(_Table[IdentifierKey, Identifier]):
    """Identifiers by key; indexed by profile, and by (profile, namespace) for primaries."""

    __slots__ = ("_of_profile", "_primaries")

    def _build_indexes(self) -> None:
        self._of_profile: MultiIndex[str, IdentifierKey] = MultiIndex()
        self._primaries: MultiIndex[tuple[str, str], IdentifierKey] = MultiIndex()

    def _file(self, key: IdentifierKey, row: Identifier) -> None:
        self._of_profile.add(row.profile_id, key)
        if row.primary:
            self._primaries.add((row.profile_id, row.namespace), key)

    def _unfile(self, key: IdentifierKey, row: Identifier) -> None:
        self._of_profile.discard(row.profile_id, key)
        if row.primary:
            self._primaries.discard((row.profile_id, row.namespace), key)

    def _same_filing(self, old: Identifier, new: Identifier) -> bool:
        return old.profile_id == new.profile_id and old.primary == new.primary

    def keys_of(self, profile_id: str) -> tuple[IdentifierKey, ...]:
        """Keys of the identifiers this profile holds, in no set order."""
        return self._of_profile.get(profile_id)

    def primaries_of(self, profile_id: str, namespace: str) -> tuple[IdentifierKey, ...]:
        """Keys of the profile's primary identifiers in this namespace."""
        return self._primaries.get((profile_id, namespace))

    def shared_primaries(self) -> Iterator[tuple[tuple[str, str], int]]:
        """Each (profile, namespace) with more than one primary, with how many."""
        return self._primaries.shared()


class EdgeTable(_Table[Edge, int]):
    """Membership edges (group, member) -> seq; indexed by each profile they touch."""

    __slots__ = ("_touching",)

    def _build_indexes(self) -> None:
        self._touching: MultiIndex[str, Edge] = MultiIndex()

    def _file(self, key: Edge, row: int) -> None:
        del row
        group, member = key
        self._touching.add(group, key)
        if member != group:
            self._touching.add(member, key)

    def _unfile(self, key: Edge, row: int) -> None:
        del row
        group, member = key
        self._touching.discard(group, key)
        self._touching.discard(member, key)

    def _same_filing(self, old: int, new: int) -> bool:
        del old, new
        return True  # filed by the edge, which is the key: a new seq moves nothing

    def touching(self, profile_id: str) -> tuple[Edge, ...]:
        """The edges where this profile is the group or the member, in no set order."""
        return self._touching.get(profile_id)
