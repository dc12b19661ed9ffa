"""The `RateLimiter` contract, on each backend: this process's memory and Redis.

Redis runs where `tests/redis_support.py` says (skipped locally when absent, required
when CI=true); each test counts under its own key prefix, deleted afterwards.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager

import pytest
from prometheus_client import REGISTRY

from aka.core.rates import parse_rate
from aka.security.ratelimit import MemoryRateLimiter, RateLimiter, RedisRateLimiter, open_limiter
from tests.redis_support import (
    closed_port,
    isolated_prefix,
    kill_clients,
    require_redis,
    silent_server,
)

pytestmark = pytest.mark.anyio

THREE_A_MINUTE = parse_rate("3/minute")
WARNINGS = "aka.ratelimit"

Opener = Callable[[], AbstractAsyncContextManager[RateLimiter]]


@pytest.fixture
def redis_prefix() -> Iterator[tuple[str, str]]:
    """(url, a key prefix of this test's own); skips (fails in CI) without Redis."""
    url = require_redis()
    with isolated_prefix(url) as prefix:
        yield url, prefix


@pytest.fixture(params=["memory", "redis"])
def opener(request: pytest.FixtureRequest) -> Opener:
    """Opens a limiter on the backend; each call is another process's limiter (for Redis,
    counting in the same place as the others)."""
    if request.param == "memory":
        return lambda: _closing(MemoryRateLimiter())
    url, prefix = request.getfixturevalue("redis_prefix")
    return lambda: _closing(RedisRateLimiter(url, key_prefix=prefix))


@asynccontextmanager
async def _closing(limiter: RateLimiter) -> AsyncIterator[RateLimiter]:
    try:
        yield limiter
    finally:
        await limiter.aclose()


def fail_open_count() -> float:
    return REGISTRY.get_sample_value("aka_rate_limit_fail_open_total") or 0.0


# --- the contract ---------------------------------------------------------------------


async def test_allows_up_to_the_limit_then_refuses_with_a_wait(opener: Opener) -> None:
    """Three a minute: three hits pass with 2, 1, 0 remaining; the fourth is refused,
    with a wait of at least a second and a reset no earlier than now."""
    async with opener() as limiter:
        passed = [await limiter.hit("ws/key/read", THREE_A_MINUTE) for _ in range(3)]
        refused = await limiter.hit("ws/key/read", THREE_A_MINUTE)
    assert [d.allowed for d in passed] == [True, True, True]
    assert [d.remaining for d in passed] == [2, 1, 0]
    assert all(d.limit == 3 and d.retry_after == 0 for d in passed)
    assert not refused.allowed
    assert refused.remaining == 0
    assert 1 <= refused.retry_after <= 60
    assert refused.reset_at >= time.time() - 1
    assert refused.reset_at <= time.time() + 60


async def test_buckets_are_independent(opener: Opener) -> None:
    """Using up one bucket (a key's writes) leaves every other bucket untouched."""
    async with opener() as limiter:
        for _ in range(3):
            await limiter.hit("ws/key-a/write", THREE_A_MINUTE)
        assert not (await limiter.hit("ws/key-a/write", THREE_A_MINUTE)).allowed
        other_group = await limiter.hit("ws/key-a/read", THREE_A_MINUTE)
        other_key = await limiter.hit("ws/key-b/write", THREE_A_MINUTE)
    assert other_group.allowed
    assert other_group.remaining == 2
    assert other_key.allowed
    assert other_key.remaining == 2


async def test_a_different_rate_is_a_fresh_count(opener: Opener) -> None:
    """Raising a bucket's limit starts a new count (the old one is not carried over)."""
    async with opener() as limiter:
        for _ in range(3):
            await limiter.hit("b", THREE_A_MINUTE)
        raised = await limiter.hit("b", parse_rate("10/minute"))
    assert raised.allowed
    assert raised.remaining == 9


async def test_two_redis_limiters_count_together(redis_prefix: tuple[str, str]) -> None:
    """Two processes pointing at one Redis share each bucket: what one spends, the other
    no longer has."""
    url, prefix = redis_prefix
    async with (
        _closing(RedisRateLimiter(url, key_prefix=prefix)) as first,
        _closing(RedisRateLimiter(url, key_prefix=prefix)) as second,
    ):
        assert (await first.hit("b", THREE_A_MINUTE)).remaining == 2
        assert (await second.hit("b", THREE_A_MINUTE)).remaining == 1
        assert (await first.hit("b", THREE_A_MINUTE)).remaining == 0
        assert not (await second.hit("b", THREE_A_MINUTE)).allowed


async def test_memory_limiters_do_not_share() -> None:
    """Without Redis each process counts alone (why AKA_REDIS_URL exists)."""
    async with _closing(MemoryRateLimiter()) as first, _closing(MemoryRateLimiter()) as second:
        for _ in range(3):
            await first.hit("b", THREE_A_MINUTE)
        assert (await second.hit("b", THREE_A_MINUTE)).remaining == 2


def test_open_limiter_picks_redis_only_with_a_url() -> None:
    assert isinstance(open_limiter(None), MemoryRateLimiter)
    assert isinstance(open_limiter("redis://127.0.0.1:6379/0"), RedisRateLimiter)


# --- Redis failing: fail open -----------------------------------------------------------


async def test_redis_refusing_connections_lets_requests_through_with_a_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Nothing listens at the Redis address: every hit is allowed (uncounted, reporting
    the whole limit), one warning names the cause, and the fail-open counter moves."""
    before = fail_open_count()
    url = f"redis://127.0.0.1:{closed_port()}/0"
    with caplog.at_level(logging.WARNING, logger=WARNINGS):
        async with _closing(RedisRateLimiter(url, key_prefix="unused")) as limiter:
            decisions = [await limiter.hit("b", THREE_A_MINUTE) for _ in range(5)]
    assert all(d.allowed for d in decisions)
    assert all(d.remaining == 3 and d.limit == 3 for d in decisions)
    warnings = [r for r in caplog.records if r.name == WARNINGS]
    assert len(warnings) == 1, "the warning is rate-limited too"
    assert "fail open" in warnings[0].getMessage()
    assert "ConnectionError" in warnings[0].getMessage()
    assert fail_open_count() - before == 5


async def test_a_hung_redis_costs_one_timeout_then_is_left_alone(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A Redis that accepts but never answers: the first hit waits `timeout` and passes;
    for `pause` seconds after, hits pass at once without trying."""
    with silent_server() as port, caplog.at_level(logging.WARNING, logger=WARNINGS):
        limiter = RedisRateLimiter(
            f"redis://127.0.0.1:{port}/0", key_prefix="unused", timeout=0.2, pause=30
        )
        async with _closing(limiter):
            started = time.monotonic()
            first = await limiter.hit("b", THREE_A_MINUTE)
            waited = time.monotonic() - started
            started = time.monotonic()
            second = await limiter.hit("b", THREE_A_MINUTE)
            skipped = time.monotonic() - started
    assert first.allowed
    assert second.allowed
    assert 0.15 <= waited < 2, "one timeout, no retries with backoff"
    assert skipped < 0.05, "paused: Redis is not tried again"
    assert "TimeoutError" in caplog.records[0].getMessage()


async def test_a_killed_connection_fails_open_once_then_counting_resumes(
    redis_prefix: tuple[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    """`CLIENT KILL` drops the limiter's live connection mid-run: the next hit passes
    uncounted with a warning (no retry that could stall it); the one after reconnects
    and counts where the bucket left off."""
    url, prefix = redis_prefix
    async with _closing(RedisRateLimiter(url, key_prefix=prefix, pause=0)) as limiter:
        assert (await limiter.hit("b", THREE_A_MINUTE)).remaining == 2
        assert kill_clients(url, prefix) >= 1
        with caplog.at_level(logging.WARNING, logger=WARNINGS):
            during = await limiter.hit("b", THREE_A_MINUTE)
        after = await limiter.hit("b", THREE_A_MINUTE)
    assert during.allowed
    assert during.remaining == 3, "uncounted: the whole limit is reported"
    assert [r.name for r in caplog.records] == [WARNINGS]
    assert "fail open" in caplog.records[0].getMessage()
    assert after.allowed
    assert after.remaining == 1, "counting resumed from the bucket's stored count"


async def test_the_warning_hides_the_redis_password(caplog: pytest.LogCaptureFixture) -> None:
    url = f"redis://aka:s3cret@127.0.0.1:{closed_port()}/0"
    with caplog.at_level(logging.WARNING, logger=WARNINGS):
        async with _closing(RedisRateLimiter(url, key_prefix="unused")) as limiter:
            await limiter.hit("b", THREE_A_MINUTE)
    message = caplog.records[0].getMessage()
    assert "s3cret" not in message
    assert "aka:***@127.0.0.1" in message
