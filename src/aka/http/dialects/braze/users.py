"""Braze user routes: /users/merge, /users/delete, /users/export/ids, /users/track."""

from __future__ import annotations

from typing import Any, Final

from aka.core.errors import AkaError, Code
from aka.core.model import ResolvedProfile
from aka.core.ports import Transaction
from aka.engine.runtime import Runtime
from aka.http.dialects.braze import schemas as s
from aka.http.dialects.braze.aliases import EMAIL, TAGS
from aka.http.dialects.braze.wire import decode, principal, refusals, success
from aka.http.routing import RequestContext, RouteGroup
from aka.service import refs
from aka.service.commands import Command, Refuse
from aka.service.graph_commands import DeleteProfile, Merge
from aka.service.refs import ProfileRef

EXPORT_FIELDS: Final = (
    "external_id",
    "user_aliases",
    "braze_id",
    "email",
    "created_at",
    "custom_attributes",
)


def alias_ref(alias: s.UserAlias) -> ProfileRef:
    return ProfileRef(namespace=alias.alias_label, value=alias.alias_name)


def merge_ref(ident: s.MergeIdentifier, where: str) -> ProfileRef:
    """Braze's identifier object as a profile reference. Email addresses are identifiers,
    unique in the graph, so at most one user matches and `prioritization` never has
    to break a tie."""
    forms = [f for f in (ident.external_id, ident.user_alias, ident.email) if f is not None]
    if len(forms) != 1:
        raise AkaError(
            Code.INVALID_INPUT,
            f"{where} must have exactly one of external_id, user_alias or email",
            field=where,
        )
    if ident.user_alias is not None:
        return alias_ref(ident.user_alias)
    if ident.email is not None:
        return ProfileRef(namespace=EMAIL, value=ident.email)
    return ProfileRef(external_id=ident.external_id)


def user_out(found: ResolvedProfile, fields: list[str] | None) -> dict[str, Any]:
    """A user as /users/export/ids answers it, limited to `fields` when given."""
    profile = found.profile
    emails = sorted(found.identifiers, key=lambda i: (not i.primary, i.value))
    emails = [i for i in emails if i.namespace == EMAIL]
    user: dict[str, Any] = {
        "external_id": profile.external_id,
        "user_aliases": [
            {"alias_label": i.namespace, "alias_name": i.value}
            for i in found.identifiers
            if i.namespace != EMAIL
        ],
        "braze_id": profile.id,
        "email": emails[0].value if emails else None,
        "created_at": profile.created_at.isoformat() if profile.created_at else None,
        "custom_attributes": dict(profile.attributes),
    }
    if fields is None:
        return {k: v for k, v in user.items() if v is not None}
    # A requested standard field we do not model (first_name...) is answered from the
    # attributes /users/track stored under that name, else left out.
    chosen = {f: user[f] for f in fields if f in user and user[f] is not None}
    chosen.update(
        {f: profile.attributes[f] for f in fields if f not in user and f in profile.attributes}
    )
    return chosen


def register(group: RouteGroup, rt: Runtime) -> None:
    limit = rt.settings.max_body_bytes

    @group.post(
        "/merge",
        status=202,
        scopes=("users.merge",),
        tags=TAGS,
        operation_id="braze_users_merge",
        own_body=s.MergeIn,  # read by `decode` (auth may need its api_key)
        summary="Braze: merge users",
        description="Body `{merge_updates: [{identifier_to_merge, identifier_to_keep}]}`, at "
        "most 50; an identifier is `{external_id}`, `{user_alias}` or `{email, "
        "prioritization}`. Identified users merge too (the caller named both).",
    )
    async def merge(ctx: RequestContext[None, None, None]) -> dict[str, Any]:
        who, body = principal(ctx.auth), await decode(ctx, s.MergeIn, limit)
        commands = [_merge_command(update, who.key_id) for update in body.merge_updates]
        outcomes = await rt.write(who.workspace_id, commands)
        errors = refusals(outcomes, "merge_updates")
        return success(errors)

    @group.post(
        "/delete",
        scopes=("users.delete",),
        tags=TAGS,
        operation_id="braze_users_delete",
        own_body=s.DeleteIn,  # read by `decode` (auth may need its api_key)
        summary="Braze: delete users",
        description="Exactly one of `external_ids`, `user_aliases`, `braze_ids` (at most 50). "
        "`deleted` counts the users deleted; unknown ones are minor errors.",
    )
    async def delete(ctx: RequestContext[None, None, None]) -> dict[str, Any]:
        who, body = principal(ctx.auth), await decode(ctx, s.DeleteIn, limit)
        given = {
            name: items
            for name, items in (
                ("external_ids", body.external_ids),
                ("user_aliases", body.user_aliases),
                ("braze_ids", body.braze_ids),
            )
            if items is not None
        }
        if len(given) != 1:
            raise AkaError(
                Code.INVALID_INPUT,
                "Exactly one of external_ids, user_aliases or braze_ids must be given",
            )
        ((array, items),) = given.items()
        ids: list[ProfileRef] = [
            alias_ref(i) if isinstance(i, s.UserAlias)
            else ProfileRef(external_id=i) if array == "external_ids"
            else ProfileRef.by_id(i)
            for i in items
        ]  # fmt: skip

        outcomes = await rt.write(who.workspace_id, [DeleteProfile(r, who.key_id) for r in ids])
        errors = refusals(outcomes, array)
        return success(errors, deleted=len(outcomes) - len(errors))

    @group.post(
        "/export/ids",
        scopes=("users.export.ids",),
        tags=TAGS,
        operation_id="braze_users_export_ids",
        own_body=s.ExportIn,  # read by `decode` (auth may need its api_key)
        summary="Braze: export users by identifier",
        description="`external_ids` / `user_aliases` (at most 50), `braze_id`, "
        "`email_address`; `fields_to_export` limits each user's fields.",
    )
    async def export_ids(ctx: RequestContext[None, None, None]) -> dict[str, Any]:
        who, body = principal(ctx.auth), await decode(ctx, s.ExportIn, limit)
        wanted = _export_refs(body)

        def work(tx: Transaction) -> dict[str, Any]:
            users: dict[str, dict[str, Any]] = {}
            invalid: list[str] = []
            for shown, ref in wanted:
                found = refs.find(tx, ref)
                if found is None:
                    invalid.append(shown)
                elif found.id not in users:
                    users[found.id] = user_out(refs.resolved(tx, found), body.fields_to_export)
            answer: dict[str, Any] = {"users": list(users.values()), "message": "success"}
            if invalid:
                answer["invalid_user_ids"] = invalid
            return answer

        return await rt.read(who.workspace_id, work)


def _merge_command(update: s.MergeUpdate, actor: str | None) -> Command[object]:
    """A merge update as a merge (identified users merge too: the caller named both), or
    the refusal of an identifier that names no one form."""
    try:
        gone = merge_ref(update.identifier_to_merge, "identifier_to_merge")
        keep = merge_ref(update.identifier_to_keep, "identifier_to_keep")
    except AkaError as refused:
        return Refuse(refused)
    return Merge(keep, gone, force=True, actor=actor)


def _export_refs(body: s.ExportIn) -> list[tuple[str, ProfileRef]]:
    """Each user asked for: as `invalid_user_ids` names it, and as a reference."""
    wanted: list[tuple[str, ProfileRef]] = []
    wanted += [(x, ProfileRef(external_id=x)) for x in body.external_ids or []]
    wanted += [(a.alias_name, alias_ref(a)) for a in body.user_aliases or []]
    if body.braze_id is not None:
        wanted.append((body.braze_id, ProfileRef.by_id(body.braze_id)))
    if body.email_address is not None:
        wanted.append((body.email_address, ProfileRef(namespace=EMAIL, value=body.email_address)))
    if not wanted:
        raise AkaError(
            Code.INVALID_INPUT,
            "Give external_ids, user_aliases, braze_id or email_address",
        )
    return wanted
