"""Native routes for the caller's workspace and its API keys."""

from __future__ import annotations

import msgspec
from starlette.responses import Response

from aka.core.errors import AkaError, Code
from aka.core.ports import KeyRecord, Transaction, WorkspaceRecord
from aka.engine.runtime import Runtime
from aka.http.native.common import KeyPath, no_content, principal
from aka.http.native.schemas import (
    KeyCreatedOut,
    KeyIn,
    KeyListOut,
    KeyOut,
    WorkspaceOut,
    WorkspacePatchIn,
)
from aka.http.routing import RequestContext, RouteGroup
from aka.security.keys import Scope
from aka.service import admin, namespace_aliases


def _key_limits(k: KeyRecord) -> dict[str, str]:
    return dict((k.extra or {}).get("rate_limits") or {})


def _namespaces(k: KeyRecord) -> list[str] | None:
    return None if k.namespaces is None else list(k.namespaces)


def _key_out(k: KeyRecord) -> KeyOut:
    return KeyOut(
        k.id,
        k.name,
        k.prefix,
        list(k.scopes),
        k.created_at,
        k.revoked_at,
        _key_limits(k),
        _namespaces(k),
    )


def _workspace_out(w: WorkspaceRecord) -> WorkspaceOut:
    return WorkspaceOut(w.id, w.settings.to_json(), w.created_at, w.last_seq)


def register(group: RouteGroup, rt: Runtime) -> None:
    @group.post(
        "/keys",
        body=KeyIn,
        response=KeyCreatedOut,
        status=201,
        scopes=(Scope.KEYS_ADMIN,),
        tags=("keys",),
        summary="Create an API key for this workspace",
        description="The `secret` is in this answer only; aka keeps just its hash. "
        "Default scopes: all but `metrics:read`, which is given only when named. "
        "`rate_limits` are the key's own (they win over the "
        "workspace's and the server's). `namespaces` limits what the key may see and "
        "write, on every door (ADR 0026).",
    )
    async def create_key(ctx: RequestContext[KeyIn, None, None]) -> KeyCreatedOut:
        who, b = principal(ctx.auth), ctx.body
        issued = admin.new_key(
            who.workspace_id,
            name=b.name,
            scopes=b.scopes,
            rate_limits=b.rate_limits,
            namespaces=b.namespaces,
            within=who.namespaces,
        )
        await rt.write_unit(who.workspace_id, lambda tx: tx.keys.add(issued.record))
        r = issued.record
        return KeyCreatedOut(
            r.id,
            r.name,
            r.prefix,
            list(r.scopes),
            r.created_at,
            issued.secret,
            _key_limits(r),
            _namespaces(r),
        )

    @group.get(
        "/keys",
        response=KeyListOut,
        scopes=(Scope.KEYS_ADMIN,),
        tags=("keys",),
        summary="List this workspace's keys (never their secrets)",
    )
    async def list_keys(ctx: RequestContext[None, None, None]) -> KeyListOut:
        who = principal(ctx.auth)
        found = await rt.read(who.workspace_id, lambda tx: tx.keys.all(), primary=True)
        return KeyListOut([_key_out(k) for k in admin.keys_within(found, who.namespaces)])

    @group.delete(
        "/keys/{id}",
        path_params=KeyPath,
        status=204,
        scopes=(Scope.KEYS_ADMIN,),
        errors=(404,),
        tags=("keys",),
        summary="Revoke a key (it stops working at once)",
    )
    async def revoke_key(ctx: RequestContext[None, None, KeyPath]) -> Response:
        key_id, who = ctx.path.id, principal(ctx.auth)
        if not await rt.write_unit(
            who.workspace_id, lambda tx: admin.revoke_within(tx, key_id, who.namespaces)
        ):
            raise AkaError(Code.KEY_NOT_FOUND, f"no key {key_id!r} in this workspace", field="id")
        return no_content()

    @group.get(
        "/workspace",
        response=WorkspaceOut,
        scopes=(Scope.READ,),
        tags=("workspace",),
        summary="This key's workspace and its settings",
    )
    async def get_workspace(ctx: RequestContext[None, None, None]) -> WorkspaceOut:
        found = await rt.call(rt.store.workspace, principal(ctx.auth).workspace_id)
        assert found is not None  # a key cannot outlive its workspace (foreign key)
        return _workspace_out(found)

    @group.patch(
        "/workspace",
        body=WorkspacePatchIn,
        response=WorkspaceOut,
        scopes=(Scope.KEYS_ADMIN,),
        errors=(409,),
        tags=("workspace",),
        summary="Change the workspace's settings (JSON merge patch)",
        description="`merge_policy` (`refuse`|`auto`), `namespaces` (per-namespace "
        "`normalization`, `max_per_profile`, `blocked_values`; null removes a rule), "
        "`blocked_values`, `internal_domains`, `rate_limits` (per endpoint group; "
        "null removes an override; applies within `AKA_RATE_LIMIT_CACHE_SECONDS`), "
        '`namespace_aliases` (`{"<door>:<door namespace>": namespace}`; a change that '
        "would leave identifiers behind is 409 `namespace_aliases_in_use`: use "
        "`aka namespaces merge`).",
    )
    async def patch_workspace(ctx: RequestContext[WorkspacePatchIn, None, None]) -> WorkspaceOut:
        who = principal(ctx.auth)
        admin.require_unlimited_for_settings(who.namespaces)
        patch = msgspec.to_builtins(ctx.body)

        def work(tx: Transaction) -> None:
            namespace_aliases.update_settings(tx, patch)

        await rt.write_unit(who.workspace_id, work)
        found = await rt.call(rt.store.workspace, who.workspace_id)
        assert found is not None
        return _workspace_out(found)
