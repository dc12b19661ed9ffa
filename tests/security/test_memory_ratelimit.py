"""The in-memory limiter counts exactly as the `limits` library's sliding window counter.

`MemoryRateLimiter` writes that arithmetic out (for speed) instead of going through
`limits`; here both are fed the same hits at the same instants and must agree on every
answer: allowed or not, remaining, and when the bucket frees a request.
"""

from __future__ import annotations

import asyncio
import math
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from limits import RateLimitItemPerHour, RateLimitItemPerMinute, RateLimitItemPerSecond
from limits.aio.storage import MemoryStorage
from limits.aio.strategies import SlidingWindowCounterRateLimiter

from aka.core.rates import Rate
from aka.security.ratelimit import Decision, MemoryRateLimiter

ITEMS = {
    "second": RateLimitItemPerSecond,
    "minute": RateLimitItemPerMinute,
    "hour": RateLimitItemPerHour,
}


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


async def reference_hit(
    strategy: SlidingWindowCounterRateLimiter, bucket: str, limit: Rate
) -> Decision:
    """What the Redis limiter's `_SlidingWindow.hit` answers, over `limits`' memory."""
    item = ITEMS[limit.per](limit.amount)
    allowed = await strategy.hit(item, bucket)
    stats = await strategy.get_window_stats(item, bucket)
    now = time.time()
    reset_at = max(stats.reset_time, now)
    if allowed:
        return Decision(True, limit.amount, stats.remaining, reset_at, 0)
    return Decision(False, limit.amount, 0, reset_at, max(1, math.ceil(reset_at - now)))


hits = st.lists(
    st.tuples(
        st.floats(min_value=0, max_value=40, allow_nan=False),  # seconds since the last hit
        st.sampled_from(["a", "b"]),
        st.sampled_from([Rate(3, "second"), Rate(5, "minute"), Rate(2, "minute")]),
    ),
    min_size=1,
    max_size=60,
)


@settings(max_examples=200, deadline=None)
@given(start=st.floats(min_value=1.7e9, max_value=1.8e9, allow_nan=False), sequence=hits)
def test_every_answer_equals_the_libraries(
    start: float, sequence: list[tuple[float, str, Rate]]
) -> None:
    clock = Clock(start)
    mine = MemoryRateLimiter(clock=clock)
    reference = SlidingWindowCounterRateLimiter(MemoryStorage())
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(time, "time", clock)  # `limits` reads time.time()

        async def run() -> None:
            for wait, bucket, rate in sequence:
                clock.now += wait
                expected = await reference_hit(reference, bucket, rate)
                got = await mine.hit(bucket, rate)
                assert (got.allowed, got.limit, got.remaining, got.retry_after) == (
                    expected.allowed,
                    expected.limit,
                    expected.remaining,
                    expected.retry_after,
                )
                assert got.reset_at == pytest.approx(expected.reset_at, abs=1e-6)

        asyncio.run(run())


def test_idle_buckets_are_forgotten() -> None:
    """Memory holds the buckets used in the last two windows, not every key ever seen."""
    clock = Clock(1_800_000_000.0)
    limiter = MemoryRateLimiter(clock=clock)
    minute = Rate(10, "minute")

    async def run() -> None:
        for n in range(100):
            await limiter.hit(f"old-{n}", minute)
        clock.now += 181  # three windows later
        await limiter.hit("new", minute)

    asyncio.run(run())
    assert list(limiter._counts) == [("new", 10, 60)]
