"""Counting requests against rate limits: the `RateLimiter` port and its two backends.

Both count with the *sliding window counter* of the `limits` library (Redis through
`limits` itself, memory by the same arithmetic written out): two counters per bucket
(this window and the previous one, the previous weighted by how much of it still
overlaps the last `period`). Chosen over the alternatives because:
- a fixed window lets a client send 2x the limit across a window edge;
- a moving window is exact but stores one entry per request (a 6000/minute key keeps
  6000 timestamps, in Redis a sorted set per bucket), too costly for a limit hit on
  every page view; the counter costs O(1) memory and one small script per hit, and its
  error (it assumes the previous window's requests were spread evenly) is irrelevant
  for a guardrail.

`MemoryRateLimiter` counts in this process (the default). `RedisRateLimiter` counts in
Redis, shared by every process, and **fails open** when Redis is unreachable: the
request is let through uncounted, a warning is logged at most once a minute and
`aka_rate_limit_fail_open_total` counts the requests that passed uncounted
(docs/adr/0005-rate-limits.md says why).
"""

from __future__ import annotations

import logging
import math
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final, Protocol

from limits import (
    RateLimitItem,
    RateLimitItemPerHour,
    RateLimitItemPerMinute,
    RateLimitItemPerSecond,
)
from limits.aio.storage import RedisStorage, Storage
from limits.aio.strategies import SlidingWindowCounterRateLimiter
from limits.errors import StorageError
from prometheus_client import Counter
from redis.asyncio import ConnectionPool
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

from aka.core.rates import Rate

log = logging.getLogger("aka.ratelimit")

FAIL_OPEN = Counter(
    "aka_rate_limit_fail_open",
    "Requests let through uncounted because the rate-limit store (Redis) failed.",
)

_SWEEP_EVERY_S: Final = 60.0

_NAME_UNSAFE = re.compile(r"[^\w:.-]")  # Redis refuses client names with spaces

_ITEMS: dict[str, type[RateLimitItem]] = {
    "second": RateLimitItemPerSecond,
    "minute": RateLimitItemPerMinute,
    "hour": RateLimitItemPerHour,
}


@dataclass(frozen=True, slots=True)
class Decision:
    """The outcome of one hit: whether the request may proceed, and what to tell the
    client about its bucket (the `X-RateLimit-*` headers)."""

    allowed: bool
    limit: int  # requests per period
    remaining: int  # requests left now (0 when refused)
    reset_at: float  # epoch seconds when the bucket next frees a request (retry then)
    retry_after: int  # whole seconds to wait: >= 1 when refused, 0 when allowed


class RateLimiter(Protocol):
    """Counts requests per bucket. The contract every backend keeps:

    - `hit` counts one request against `bucket` under `limit` and says whether it is
      allowed. A refused request is not counted (a client that keeps retrying while
      refused does not push its own reset further away).
    - Buckets are independent; the same bucket under a different `Rate` is a different
      counter (changing a limit starts a fresh count).
    - `remaining` never goes below 0; a refusal has `retry_after >= 1` and `reset_at`
      no earlier than now.
    - `hit` never raises because its storage failed: a backend either cannot fail
      (memory) or lets the request through and says so in the logs (Redis, fail open).
    """

    async def hit(self, bucket: str, limit: Rate) -> Decision:
        """Count one request against `bucket`, unless that would exceed `limit`."""
        ...

    async def aclose(self) -> None:
        """Release connections (at application shutdown)."""
        ...


class _SlidingWindow:
    """The `limits` sliding window counter over any of its async storages."""

    def __init__(self, storage: Storage) -> None:
        self.strategy = SlidingWindowCounterRateLimiter(storage)

    async def hit(self, bucket: str, limit: Rate) -> Decision:
        item = _ITEMS[limit.per](limit.amount)
        allowed = await self.strategy.hit(item, bucket)
        # A second round trip: `hit` answers only yes or no. Not atomic with it, so under
        # concurrency `remaining` may be off by the requests in between: fine for a header.
        stats = await self.strategy.get_window_stats(item, bucket)
        now = time.time()
        reset_at = max(stats.reset_time, now)
        if allowed:
            return Decision(True, limit.amount, stats.remaining, reset_at, 0)
        return Decision(False, limit.amount, 0, reset_at, max(1, math.ceil(reset_at - now)))


class MemoryRateLimiter:
    """Counters in this process's memory, shared with no other process.

    The sliding window counter of `limits`, computed here with the very same
    arithmetic (windows numbered `int(now / period)`, the previous one weighted by the
    part of it that still overlaps the last `period`): through `limits`' async memory
    storage a hit cost ~15 µs (two awaited calls, each taking a lock, plus key
    formatting) on a path every request takes; this costs ~2 µs.
    `tests/security/test_memory_ratelimit.py` holds the two to the same answers.
    """

    def __init__(self, *, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        # (bucket, amount, period) -> {window number: requests counted in it}
        self._counts: dict[tuple[str, int, int], dict[int, int]] = {}
        self._next_sweep = 0.0

    async def hit(self, bucket: str, limit: Rate) -> Decision:
        now = self._clock()
        period, amount = limit.seconds, limit.amount
        windows = self._counts.get((bucket, amount, period))
        if windows is None:
            if now >= self._next_sweep:
                self._sweep(now)
            windows = self._counts[(bucket, amount, period)] = {}
        current_n, previous_n = int(now / period), int((now - period) / period)
        if len(windows) > 2:  # keep the two windows the count can still see
            for n in [n for n in windows if n < previous_n]:
                del windows[n]
        previous, current = windows.get(previous_n, 0), windows.get(current_n, 0)
        previous_left = (1 - (((now - period) / period) % 1)) * period if previous else 0.0
        weighted = previous * previous_left / period
        allowed = math.floor(weighted + current) + 1 <= amount
        if allowed:
            current = windows[current_n] = current + 1
        remaining = max(0, amount - math.floor(weighted + current))
        reset_in = math.inf
        if previous:
            reset_in = previous_left % (period / previous)
        if current:
            current_left = (1 - ((now / period) % 1)) * period + period
            reset_in = min(reset_in, current_left % period)
        reset_at = now if reset_in == math.inf else now + reset_in
        if allowed:
            return Decision(True, amount, remaining, reset_at, 0)
        return Decision(False, amount, 0, reset_at, max(1, math.ceil(reset_at - now)))

    def _sweep(self, now: float) -> None:
        """Forget buckets that saw no request in the last two windows (they count
        nothing any more), at most once a minute, so keys seen once do not stay."""
        self._next_sweep = now + _SWEEP_EVERY_S
        stale = [
            key
            for key, windows in self._counts.items()
            if not windows or max(windows) < int((now - key[2]) / key[2])
        ]
        for key in stale:
            del self._counts[key]

    async def aclose(self) -> None:
        return None


class RedisRateLimiter:
    """Counters in Redis, shared by every process that points at the same server.

    Fails open: when Redis cannot be reached (refused, timed out, connection dropped)
    the request is allowed uncounted. Requests must not wait on a sick Redis, so
    - each command gives up after `timeout` seconds and is not retried (redis-py would
      otherwise retry with backoff, adding seconds to every request in an outage);
    - after a failure, Redis is left alone for `pause` seconds (every request in that
      time passes uncounted without trying), so an unreachable host costs one timeout
      per `pause`, not one per request;
    - the warning is logged at most once per `warn_every` seconds, with the number of
      requests that passed uncounted since the last one.
    """

    def __init__(
        self,
        url: str,
        *,
        key_prefix: str = "aka:ratelimit",
        timeout: float = 0.25,
        pause: float = 1.0,
        warn_every: float = 60.0,
    ) -> None:
        self.url = url
        # Our own pool, so that `aclose` can release it (the storage keeps no handle).
        self._pool = ConnectionPool.from_url(
            url,
            # Named after the prefix, so `CLIENT LIST` shows which deployment is connected.
            client_name=_NAME_UNSAFE.sub("_", key_prefix),
            socket_timeout=timeout,
            socket_connect_timeout=timeout,
            retry=Retry(NoBackoff(), 0),
        )
        options: dict[str, Any] = {"connection_pool": self._pool}
        storage = RedisStorage(
            _limits_uri(url),
            wrap_exceptions=True,  # every client error arrives as one StorageError
            implementation="redispy",
            key_prefix=key_prefix,
            **options,
        )
        self._window = _SlidingWindow(storage)
        self._pause = pause
        self._warn_every = warn_every
        self._paused_until = 0.0
        self._next_warning = 0.0
        self._uncounted = 0  # requests let through since the last warning

    async def hit(self, bucket: str, limit: Rate) -> Decision:
        if time.monotonic() < self._paused_until:
            return self._fail_open(limit, None)
        try:
            return await self._window.hit(bucket, limit)
        except (StorageError, OSError, TimeoutError) as error:
            self._paused_until = time.monotonic() + self._pause
            return self._fail_open(limit, error)

    def _fail_open(self, limit: Rate, error: BaseException | None) -> Decision:
        FAIL_OPEN.inc()
        self._uncounted += 1
        now = time.monotonic()
        if now >= self._next_warning:
            self._next_warning = now + self._warn_every
            cause = _describe(error) if error is not None else "paused after a failure"
            log.warning(
                "rate limiter: Redis at %s failed (%s); letting %d request(s) through "
                "uncounted (fail open). Next warning in %.0f s at the earliest.",
                _redacted(self.url),
                cause,
                self._uncounted,
                self._warn_every,
            )
            self._uncounted = 0
        # The headers still go out, reporting the whole limit: nothing was counted.
        return Decision(True, limit.amount, limit.amount, time.time(), 0)

    async def aclose(self) -> None:
        await self._pool.aclose()


def open_limiter(redis_url: str | None, *, key_prefix: str = "aka:ratelimit") -> RateLimiter:
    """Redis when a URL is given (shared by every process), else this process's memory."""
    if redis_url:
        return RedisRateLimiter(redis_url, key_prefix=key_prefix)
    return MemoryRateLimiter()


def _limits_uri(url: str) -> str:
    # `limits` picks its client by scheme: redis-py speaks `unix://`, `limits` calls the
    # same thing `redis+unix://` (a bare `unix://` would select the valkey client).
    return "redis+" + url if url.startswith("unix://") else url


def _describe(error: BaseException) -> str:
    cause = error.__cause__ or error
    return f"{type(cause).__name__}: {cause}"


def _redacted(url: str) -> str:
    """The URL without its password (logs are read by more people than the config)."""
    scheme, sep, rest = url.partition("://")
    credentials, at, host = rest.rpartition("@")
    if not at:
        return url
    user = credentials.partition(":")[0]
    return f"{scheme}{sep}{user + ':***' if user else '***'}@{host}"
