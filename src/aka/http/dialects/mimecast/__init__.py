"""The Mimecast API 1.0 door (`POST /api/...`): signed requests, the `{meta, data,
fail}` envelope. See docs/dialects/mimecast.md."""

from __future__ import annotations

from collections.abc import Mapping

from aka.core.rates import Rate, parse_rate
from aka.http.dialects import DialectContext
from aka.http.dialects.mimecast.auth import signed_authenticator
from aka.http.dialects.mimecast.routes import register
from aka.http.dialects.mimecast.wire import EnvelopeOut, render_error
from aka.http.ratelimit import rate_limit_interceptor
from aka.http.routing import RouteGroup
from aka.security.ratelimit_policy import RateLimitPolicy

GROUP = "mimecast"


def groups(ctx: DialectContext) -> list[RouteGroup]:
    rt = ctx.rt

    async def workspace_limits(workspace_id: str) -> Mapping[str, Rate]:
        return await rt.read(workspace_id, lambda tx: tx.settings().rate_limits)

    policy = RateLimitPolicy(
        # The server's default for this door is its native write limit.
        {GROUP: parse_rate(rt.settings.rate_limit_write)},
        workspace_limits,
        cache_seconds=rt.settings.rate_limit_cache_seconds,
    )
    group = RouteGroup(
        prefix="/api",
        authenticate=signed_authenticator(rt),
        error_renderer=render_error,
        error_schema=EnvelopeOut,
        error_media_type="application/json",
        tags=("mimecast",),
        interceptors=(
            rate_limit_interceptor(ctx.limiter, policy, group_of=lambda _: GROUP, reset_unit="ms"),
        ),
    )
    register(group, rt)
    return [group]
