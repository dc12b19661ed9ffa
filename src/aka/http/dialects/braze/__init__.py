"""Braze's user alias REST API at its own paths (`/users/...`), onto the one graph.

Routes, fields and every decision where Braze is silent: docs/dialects/braze.md.
"""

from __future__ import annotations

from aka.http.dialects import DialectContext
from aka.http.dialects.braze import aliases, external_ids, track, users, wire
from aka.http.routing import RouteGroup

ABOUT = (
    "Braze's user alias REST API at Braze's own paths (docs/dialects/braze.md). Every "
    'answer carries `message`; refused items ride along in `errors` next to `"message": '
    '"success"`; a refused request is 400 `{message, errors}`.'
)
_KEY = (
    "An aka key holding the Braze REST API permission the operation names (e.g. "
    "`users.alias.new`), or every aka scope that permission stands for."
)
# Two ways: the bearer header, or Braze's legacy `api_key` (in the query, or as a member
# of the JSON body, which OpenAPI has no scheme for: said in the description).
SECURITY = (
    {"brazeBearer": {"type": "http", "scheme": "bearer", "description": _KEY}},
    {
        "brazeApiKey": {
            "type": "apiKey",
            "in": "query",
            "name": "api_key",
            "description": f"Legacy: the key as `api_key` in the query string or in the "
            f"JSON body. {_KEY}",
        }
    },
)


def groups(ctx: DialectContext) -> list[RouteGroup]:
    group = RouteGroup(
        prefix="/users",
        authenticate=wire.authenticator(ctx.rt),
        error_renderer=wire.render,
        error_schema=wire.BrazeError,
        error_media_type="application/json",
        tags=("braze",),
        security=SECURITY,
        errors=(429,),
        about=ABOUT,
        interceptors=(wire.rate_limits(ctx.rt, ctx.limiter),),
        # Braze ignores query parameters it does not know (docs/dialects/braze.md).
        refuse_unknown_query=False,
    )
    aliases.register(group, ctx.rt)
    users.register(group, ctx.rt)
    track.register(group, ctx.rt)
    external_ids.register(group, ctx.rt)
    return [group]
