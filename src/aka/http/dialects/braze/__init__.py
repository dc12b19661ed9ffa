"""Braze's user alias REST API at its own paths (`/users/...`), onto the one graph.

Routes, fields and every decision where Braze is silent: docs/dialects/braze.md.
"""

from __future__ import annotations

from aka.http.dialects import DialectContext
from aka.http.dialects.braze import aliases, track, users, wire
from aka.http.routing import RouteGroup


def groups(ctx: DialectContext) -> list[RouteGroup]:
    group = RouteGroup(
        prefix="/users",
        authenticate=wire.authenticator(ctx.rt),
        error_renderer=wire.render,
        error_schema=wire.BrazeError,
        error_media_type="application/json",
        # /openapi.json describes the native API; the vendor's own docs (and
        # docs/dialects/) describe its door.
        include_in_schema=False,
        tags=("braze",),
        interceptors=(wire.rate_limits(ctx.rt, ctx.limiter),),
        # Braze ignores query parameters it does not know (docs/dialects/braze.md).
        refuse_unknown_query=False,
    )
    aliases.register(group, ctx.rt)
    users.register(group, ctx.rt)
    track.register(group, ctx.rt)
    return [group]
