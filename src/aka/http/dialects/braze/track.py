"""Braze /users/track: user attributes. Events and purchases are refused, never dropped."""

from __future__ import annotations

from typing import Any, Final

from aka.core.errors import AkaError, Code
from aka.engine.runtime import Runtime
from aka.http.dialects.braze import schemas as s
from aka.http.dialects.braze.aliases import TAGS
from aka.http.dialects.braze.fields import attribute_patch
from aka.http.dialects.braze.wire import decode, label, principal, refusals, success
from aka.http.routing import RequestContext, RouteGroup
from aka.service.commands import Command, Refuse
from aka.service.identities import NewIdentifier
from aka.service.refs import ProfileRef
from aka.service.shared_values import EMAIL, PHONE, SharedRef
from aka.service.vendor_commands import UpsertUser

# What Braze names a user by in /users/track; never stored as an attribute.
_TRACK_IDS: Final = ("external_id", "user_alias", "braze_id")


def register(group: RouteGroup, rt: Runtime) -> None:
    limit = rt.settings.max_body_bytes

    @group.post(
        "/track",
        status=201,
        scopes=("users.track",),
        tags=TAGS,
        operation_id="braze_users_track",
        own_body=s.TrackIn,  # read by `decode` (auth may need its api_key)
        summary="Braze: set user attributes (events and purchases are refused)",
        description="`attributes: [{external_id | user_alias | braze_id | email | phone, "
        "...}]`, at most 75. Braze's standard fields are checked (`email` and `phone` "
        "normalised, and shared by any number of users); the rest are custom attributes "
        "(null removes one). Non-empty `events` or `purchases` answer 400.",
    )
    async def track(ctx: RequestContext[None, None, None]) -> dict[str, Any]:
        who, body = principal(ctx.auth), await decode(ctx, s.TrackIn, limit)
        for name, items in (("events", body.events), ("purchases", body.purchases)):
            if items:
                raise AkaError(
                    Code.INVALID_INPUT,
                    f"aka stores user identities and attributes only: {name} are not "
                    f"accepted ({len(items)} given); send an empty {name} array, and send "
                    f"{name} to your analytics store instead",
                    field=name,
                )

        commands = [_track_command(item, n, who.key_id) for n, item in enumerate(body.attributes)]
        outcomes = await rt.write(who.workspace_id, commands)
        errors = refusals(outcomes, "attributes")
        return success(errors, attributes_processed=len(outcomes) - len(errors))


def _track_command(item: dict[str, Any], n: int, actor: str) -> Command[object]:
    """An attributes object as the upsert of its user: Braze's standard fields checked
    and stored under their names (`email` and `phone` normalised, shared values: ADR
    0018), custom attributes as given; or the object's refusal, naming the field."""
    try:
        _check_options(item, f"attributes[{n}]")
        ref, create = _track_target(item)
        rest = {k: v for k, v in item.items() if k not in _TRACK_IDS and not k.startswith("_")}
        patch = attribute_patch(rest, f"attributes[{n}]")
    except AkaError as refused:
        return Refuse(refused)
    return UpsertUser(
        ref, create_with=create, attributes=patch, ref_field="attributes", actor=actor
    )


def _check_options(item: dict[str, Any], where: str) -> None:
    """The `_` options of an attributes object: `_update_existing_only` is served;
    `_merge_objects: true` (merge nested objects into the stored ones) is not, and is
    refused rather than ignored; any other `_` key is no Braze option."""
    for key, value in item.items():
        field = f"{where}.{key}"
        if not key.startswith("_") or key == "_update_existing_only":
            continue
        if key == "_merge_objects":
            if value is False or value is None:
                continue
            raise AkaError(
                Code.INVALID_INPUT,
                f"{field} is not supported: aka replaces a nested object attribute as a "
                "whole; send the whole object without _merge_objects",
                field=field,
            )
        raise AkaError(
            Code.INVALID_INPUT,
            f"{field} is not an option Braze documents (_update_existing_only, _merge_objects)",
            field=field,
        )


def _track_target(
    item: dict[str, Any],
) -> tuple[ProfileRef | SharedRef, list[NewIdentifier] | None]:
    """The user an attributes object names, and what to create when none exists (None:
    do not create). Braze creates a user for a new external_id, email or phone unless
    `_update_existing_only` is true, and an alias-only user only when it is false. With
    no id, the `email` (else the `phone`) names the user, as Braze reads it."""
    named = [k for k in _TRACK_IDS if item.get(k) is not None]
    if len(named) > 1:
        raise AkaError(
            Code.INVALID_INPUT, "each attributes object needs one of external_id, "
            f"user_alias or braze_id, not {' and '.join(named)}", field="attributes",
        )  # fmt: skip
    only_existing = item.get("_update_existing_only")
    if not isinstance(only_existing, bool | None):
        raise AkaError(Code.INVALID_INPUT, "_update_existing_only must be a boolean")
    if not named:
        for name in (EMAIL, PHONE):
            if item.get(name) is not None:
                return SharedRef(name, item[name], field=name), None if only_existing else []
        raise AkaError(
            Code.INVALID_INPUT, "each attributes object needs one of external_id, "
            "user_alias, braze_id, email or phone", field="attributes",
        )  # fmt: skip
    if named[0] == "external_id":
        external_id = item["external_id"]
        if not isinstance(external_id, str):
            raise AkaError(Code.INVALID_INPUT, "external_id must be a string")
        return ProfileRef(external_id=external_id), None if only_existing else []
    if named[0] == "braze_id":
        braze_id = item["braze_id"]
        if not isinstance(braze_id, str):
            raise AkaError(Code.INVALID_INPUT, "braze_id must be a string")
        return ProfileRef.by_id(braze_id), None
    alias = item["user_alias"]
    if not isinstance(alias, dict) or not all(
        isinstance(alias.get(k), str) for k in ("alias_label", "alias_name")
    ):
        raise AkaError(Code.INVALID_INPUT, "user_alias must be {alias_label, alias_name}")
    ref = ProfileRef(namespace=label(alias["alias_label"]), value=alias["alias_name"])
    create = [NewIdentifier(label(alias["alias_label"]), alias["alias_name"])]
    return ref, create if only_existing is False else None
