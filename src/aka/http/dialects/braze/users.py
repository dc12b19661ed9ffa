"""Braze user routes: /users/merge, /users/delete, /users/export/ids, /users/track."""

from __future__ import annotations

from typing import Any, Final

from aka.core.errors import AkaError, Code
from aka.core.events import EXTERNAL_IDS
from aka.core.model import ResolvedProfile
from aka.core.ports import Transaction
from aka.core.settings import WorkspaceSettings
from aka.engine.runtime import Runtime
from aka.http.dialects.braze import schemas as s
from aka.http.dialects.braze.aliases import TAGS
from aka.http.dialects.braze.fields import EXPORT_FIELDS, STANDARD
from aka.http.dialects.braze.wire import DOOR, decode, label, principal, refusals, success
from aka.http.routing import RequestContext, RouteGroup
from aka.service import refs
from aka.service.commands import Command, Refuse
from aka.service.refs import ProfileRef
from aka.service.shared_users import DeleteUser, MergeUsers
from aka.service.shared_values import EMAIL, PHONE, SharedRef, find_all

DEVICE: Final = "device"  # the namespace of a Braze `device_id`
# Namespaces a user's export shows in a field of its own, not among its `user_aliases`.
# The external ids a user was renamed away from are not aliases (ADR 0024).
_OWN_FIELD: Final = (EMAIL, PHONE, DEVICE, EXTERNAL_IDS)


def alias_ref(alias: s.UserAlias) -> ProfileRef:
    return ProfileRef(namespace=label(alias.alias_label), value=alias.alias_name)


def merge_ref(ident: s.MergeIdentifier, where: str) -> ProfileRef | SharedRef:
    """Braze's identifier object as a reference: an email or phone names the users
    sharing it, `prioritization` choosing one (ADR 0018)."""
    forms = [
        f for f in (ident.external_id, ident.user_alias, ident.email, ident.phone) if f is not None
    ]
    if len(forms) != 1:
        raise AkaError(
            Code.INVALID_INPUT,
            f"{where} must have exactly one of external_id, user_alias, email or phone",
            field=where,
        )
    if ident.user_alias is not None:
        return alias_ref(ident.user_alias)
    for name, value in ((EMAIL, ident.email), (PHONE, ident.phone)):
        if value is not None:
            return SharedRef(name, value, ident.prioritization, field=f"{where}.{name}")
    return ProfileRef(external_id=ident.external_id)


def _first(found: ResolvedProfile, namespace: str) -> str | None:
    held = sorted(
        (i for i in found.identifiers if i.namespace == namespace),
        key=lambda i: (not i.primary, i.value),
    )
    return held[0].value if held else None


def user_out(
    found: ResolvedProfile, fields: list[str] | None, settings: WorkspaceSettings | None = None
) -> dict[str, Any]:
    """A user as /users/export/ids answers it, limited to `fields` when given: Braze's
    standard fields at the top level, the other attributes under `custom_attributes`,
    each alias under the label the workspace's `namespace_aliases` gives its namespace."""
    named = settings or WorkspaceSettings()
    profile = found.profile
    attributes = profile.attributes
    standard = {k: v for k, v in attributes.items() if k in STANDARD}
    location = standard.pop("current_location", None)
    user: dict[str, Any] = {
        "external_id": profile.external_id,
        "user_aliases": [
            {"alias_label": named.door_namespace(DOOR, i.namespace), "alias_name": i.value}
            for i in found.identifiers
            if i.namespace not in _OWN_FIELD
        ],
        "braze_id": profile.id,
        **standard,
        # The user's own field first; else the identifier of that namespace.
        EMAIL: standard.get(EMAIL) or _first(found, EMAIL),
        PHONE: standard.get(PHONE) or _first(found, PHONE),
        "devices": [{"device_id": i.value} for i in found.identifiers if i.namespace == DEVICE]
        or None,
        "last_coordinates": [location["longitude"], location["latitude"]] if location else None,
        "created_at": profile.created_at.isoformat() if profile.created_at else None,
        "custom_attributes": {k: v for k, v in attributes.items() if k not in STANDARD},
    }
    if fields is None:
        return {k: v for k, v in user.items() if v is not None}
    # A Braze field aka does not keep is left out: Braze reads a missing field as empty.
    return {f: user[f] for f in fields if user.get(f) is not None}


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
        "most 50; an identifier is `{external_id}`, `{user_alias}`, `{email, "
        "prioritization}` or `{phone, prioritization}`. Identified users merge too (the "
        "caller named both).",
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
        description="Exactly one of `external_ids`, `user_aliases`, `braze_ids`, "
        "`email_addresses`, `phone_numbers` (at most 50; an email or phone as a string or "
        "`{email|phone, prioritization}`). `deleted` counts the users deleted; unknown "
        "ones are minor errors.",
    )
    async def delete(ctx: RequestContext[None, None, None]) -> dict[str, Any]:
        who, body = principal(ctx.auth), await decode(ctx, s.DeleteIn, limit)
        array, ids = _delete_refs(body)
        commands = [DeleteUser(r, who.key_id) for r in ids]
        outcomes = await rt.write(who.workspace_id, commands)
        errors = refusals(outcomes, array)
        return success(errors, deleted=len(outcomes) - len(errors))

    @group.post(
        "/export/ids",
        scopes=("users.export.ids",),
        tags=TAGS,
        operation_id="braze_users_export_ids",
        own_body=s.ExportIn,  # read by `decode` (auth may need its api_key)
        summary="Braze: export users by identifier",
        description="`external_ids` / `user_aliases` (at most 50), `braze_id`, and one "
        "of `device_id`, `email_address`, `phone` (every user sharing it); "
        "`fields_to_export` limits each user's fields.",
    )
    async def export_ids(ctx: RequestContext[None, None, None]) -> dict[str, Any]:
        who, body = principal(ctx.auth), await decode(ctx, s.ExportIn, limit)
        wanted = _export_refs(body)

        # The profiles are rendered once read: a key limited to namespaces gets them
        # with other namespaces' identifiers left out (the engine's redaction, ADR 0026).
        def work(tx: Transaction) -> tuple[list[ResolvedProfile], list[str], WorkspaceSettings]:
            users: dict[str, ResolvedProfile] = {}
            invalid: list[str] = []
            for shown, ref in wanted:
                # An email or a phone names every user sharing it.
                one = None if isinstance(ref, SharedRef) else refs.find(tx, ref)
                found = find_all(tx, ref) if isinstance(ref, SharedRef) else [one] if one else []
                if not found:
                    invalid.append(shown)
                for profile in found:
                    if profile.id not in users:
                        users[profile.id] = refs.resolved(tx, profile)
            return list(users.values()), invalid, tx.settings()

        found, invalid, settings = await rt.read(who.workspace_id, work)
        answer: dict[str, Any] = {
            "users": [user_out(user, body.fields_to_export, settings) for user in found],
            "message": "success",
        }
        if invalid:
            answer["invalid_user_ids"] = invalid
        return answer


def _merge_command(update: s.MergeUpdate, actor: str | None) -> Command[object]:
    """A merge update as a merge (identified users merge too: the caller named both), or
    the refusal of an identifier that names no one form."""
    try:
        gone = merge_ref(update.identifier_to_merge, "identifier_to_merge")
        keep = merge_ref(update.identifier_to_keep, "identifier_to_keep")
    except AkaError as refused:
        return Refuse(refused)
    return MergeUsers(keep, gone, force=True, actor=actor)


def _delete_refs(body: s.DeleteIn) -> tuple[str, list[ProfileRef | SharedRef]]:
    """The one array a delete names, and a reference for each of its items."""
    given = [
        (name, items)
        for name, items in (
            ("external_ids", body.external_ids),
            ("user_aliases", body.user_aliases),
            ("braze_ids", body.braze_ids),
            ("email_addresses", body.email_addresses),
            ("phone_numbers", body.phone_numbers),
        )
        if items is not None
    ]
    if len(given) != 1:
        raise AkaError(
            Code.INVALID_INPUT,
            "Exactly one of external_ids, user_aliases, braze_ids, email_addresses or "
            "phone_numbers must be given",
        )
    ((array, items),) = given
    ids: list[ProfileRef | SharedRef] = []
    for n, item in enumerate(items):
        if isinstance(item, s.UserAlias):
            ids.append(alias_ref(item))
        elif isinstance(item, s.EmailToDelete | s.PhoneToDelete):
            name = EMAIL if isinstance(item, s.EmailToDelete) else PHONE
            value = item.email if isinstance(item, s.EmailToDelete) else item.phone
            ids.append(SharedRef(name, value, item.prioritization, field=f"{array}[{n}].{name}"))
        elif array in ("email_addresses", "phone_numbers"):
            name = EMAIL if array == "email_addresses" else PHONE
            ids.append(SharedRef(name, item, field=f"{array}[{n}]"))
        elif array == "external_ids":
            ids.append(ProfileRef(external_id=item))
        else:
            ids.append(ProfileRef.by_id(item))
    return array, ids


def _export_refs(body: s.ExportIn) -> list[tuple[str, ProfileRef | SharedRef]]:
    """Each user asked for: as `invalid_user_ids` names it, and as a reference."""
    alone = [
        (name, value)
        for name, value in (("device_id", body.device_id), ("email_address", body.email_address),
                            ("phone", body.phone))
        if value is not None
    ]  # fmt: skip
    if len(alone) > 1:
        raise AkaError(
            Code.INVALID_INPUT,
            "Give only one of device_id, email_address or phone per request "
            f"({' and '.join(name for name, _ in alone)} were given)",
            field=alone[1][0],
        )
    unknown = [f for f in body.fields_to_export or [] if f not in EXPORT_FIELDS]
    if unknown:
        n = (body.fields_to_export or []).index(unknown[0])
        raise AkaError(
            Code.INVALID_INPUT,
            f"fields_to_export[{n}] {unknown[0]!r} is not a field Braze exports",
            field=f"fields_to_export[{n}]",
        )
    wanted: list[tuple[str, ProfileRef | SharedRef]] = []
    wanted += [(x, ProfileRef(external_id=x)) for x in body.external_ids or []]
    wanted += [(a.alias_name, alias_ref(a)) for a in body.user_aliases or []]
    if body.braze_id is not None:
        wanted.append((body.braze_id, ProfileRef.by_id(body.braze_id)))
    if body.device_id is not None:
        wanted.append((body.device_id, ProfileRef(namespace=DEVICE, value=body.device_id)))
    if body.email_address is not None:
        wanted.append(
            (body.email_address, SharedRef(EMAIL, body.email_address, field="email_address"))
        )
    if body.phone is not None:
        wanted.append((body.phone, SharedRef(PHONE, body.phone, field="phone")))
    if not wanted:
        raise AkaError(
            Code.INVALID_INPUT,
            "Give external_ids, user_aliases, device_id, braze_id, email_address or phone",
        )
    return wanted
