"""`TtlCache`: entries live a fixed time; a read taken before an eviction is not kept."""

from __future__ import annotations

from aka.storage.ttl_cache import TtlCache


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_an_entry_lives_exactly_its_time() -> None:
    clock = Clock()
    cache: TtlCache[str, int] = TtlCache(2.0, clock=clock)
    cache.put("a", 1)
    clock.now += 1.999
    assert cache.get("a") == 1
    clock.now += 0.001
    assert cache.get("a") is None


def test_a_time_of_zero_keeps_nothing() -> None:
    cache: TtlCache[str, int] = TtlCache(0)
    cache.put("a", 1)
    assert cache.get("a") is None


def test_evicting_drops_an_entry_or_every_entry_a_test_picks() -> None:
    cache: TtlCache[str, int] = TtlCache(10)
    for name, value in (("a", 1), ("b", 2), ("c", 3)):
        cache.put(name, value)
    cache.evict("a")
    cache.evict_where(lambda v: v == 2)
    assert [cache.get(k) for k in "abc"] == [None, None, 3]


def test_what_was_read_before_an_eviction_is_not_kept() -> None:
    """A reader that fetched the old row before a change was evicted must not put it
    back after: `put(since=mark())` is refused once anything was evicted meanwhile."""
    cache: TtlCache[str, int] = TtlCache(10)
    since = cache.mark()
    cache.evict("a")  # a change committed while the reader was reading
    cache.put("a", 1, since=since)
    assert cache.get("a") is None
    cache.put("a", 2, since=cache.mark())
    assert cache.get("a") == 2


def test_a_full_cache_starts_over() -> None:
    cache: TtlCache[int, int] = TtlCache(10, max_entries=3)
    for n in range(4):
        cache.put(n, n)
    assert [cache.get(n) for n in range(4)] == [None, None, None, 3]
