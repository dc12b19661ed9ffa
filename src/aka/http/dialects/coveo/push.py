"""Coveo Push API security identity routes: translation only; the rules are
`aka.service.security_identities`. Writes are applied before the 202 answer."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aka.engine.runtime import Runtime
from aka.http.dialects.coveo.wire import (
    MAX_BODY,
    DeleteIn,
    MappingsIn,
    OlderThanQuery,
    OrderingQuery,
    OrgProviderPath,
    PermissionsIn,
    now_ms,
)
from aka.http.routing import RequestContext, RouteGroup
from aka.security.auth import Principal
from aka.security.keys import Scope
from aka.service import security_identities as identities
from aka.service.commands import Command
from aka.service.security_identities import Identity

PROVIDER = "/{organizationId}/providers/{providerId}"


def _who(ctx: RequestContext[Any, Any, Any]) -> Principal:
    assert isinstance(ctx.auth, Principal)
    return ctx.auth


def _ordering(query: OrderingQuery | None) -> int:
    return query.orderingId if query is not None and query.orderingId is not None else now_ms()


# A push's command: (identity, its members or mappings, its wellKnowns, ordering, actor).
PushCommand = Callable[[Identity, list[Identity], list[Identity], int, str | None], Command[bool]]


async def _put(
    rt: Runtime,
    ctx: RequestContext[PermissionsIn, OrderingQuery, OrgProviderPath]
    | RequestContext[MappingsIn, OrderingQuery, OrgProviderPath],
    make: PushCommand,
) -> None:
    """A permissions or mappings push as Coveo sent it, applied before the answer."""
    who = _who(ctx)
    pushed = ctx.body.pushed(ctx.path.providerId)
    await rt.write_one(who.workspace_id, make(*pushed, _ordering(ctx.query), who.key_id))


def register(group: RouteGroup, rt: Runtime) -> None:
    common: dict[str, Any] = {
        "status": 202,
        "scopes": (Scope.WRITE,),
        "errors": (400, 409),
        "tags": ("coveo",),
        "max_body_bytes": MAX_BODY,
    }

    @group.put(
        PROVIDER + "/permissions",
        body=PermissionsIn,
        query=OrderingQuery,
        path_params=OrgProviderPath,
        summary="Add or update a security identity (replaces members and wellKnowns)",
        **common,
    )
    async def put_permissions(
        ctx: RequestContext[PermissionsIn, OrderingQuery, OrgProviderPath],
    ) -> dict[str, Any]:
        await _put(rt, ctx, identities.PutPermissions)
        return {}

    @group.put(
        PROVIDER + "/mappings",
        body=MappingsIn,
        query=OrderingQuery,
        path_params=OrgProviderPath,
        summary="Add or update an alias (mapped identities become one profile)",
        **common,
    )
    async def put_mappings(
        ctx: RequestContext[MappingsIn, OrderingQuery, OrgProviderPath],
    ) -> dict[str, Any]:
        await _put(rt, ctx, identities.PutMappings)
        return {}

    @group.delete(
        PROVIDER + "/permissions",
        body=DeleteIn,
        query=OrderingQuery,
        path_params=OrgProviderPath,
        summary="Disable a security identity",
        **common,
    )
    async def delete_permissions(
        ctx: RequestContext[DeleteIn, OrderingQuery, OrgProviderPath],
    ) -> dict[str, Any]:
        who, b, provider = _who(ctx), ctx.body, ctx.path.providerId
        identity = b.identity.identity(provider, "identity")
        command = identities.Disable(identity, _ordering(ctx.query), who.key_id)
        await rt.write_one(who.workspace_id, command)
        return {}

    @group.delete(
        PROVIDER + "/permissions/olderthan",
        query=OlderThanQuery,
        path_params=OrgProviderPath,
        summary="Disable the provider's identities last written with a lower orderingId",
        **common,
    )
    async def delete_older_than(
        ctx: RequestContext[None, OlderThanQuery, OrgProviderPath],
    ) -> dict[str, Any]:
        who, q, provider = _who(ctx), ctx.query, ctx.path.providerId
        command = identities.DisableOlderThan(provider, q.orderingId, who.key_id)
        await rt.write_one(who.workspace_id, command)
        return {}
