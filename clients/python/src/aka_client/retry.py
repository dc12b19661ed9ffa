"""Retries of answers that say "try again later": 429 and 503, after their `Retry-After`.

Both are safe to resend, writes included, with or without an `Idempotency-Key`: aka
refuses a rate-limited request before it reaches the graph or the idempotency store, and
a 503 (`store_busy`) means nothing was changed (docs/errors.md). No other failure is
retried here: a request lost after it was sent may have been done, and only the caller
knows whether it carried a key that makes resending it safe.

The retries sit in an httpx transport, below the generated calls, so every call (sync
or async, generated or made on the client's httpx client) gets them once.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import anyio
import httpx

from aka_client.problems import retry_after

__all__ = ["AsyncRetryTransport", "Retry", "RetryTransport"]


@dataclass(frozen=True, slots=True)
class Retry:
    """How often and how long to wait. `attempts`: retries after the first try (0: none).
    `max_wait`: the longest `Retry-After` worth waiting, in seconds; a longer one is not
    waited out but raised (`RateLimitedError.retry_after` says how long), so a call never
    hangs for minutes unasked. Without `Retry-After`: `backoff` seconds, doubling."""

    attempts: int = 3
    max_wait: float = 60.0
    backoff: float = 0.5
    statuses: frozenset[int] = frozenset({429, 503})

    def __post_init__(self) -> None:
        if self.attempts < 0 or self.max_wait < 0 or self.backoff < 0:
            raise ValueError("Retry: attempts, max_wait and backoff must not be negative")

    def wait(self, response: httpx.Response, retries_done: int) -> float | None:
        """Seconds to wait before resending `response`'s request, or None to answer it."""
        if response.status_code not in self.statuses or retries_done >= self.attempts:
            return None
        asked = retry_after(response)
        delay = asked if asked is not None else self.backoff * 2**retries_done
        return delay if delay <= self.max_wait else None


class RetryTransport(httpx.BaseTransport):
    """Sends through `wrapped`, resending per `policy`."""

    def __init__(
        self,
        wrapped: httpx.BaseTransport,
        policy: Retry,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._wrapped = wrapped
        self._policy = policy
        self._sleep = sleep

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.read()  # the body must be resendable
        retries_done = 0
        while True:
            response = self._wrapped.handle_request(request)
            delay = self._policy.wait(response, retries_done)
            if delay is None:
                return response
            response.read()  # drained, so the connection goes back to the pool
            response.close()
            self._sleep(delay)
            retries_done += 1

    def close(self) -> None:
        self._wrapped.close()


class AsyncRetryTransport(httpx.AsyncBaseTransport):
    """`RetryTransport` for `httpx.AsyncClient`; waits without blocking the loop."""

    def __init__(
        self,
        wrapped: httpx.AsyncBaseTransport,
        policy: Retry,
        sleep: Callable[[float], Awaitable[None]] = anyio.sleep,
    ) -> None:
        self._wrapped = wrapped
        self._policy = policy
        self._sleep = sleep

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        await request.aread()
        retries_done = 0
        while True:
            response = await self._wrapped.handle_async_request(request)
            delay = self._policy.wait(response, retries_done)
            if delay is None:
                return response
            await response.aread()
            await response.aclose()
            await self._sleep(delay)
            retries_done += 1

    async def aclose(self) -> None:
        await self._wrapped.aclose()
