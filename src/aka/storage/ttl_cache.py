"""A small per-process cache whose entries expire after a fixed time.

For what a networked store would otherwise fetch on every request although it changes
rarely (API keys, workspace settings): each process keeps an entry at most `ttl`
seconds, so a change made through another process applies within that time, and the
process that makes a change evicts the entry at once.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class TtlCache(Generic[K, V]):
    """`get` answers what `put` stored less than `ttl` seconds ago. At most
    `max_entries` are kept (all are dropped when it fills: a cache this small holds a
    deployment's working set of keys or workspaces, and refills in one request each).
    A `ttl` of 0 keeps nothing. Safe to share between threads (single dict operations)."""

    def __init__(
        self,
        ttl: float,
        *,
        max_entries: int = 4096,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ttl = ttl
        self._max = max_entries
        self._clock = clock
        self._entries: dict[K, tuple[float, V]] = {}
        self._evictions = 0

    def mark(self) -> int:
        """A token for `put(..., since=)`: take it before reading what will be put."""
        return self._evictions

    def get(self, key: K) -> V | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        if entry[0] <= self._clock():
            self._entries.pop(key, None)
            return None
        return entry[1]

    def put(self, key: K, value: V, *, since: int | None = None) -> None:
        """Keep `value`. With `since` (a `mark()` taken before it was read), only if
        nothing was evicted meanwhile: what was read may predate that change."""
        if self.ttl <= 0 or (since is not None and since != self._evictions):
            return
        if len(self._entries) >= self._max:
            self._entries.clear()
        self._entries[key] = (self._clock() + self.ttl, value)

    def evict(self, key: K) -> None:
        self._evictions += 1
        self._entries.pop(key, None)

    def evict_where(self, stale: Callable[[V], bool]) -> None:
        """Drop every entry whose value `stale` picks out."""
        self._evictions += 1
        for key, (_, value) in list(self._entries.items()):
            if stale(value):
                self._entries.pop(key, None)
