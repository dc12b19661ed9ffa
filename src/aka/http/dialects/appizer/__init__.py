"""Appizer's user and alias API at its own paths (`/v1/users...`), onto the one graph.

`user_id` is the profile's external id, `primary_user_id` our profile id, an
`alias_id` an identifier in the door namespace `alias` (stored in `alias` unless the
workspace's `namespace_aliases` maps `appizer:alias` elsewhere, ADR 0027); every route
taking a user id accepts any of the three. Routes and every decision where Appizer is
silent: docs/dialects/appizer.md.
"""

from __future__ import annotations

from typing import Any, Final

from msgspec import Struct
from starlette.responses import Response

from aka.core.door_namespaces import DoorNamespace
from aka.core.model import ResolvedProfile
from aka.core.ports import Transaction
from aka.core.settings import WorkspaceSettings
from aka.engine.runtime import Runtime
from aka.http.dialects import DialectContext
from aka.http.dialects.appizer.wire import AppizerError, authenticator, principal, render
from aka.http.native.common import json_response
from aka.http.ratelimit import native_rate_limits
from aka.http.routing import RequestContext, RouteGroup
from aka.security.keys import Scope
from aka.service import aliases, refs
from aka.service.aliases import AliasOutcome, UserRef
from aka.service.graph_commands import Unlink
from aka.service.identities import NewIdentifier
from aka.service.vendor_commands import AddAlias, UpsertUser

DOOR: Final = "appizer"
# Appizer's door namespaces: the workspace maps each onto the namespace it is stored in.
ALIAS: Final = DoorNamespace(DOOR, "alias")
EMAIL: Final = DoorNamespace(DOOR, "email")
PHONE: Final = DoorNamespace(DOOR, "phone")
TAGS = ("appizer",)
SECURITY = (
    {
        "appizerBearer": {
            "type": "http",
            "scheme": "bearer",
            "description": "An aka key: `Authorization: Bearer <key>` (a missing, an "
            "unknown and a revoked key answer 401 with different codes).",
        }
    },
)


class AliasIn(Struct):
    """`user_id` (any id of the user) or `primary_user_id`, and the new `alias_id`.
    Unknown fields pass: Appizer clients send their own."""

    alias_id: str
    user_id: str | None = None
    primary_user_id: str | None = None


class UpsertIn(Struct):
    user_id: str
    email: str | None = None
    phone: str | None = None
    properties: dict[str, Any] | None = None


class UserPath(Struct):
    id: str


class AliasPath(Struct):
    alias_id: str


def user_out(found: ResolvedProfile, settings: WorkspaceSettings) -> dict[str, Any]:
    """A user as GET /v1/users/{id} answers it: each identifier under the door's name
    for its namespace."""
    profile = found.profile
    by_namespace: dict[str, list[str]] = {}
    for i in sorted(found.identifiers, key=lambda i: (not i.primary, i.value)):
        by_namespace.setdefault(settings.door_namespace(DOOR, i.namespace), []).append(i.value)
    user: dict[str, Any] = {
        "user_id": profile.external_id or profile.id,
        "primary_user_id": profile.id,
        "external_id": profile.external_id,
        "aliases": by_namespace.get(ALIAS.name, []),
        "properties": dict(profile.attributes),
        "identifiers": [
            {"namespace": settings.door_namespace(DOOR, i.namespace), "value": i.value}
            for i in found.identifiers
        ],
        "created_at": profile.created_at.isoformat() if profile.created_at else None,
        "updated_at": profile.updated_at.isoformat() if profile.updated_at else None,
    }
    for namespace in (EMAIL.name, PHONE.name):
        if namespace in by_namespace:
            user[namespace] = by_namespace[namespace][0]
    return user


def register(group: RouteGroup, rt: Runtime) -> None:
    @group.post(
        "/aliases",
        body=AliasIn,
        status=201,
        also=(200,),
        scopes=(Scope.WRITE,),
        errors=(400, 404, 409),
        tags=TAGS,
        operation_id="appizer_create_alias",
        summary="Appizer: add an alias to a user",
        description="201 created; 200 when it already is this user's alias; 409 when it "
        "belongs to another user, or `CIRCULAR_ALIAS` when it equals a user id.",
    )
    async def create_alias(ctx: RequestContext[AliasIn, None, None]) -> Response:
        who, body = principal(ctx.auth), ctx.body
        command = AddAlias(
            UserRef(body.user_id, ALIAS, body.primary_user_id),
            NewIdentifier(ALIAS, body.alias_id),
            refuse_external_ids=True,
            actor=who.key_id,
        )
        done = await rt.write_one(who.workspace_id, command, group=True)
        assert done.profile is not None  # if_taken="refuse" never ignores
        user = done.profile.profile
        answer = {
            "success": True,
            "alias_id": body.alias_id,
            "user_id": user.external_id or user.id,
            "message": "Alias created",
        }
        return json_response(answer, 200 if done.outcome is AliasOutcome.EXISTING else 201)

    @group.post(
        "",
        body=UpsertIn,
        status=201,
        also=(200,),
        scopes=(Scope.WRITE,),
        errors=(400, 409),
        tags=TAGS,
        operation_id="appizer_upsert_user",
        summary="Appizer: create or update a user",
        description="201 created, 200 updated. `email` and `phone` are the user's one "
        "identifier in those namespaces; `properties` is merged into the attributes.",
    )
    async def upsert_user(ctx: RequestContext[UpsertIn, None, None]) -> Response:
        who, body = principal(ctx.auth), ctx.body
        command = UpsertUser(
            UserRef(body.user_id, ALIAS),
            sole_identifiers={EMAIL: body.email, PHONE: body.phone},
            attributes=body.properties,
            actor=who.key_id,
        )
        user = await rt.write_one(who.workspace_id, command)
        answer = {
            "success": True,
            "user_id": user.external_id or user.profile_id,
            "external_id": user.external_id,
            "message": "User created" if user.created else "User updated",
        }
        return json_response(answer, 201 if user.created else 200)

    @group.get(
        "/{id}",
        path_params=UserPath,
        scopes=(Scope.READ,),
        errors=(404,),
        tags=TAGS,
        operation_id="appizer_get_user",
        summary="Appizer: read a user by its user id, an alias id or its primary id",
    )
    async def get_user(ctx: RequestContext[None, None, UserPath]) -> dict[str, Any]:
        who, wanted = principal(ctx.auth), ctx.path.id

        def work(tx: Transaction) -> tuple[ResolvedProfile, WorkspaceSettings]:
            user = aliases.require_user(tx, UserRef(wanted, ALIAS))
            return refs.resolved(tx, user), tx.settings()

        # Rendered once read: the engine redacts what a limited key may not see.
        return user_out(*await rt.read(who.workspace_id, work))

    @group.delete(
        "/aliases/{alias_id}",
        path_params=AliasPath,
        scopes=(Scope.WRITE,),
        errors=(404,),
        tags=TAGS,
        operation_id="appizer_delete_alias",
        summary="Appizer: remove an alias from its user",
    )
    async def delete_alias(ctx: RequestContext[None, None, AliasPath]) -> dict[str, Any]:
        who, alias_id = principal(ctx.auth), ctx.path.alias_id
        await rt.write_one(who.workspace_id, Unlink(ALIAS, alias_id, who.key_id))
        return {"success": True, "alias_id": alias_id, "message": "Alias deleted"}


def groups(ctx: DialectContext) -> list[RouteGroup]:
    # Prefix /v1/users, not /v1: the longest prefix owns unknown paths' 404s, so those
    # under /v1/users answer in Appizer's envelope and the rest of /v1 in problem+json.
    group = RouteGroup(
        prefix="/v1/users",
        authenticate=authenticator(ctx.rt),
        error_renderer=render,
        error_schema=AppizerError,
        error_media_type="application/json",
        tags=TAGS,
        security=SECURITY,
        errors=(429,),
        about="Appizer's user and alias API at its own paths (docs/dialects/appizer.md). "
        "Errors: `{error, message, code, details}` (invalid input is 400).",
        # The native read/write buckets: a key has one budget whichever door it uses.
        interceptors=(native_rate_limits(ctx.rt, ctx.limiter, "appizer"),),
        # Appizer ignores query parameters it does not know (docs/dialects/appizer.md).
        refuse_unknown_query=False,
    )
    register(group, ctx.rt)
    return [group]
