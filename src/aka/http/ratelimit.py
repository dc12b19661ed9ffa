"""Rate limits on the wire: an interceptor any face can put on its route group.

Each request of a limited route counts against the bucket (workspace, key, endpoint
group). Every answer of such a route, success or error, carries
`X-RateLimit-Limit`, `X-RateLimit-Remaining` and `X-RateLimit-Reset`; over the limit
the route answers 429 in its face's envelope with `Retry-After`, without running.

Faces differ only in what they pass: `group_of` names a route's bucket (the native API:
read/write/admin; Braze: one bucket shared by its write endpoints) and `reset_unit`
how the reset is told (epoch seconds; Mimecast: milliseconds to wait).
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Mapping
from typing import Literal

from aka.config import Settings
from aka.core.errors import AkaError, Code
from aka.core.rates import Rate, parse_rate
from aka.engine.runtime import Runtime
from aka.http.interceptors import Answer, Call, Interceptor, Proceed
from aka.http.routing import Route
from aka.metrics import NULL, Metrics
from aka.security.auth import Principal
from aka.security.keys import Scope
from aka.security.ratelimit import Decision, RateLimiter
from aka.security.ratelimit_policy import RateLimitPolicy

log = logging.getLogger("aka.ratelimit")

GroupOf = Callable[[Route], str | None]
"""A route's endpoint group (its bucket), or None for a route that is not limited."""

ResetUnit = Literal["s", "ms"]

_READ_METHODS = frozenset({"GET", "HEAD"})


def native_group_of(route: Route) -> str | None:
    """`admin` for routes needing `keys:admin`; `read` for GET routes and for those that
    only need `identities:read` (POST /v1/explain reads); `write` for the rest."""
    if Scope.KEYS_ADMIN in route.scopes:
        return "admin"
    if route.method in _READ_METHODS or (route.scopes and set(route.scopes) <= {Scope.READ}):
        return "read"
    return "write"


def rate_limit_interceptor(
    limiter: RateLimiter,
    policy: RateLimitPolicy,
    *,
    group_of: GroupOf,
    reset_unit: ResetUnit = "s",
    door: str = "",
    metrics: Metrics = NULL,
) -> Interceptor:
    """Counts each authenticated request of a limited route and answers 429 over the limit.

    `reset_unit`: "s" sends `X-RateLimit-Reset` as the UTC epoch second when the bucket
    next frees a request (native, Braze); "ms" as the milliseconds until then (Mimecast
    documents its header as a wait in milliseconds, not a timestamp).
    Each refusal is counted in `aka_rate_limited_total` under `door` and the group.
    """
    # A route's group never changes; routes live as long as the app, so `id` is stable.
    groups: dict[int, str | None] = {}

    async def intercept(call: Call, proceed: Proceed) -> Answer:
        route_id = id(call.route)
        if route_id not in groups:
            groups[route_id] = group_of(call.route)
        group = groups[route_id]
        who = call.auth
        if group is None or not isinstance(who, Principal):
            return await proceed()
        rate = await policy.rate_for(who, group)
        if rate is None:
            return await proceed()
        decision = await limiter.hit(f"{who.workspace_id}/{who.key_id}/{group}", rate)
        if decision.allowed:
            answer = await proceed()
        else:
            metrics.rate_limited(door, group)
            answer = call.render(_refusal(group, rate, decision))
        _stamp(answer, decision, reset_unit)
        return answer

    return intercept


def _refusal(group: str, rate: Rate, decision: Decision) -> AkaError:
    return AkaError(
        Code.RATE_LIMITED,
        f"this key may make {rate} {group} requests; retry in {decision.retry_after} s",
        details={
            "retry_after": decision.retry_after,  # becomes the Retry-After header
            "limit": rate.amount,
            "period": rate.per,
            "group": group,
        },
    )


_LIMIT, _REMAINING, _RESET = b"x-ratelimit-limit", b"x-ratelimit-remaining", b"x-ratelimit-reset"


def _stamp(answer: Answer, decision: Decision, reset_unit: ResetUnit) -> None:
    if reset_unit == "ms":
        reset = max(0, math.ceil((decision.reset_at - time.time()) * 1000))
    else:
        reset = math.ceil(decision.reset_at)
    # Raw header pairs, as `Answer.add_header` would make them (every request pays this).
    answer.headers += (
        (_LIMIT, b"%d" % decision.limit),
        (_REMAINING, b"%d" % decision.remaining),
        (_RESET, b"%d" % reset),
    )


def default_limits(settings: Settings) -> dict[str, Rate]:
    """The server's limits per native group, from `AKA_RATE_LIMIT_*`."""
    return {
        "read": parse_rate(settings.rate_limit_read),
        "write": parse_rate(settings.rate_limit_write),
        "admin": parse_rate(settings.rate_limit_admin),
    }


def per_process_counting(settings: Settings) -> str | None:
    """The warning `aka serve` logs once, before it starts several workers without a
    shared Redis (`--workers` or `AKA_WORKERS`), else None."""
    if settings.workers > 1 and not settings.redis_url:
        return (
            f"rate limits are counted per process: with {settings.workers} workers and no "
            f"AKA_REDIS_URL a key may make up to {settings.workers} times its limit"
        )
    return None


def native_rate_limits(rt: Runtime, limiter: RateLimiter, door: str = "native") -> Interceptor:
    """The native API's interceptor (and Appizer's, which counts as `door`): server
    defaults from settings, workspace overrides read through the runtime (cached
    `AKA_RATE_LIMIT_CACHE_SECONDS`)."""

    async def workspace_limits(workspace_id: str) -> Mapping[str, Rate]:
        return await rt.read(workspace_id, lambda tx: tx.settings().rate_limits, primary=True)

    policy = RateLimitPolicy(
        default_limits(rt.settings),
        workspace_limits,
        cache_seconds=rt.settings.rate_limit_cache_seconds,
    )
    return rate_limit_interceptor(
        limiter, policy, group_of=native_group_of, door=door, metrics=rt.metrics
    )
