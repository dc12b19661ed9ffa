"""Braze's external id migration: /users/external_ids/rename and /users/external_ids/remove.

A rename gives the user a new external id and keeps the old one as a deprecated id that
still names the user (`renames.rename_external_id`, ADR 0024); a remove forgets a
deprecated id, never a current one. Each item stands or falls alone, and the answer is
Braze's: the ids that went through, and the refused ones as `[index, message]` in
`rename_errors` / `removal_errors`, next to `"message": "success"`.
"""

from __future__ import annotations

from typing import Any

from aka.core.errors import AkaError, Code
from aka.engine.runtime import Runtime
from aka.http.dialects.braze import schemas as s
from aka.http.dialects.braze.aliases import TAGS
from aka.http.dialects.braze.wire import decode, principal
from aka.http.routing import RequestContext, RouteGroup
from aka.service.graph_commands import RemoveDeprecatedExternalId, RenameExternalId
from aka.service.refs import ProfileRef


def register(group: RouteGroup, rt: Runtime) -> None:
    limit = rt.settings.max_body_bytes

    @group.post(
        "/external_ids/rename",
        scopes=("users.external_ids.rename",),
        tags=TAGS,
        operation_id="braze_users_external_ids_rename",
        own_body=s.ExternalIdRenameIn,  # read by `decode` (auth may need its api_key)
        summary="Braze: rename users' external ids, keeping the old ones as deprecated",
        description="Body `{external_id_renames: [{current_external_id, new_external_id}]}`, "
        "1 to 50. The user takes the new id; the current one stays deprecated: it still "
        "names the user until removed with /users/external_ids/remove. Braze's rules: "
        "`current_external_id` must be a user's current id (not a deprecated one), "
        "`new_external_id` unused as a current or deprecated id, and the two different. "
        "Answer `{message, external_ids, rename_errors}`: the new ids renamed, and "
        "`[index, message]` for each refused item.",
    )
    async def rename(ctx: RequestContext[None, None, None]) -> dict[str, Any]:
        who, body = principal(ctx.auth), await decode(ctx, s.ExternalIdRenameIn, limit)
        items = body.external_id_renames
        _not_empty(items, "external_id_renames")
        commands = [
            RenameExternalId(
                ProfileRef(external_id=item.current_external_id),
                item.new_external_id,
                take_back_own=False,  # Braze: not even one of the user's own old ids
                actor=who.key_id,
                field="new_external_id",
            )
            for item in items
        ]
        outcomes = await rt.write(who.workspace_id, commands)
        renamed: list[str] = []
        errors: list[list[Any]] = []
        for n, (item, outcome) in enumerate(zip(items, outcomes, strict=True)):
            if isinstance(outcome, AkaError):
                errors.append([n, _rename_error(outcome, item)])
            else:
                renamed.append(str(outcome.profile.external_id))
        return {"message": "success", "external_ids": renamed, "rename_errors": errors}

    @group.post(
        "/external_ids/remove",
        scopes=("users.external_ids.remove",),
        tags=TAGS,
        operation_id="braze_users_external_ids_remove",
        own_body=s.ExternalIdRemoveIn,  # read by `decode` (auth may need its api_key)
        summary="Braze: remove users' deprecated external ids",
        description="Body `{external_ids: [...]}`, 1 to 50 deprecated external ids: each no "
        "longer names its user and may be taken again. A user's current external id is "
        "refused (only deprecated ids are removed). Answer `{message, removed_ids, "
        "removal_errors}`: the ids removed, and `[index, message]` for each refused one.",
    )
    async def remove(ctx: RequestContext[None, None, None]) -> dict[str, Any]:
        who, body = principal(ctx.auth), await decode(ctx, s.ExternalIdRemoveIn, limit)
        _not_empty(body.external_ids, "external_ids")
        commands = [
            RemoveDeprecatedExternalId(external_id, actor=who.key_id)
            for external_id in body.external_ids
        ]
        outcomes = await rt.write(who.workspace_id, commands)
        removed: list[str] = []
        errors: list[list[Any]] = []
        for n, outcome in enumerate(outcomes):
            if isinstance(outcome, AkaError):
                errors.append([n, outcome.message])
            else:
                removed.append(outcome.value)
        return {"message": "success", "removed_ids": removed, "removal_errors": errors}


def _not_empty(items: list[Any], array: str) -> None:
    """Braze answers an empty array with an error message, not a success."""
    if not items:
        raise AkaError(Code.INVALID_INPUT, f"{array} must not be empty", field=array)


def _rename_error(error: AkaError, item: s.ExternalIdRename) -> str:
    if error.code == Code.PROFILE_NOT_FOUND:
        return f"no user with external_id {item.current_external_id!r}"
    return error.message
