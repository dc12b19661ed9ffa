"""Coveo Security Cache expansion: every identity a member is an alias of or belongs to."""

from __future__ import annotations

import math
from typing import Annotated, Any

import msgspec
from msgspec import Meta

from aka.core.ports import Transaction
from aka.engine.runtime import Runtime
from aka.http.dialects.coveo.wire import IdentityIn
from aka.http.input_rules import NonNegativeInt64
from aka.http.routing import RequestContext, RouteGroup
from aka.security.auth import Principal
from aka.security.keys import Scope
from aka.service import security_identities as identities

PAGE_SIZE_MAX = 1000


class ParentsPath(msgspec.Struct):
    organizationId: str  # noqa: N815
    providerId: str  # noqa: N815


class ParentsQuery(msgspec.Struct):
    recursive: bool = False
    page: NonNegativeInt64 = 0
    pageSize: Annotated[int, Meta(ge=1, le=PAGE_SIZE_MAX)] = 100  # noqa: N815


class EntityOut(msgspec.Struct):
    name: str
    type: str
    provider: str
    state: str = "UP_TO_DATE"


class ParentsOut(msgspec.Struct):
    items: list[EntityOut]
    totalEntries: int  # noqa: N815
    totalPages: int  # noqa: N815


def register(group: RouteGroup, rt: Runtime) -> None:
    @group.post(
        "/{organizationId}/securitycache/entities/{providerId}/members/parents",
        body=IdentityIn,
        query=ParentsQuery,
        path_params=ParentsPath,
        response=ParentsOut,
        scopes=(Scope.READ,),
        tags=("coveo",),
        summary="Every identity a member is an alias of or belongs to (paged)",
        description="`recursive=true` follows groups of groups, cycle-safe, at most 16 "
        "levels. An unknown or disabled member has no parents.",
    )
    async def parents(ctx: RequestContext[IdentityIn, ParentsQuery, ParentsPath]) -> ParentsOut:
        who, q = ctx.auth, ctx.query
        assert isinstance(who, Principal)
        member = ctx.body.identity(ctx.path.providerId, "member")

        def work(tx: Transaction) -> list[Any]:
            return identities.parents(tx, member, recursive=q.recursive) or []

        found = await rt.read(who.workspace_id, work)
        start = q.page * q.pageSize
        page = found[start : start + q.pageSize]
        return ParentsOut(
            [EntityOut(key.value, kind.value, key.namespace) for key, kind in page],
            len(found),
            math.ceil(len(found) / q.pageSize),
        )
