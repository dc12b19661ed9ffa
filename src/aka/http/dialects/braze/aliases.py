"""Braze alias routes: /users/alias/new, /users/alias/update, /users/identify.

Each item stands or falls alone: an item the graph refuses becomes a minor error and
the others still apply, as Braze processes items independently. The answer
(`aliases_processed` and the minor errors) is a fold over the per-item outcomes. The
aliases of /alias/new are one command (`AddAliases`), so those one request adds to one
user are one event; the items of the other routes are one command each.
"""

from __future__ import annotations

from typing import Any

from aka.core.errors import AkaError
from aka.engine.runtime import Runtime
from aka.http.dialects.braze import schemas as s
from aka.http.dialects.braze.wire import decode, label, minor, principal, refusals, success
from aka.http.routing import RequestContext, RouteGroup
from aka.service.aliases import IdentifyOutcome, IdentifyResult
from aka.service.commands import Command
from aka.service.graph_commands import Rename
from aka.service.identities import NewIdentifier
from aka.service.refs import ProfileRef
from aka.service.shared_users import IdentifyShared
from aka.service.shared_values import EMAIL, PHONE, SharedRef
from aka.service.vendor_commands import AddAliases, IdentifyByIdentifier

TAGS = ("braze",)


def register(group: RouteGroup, rt: Runtime) -> None:
    limit = rt.settings.max_body_bytes

    @group.post(
        "/alias/new",
        status=201,
        scopes=("users.alias.new",),
        tags=TAGS,
        operation_id="braze_users_alias_new",
        own_body=s.AliasNewIn,  # read by `decode` (auth may need its api_key)
        summary="Braze: add user aliases (alias-only users without external_id)",
        description="Body `{user_aliases: [{external_id?, alias_label, alias_name}]}`, at "
        "most 50. A label+name pair that exists anywhere is left as it is and still counts "
        "as processed; an unknown external_id adds a minor error.",
    )
    async def alias_new(ctx: RequestContext[None, None, None]) -> dict[str, Any]:
        who, body = principal(ctx.auth), await decode(ctx, s.AliasNewIn, limit)
        # One command for the request: what it adds to one user is one event, and each
        # item is still answered as if added alone (`service.many_aliases`).
        command = AddAliases(
            [
                (
                    ProfileRef(external_id=item.external_id) if item.external_id else None,
                    NewIdentifier(label(item.alias_label), item.alias_name),
                )
                for item in body.user_aliases
            ],
            if_taken="ignore",
            one_per_namespace=True,
            actor=who.key_id,
        )
        # Committed with concurrent requests (group commit).
        outcomes = await rt.write_one(who.workspace_id, command, group=True)
        errors: list[dict[str, Any]] = []
        processed = 0
        for n, (item, outcome) in enumerate(zip(body.user_aliases, outcomes, strict=True)):
            if isinstance(outcome, AkaError):
                errors.append(minor(_alias_error(outcome, item), "user_aliases", n))
                if item.external_id and outcome.code == "profile_not_found":
                    processed += 1  # Braze counts it: the vendor answers success
                continue
            processed += 1
        return success(errors, aliases_processed=processed)

    @group.post(
        "/alias/update",
        scopes=("users.alias.update",),
        tags=TAGS,
        operation_id="braze_users_alias_update",
        own_body=s.AliasUpdateIn,  # read by `decode` (auth may need its api_key)
        summary="Braze: rename user aliases",
        description="Body `{alias_updates: [{alias_label, old_alias_name, new_alias_name}]}`, "
        "at most 50. An unknown old pair or a taken new one is a minor error. aka's own "
        "option `keep_old_alias_names: true` keeps each old name on its user as a "
        "deprecated alias, still resolving until removed (by default it answers 404 from "
        "then on, as Braze's does).",
    )
    async def alias_update(ctx: RequestContext[None, None, None]) -> dict[str, Any]:
        who, body = principal(ctx.auth), await decode(ctx, s.AliasUpdateIn, limit)
        keep = body.keep_old_alias_names
        commands = [
            Rename(
                label(item.alias_label), item.old_alias_name, item.new_alias_name, who.key_id, keep
            )
            for item in body.alias_updates
        ]
        outcomes = await rt.write(who.workspace_id, commands)
        errors = refusals(outcomes, "alias_updates")
        return success(errors)

    @group.post(
        "/identify",
        status=201,
        scopes=("users.identify",),
        tags=TAGS,
        operation_id="braze_users_identify",
        own_body=s.IdentifyIn,  # read by `decode` (auth may need its api_key)
        summary="Braze: identify alias-only, email-only and phone-only users",
        description="Body `{aliases_to_identify: [{external_id, user_alias}], "
        "emails_to_identify: [{external_id, email, prioritization}], "
        "phone_numbers_to_identify: [{external_id, phone, prioritization}], "
        "merge_behavior}`, at most 50 each. No profile has the external_id: the user "
        "gets it; one has: the user merges into it (`merge_behavior: none`: only the "
        "alias, email or phone moves), unless it already has an alias with that label "
        "(not combined). `prioritization` chooses among users sharing an email or phone.",
    )
    async def identify(ctx: RequestContext[None, None, None]) -> dict[str, Any]:
        who, body = principal(ctx.auth), await decode(ctx, s.IdentifyIn, limit)
        move = "profile" if body.merge_behavior == "merge" else "identifier"
        # (input array, index, the alias label when an alias names the user, command)
        jobs: list[tuple[str, int, str | None, Command[IdentifyResult]]] = [
            ("aliases_to_identify", n, i.user_alias.alias_label, IdentifyByIdentifier(
                label(i.user_alias.alias_label), i.user_alias.alias_name, i.external_id,
                keep_apart_when_namespace_held=True, move=move, actor=who.key_id,
            ))
            for n, i in enumerate(body.aliases_to_identify)
        ]  # fmt: skip
        # An email or a phone may be shared by several users: `prioritization` picks
        # the one identified (ADR 0018).
        named: list[tuple[str, str, int, str, list[str], str]] = [
            ("emails_to_identify", EMAIL, n, i.email, list(i.prioritization), i.external_id)
            for n, i in enumerate(body.emails_to_identify)
        ]
        named += [
            ("phone_numbers_to_identify", PHONE, n, i.phone, list(i.prioritization),
             i.external_id)
            for n, i in enumerate(body.phone_numbers_to_identify)
        ]  # fmt: skip
        jobs += [
            (array, n, None, IdentifyShared(
                SharedRef(name, value, order, field=f"{array}[{n}].{name}"),
                external_id, move=move, actor=who.key_id,
            ))
            for array, name, n, value, order, external_id in named
        ]  # fmt: skip

        outcomes = await rt.write(who.workspace_id, [command for *_, command in jobs])
        errors: list[dict[str, Any]] = []
        processed = 0
        for (array, n, alias_label, command), outcome in zip(jobs, outcomes, strict=True):
            if isinstance(outcome, AkaError):
                errors.append(minor(outcome, array, n))
                continue
            processed += 1
            if outcome.outcome is IdentifyOutcome.NOT_COMBINED:
                assert isinstance(command, IdentifyByIdentifier)
                note = (
                    f"the user with external_id {command.external_id!r} already has an "
                    f"alias with label {alias_label!r}; the users were not combined"
                )
                errors.append(minor(note, array, n))
        return success(errors, aliases_processed=processed)


def _alias_error(error: AkaError, item: s.NewAlias) -> AkaError | str:
    if error.code == "profile_not_found":
        return f"no user with external_id {item.external_id!r}; the alias was not added"
    return error
