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
ABOUT = (
    "Mimecast API 1.0's user alias and domain calls at Mimecast's own paths "
    "(docs/dialects/mimecast.md). Every call is a signed POST of `{data: [...]}`; every "
    "answer, errors too, is the `{meta, data, fail}` envelope (invalid input is 400)."
)


def _header(name: str, description: str) -> dict[str, str]:
    return {"type": "apiKey", "in": "header", "name": name, "description": description}


# Mimecast's request signature: four headers, all required together (one way).
SECURITY = (
    {
        "mimecastSignature": _header(
            "Authorization",
            "`MC {accessKey}:{signature}`, where signature = base64(HMAC-SHA1(key = "
            "base64decode(secretKey), message = `{x-mc-date}:{x-mc-req-id}:{path}:{appKey}`)) "
            "and path is the request path alone (`/api/user/update-alias`). The credentials "
            "come from `aka keys create --mimecast`. Any failure is the same 401 "
            "`err_xdk_invalid_signature`.",
        ),
        "mimecastDate": _header(
            "x-mc-date",
            "The signing time, e.g. `Tue, 24 Nov 2015 12:50:11 UTC` (RFC 1123; `GMT` "
            "too); at most 15 minutes from the server's clock, either way.",
        ),
        "mimecastRequestId": _header(
            "x-mc-req-id",
            "A string unique to this request (at most 255 characters); one used in the "
            "last 15 minutes is refused as a replay.",
        ),
        "mimecastAppId": _header("x-mc-app-id", "The application id issued with the key."),
    },
)


def groups(ctx: DialectContext) -> list[RouteGroup]:
    rt = ctx.rt

    async def workspace_limits(workspace_id: str) -> Mapping[str, Rate]:
        return await rt.read(workspace_id, lambda tx: tx.settings().rate_limits, primary=True)

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
        security=SECURITY,
        errors=(429,),
        about=ABOUT,
        interceptors=(
            rate_limit_interceptor(
                ctx.limiter,
                policy,
                group_of=lambda _: GROUP,
                reset_unit="ms",
                door="mimecast",
                metrics=rt.metrics,
            ),
        ),
    )
    register(group, rt)
    return [group]
