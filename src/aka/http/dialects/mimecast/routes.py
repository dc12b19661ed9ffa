"""The Mimecast API 1.0 routes: each item of `data` is one call, answered in `data` or
`fail`. Translation only: the graph rules are `aka.service.email_aliases`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import msgspec

from aka.core.errors import AkaError
from aka.core.ports import Transaction
from aka.engine.runtime import Runtime
from aka.http.dialects.mimecast.wire import Envelope, EnvelopeOut, FailOut, envelope, item_failure
from aka.http.problems import invalid_body
from aka.http.routing import RequestContext, RouteGroup
from aka.security.auth import Principal
from aka.security.keys import Scope
from aka.service import email_aliases as mail
from aka.service.commands import Command, Refuse
from aka.service.vendor_commands import AddEmailAlias, CreateEmailUser, RemoveEmailAlias

T = TypeVar("T")
R = TypeVar("R")


class CreateUserIn(msgspec.Struct):
    emailAddress: str  # noqa: N815 (Mimecast's wire name)
    name: str | None = None


class UpdateAliasIn(msgspec.Struct):
    aliasFor: str  # noqa: N815
    alias: str


class RemoveAliasIn(msgspec.Struct):
    alias: str


class DomainIn(msgspec.Struct):
    domain: str


def _who(ctx: RequestContext[Any, Any, Any]) -> Principal:
    assert isinstance(ctx.auth, Principal)
    return ctx.auth


def _items(body: Envelope | None) -> list[Any]:
    return body.data if body is not None else []  # at most ITEMS_MAX: see Envelope


def _decode(item: Any, shape: type[T]) -> T:
    try:
        return msgspec.convert(item, shape)
    except msgspec.ValidationError as error:
        raise invalid_body(error) from None


async def _each(
    rt: Runtime,
    who: Principal,
    items: list[Any],
    *,
    shape: type[T],
    command: Callable[[T], Command[R]],
    answer: Callable[[R], Any],
) -> EnvelopeOut:
    """Each item of `data` as one command, all in one transaction: a failed item (one
    that does not decode, or that the graph refuses) leaves the others applied and
    becomes a `fail` entry; the others answer in `data`. The request's commands are
    committed with concurrent requests' (group commit: most carry a single item)."""
    commands = [_command(item, shape, command) for item in items]
    outcomes = await rt.write(who.workspace_id, commands, group=True)
    data: list[Any] = []
    fail: list[FailOut] = []
    for item, outcome in zip(items, outcomes, strict=True):
        if isinstance(outcome, AkaError):
            fail.append(item_failure(item, outcome))
        else:
            data.append(answer(outcome))
    return envelope(data, fail)


def _command(item: Any, shape: type[T], command: Callable[[T], Command[R]]) -> Command[R]:
    try:
        return command(_decode(item, shape))
    except AkaError as refused:
        return Refuse(refused)


def _user_out(user: mail.User) -> dict[str, Any]:
    return {"emailAddress": user.address, "id": user.profile_id}


def _alias_out(done: mail.Alias) -> dict[str, Any]:
    return {
        "domain": done.domain,
        "isInternal": done.internal,
        "alias": done.alias,
        "aliasDisplayName": done.display_name,
        "aliasFor": done.alias_for,
        "type": "alias",
    }


def register(group: RouteGroup, rt: Runtime) -> None:
    common: dict[str, Any] = {"response": EnvelopeOut, "tags": ("mimecast",)}

    @group.post("/user/create-user", body=Envelope, scopes=(Scope.WRITE,), **common)
    async def create_user(ctx: RequestContext[Envelope, None, None]) -> EnvelopeOut:
        who = _who(ctx)

        def command(item: CreateUserIn) -> CreateEmailUser:
            return CreateEmailUser(item.emailAddress, item.name, who.key_id)

        return await _each(
            rt, who, _items(ctx.body), shape=CreateUserIn, command=command, answer=_user_out
        )

    @group.post("/user/update-alias", body=Envelope, scopes=(Scope.WRITE,), **common)
    async def update_alias(ctx: RequestContext[Envelope, None, None]) -> EnvelopeOut:
        who = _who(ctx)

        def command(item: UpdateAliasIn) -> AddEmailAlias:
            return AddEmailAlias(item.aliasFor, item.alias, who.key_id)

        return await _each(
            rt, who, _items(ctx.body), shape=UpdateAliasIn, command=command, answer=_alias_out
        )

    @group.post("/user/remove-alias", body=Envelope, scopes=(Scope.WRITE,), **common)
    async def remove_alias(ctx: RequestContext[Envelope, None, None]) -> EnvelopeOut:
        who = _who(ctx)

        def command(item: RemoveAliasIn) -> RemoveEmailAlias:
            return RemoveEmailAlias(item.alias, who.key_id)

        def answer(alias: str) -> dict[str, Any]:
            return {"alias": alias}

        return await _each(
            rt, who, _items(ctx.body), shape=RemoveAliasIn, command=command, answer=answer
        )

    @group.post("/user/get-internal-users", body=Envelope, scopes=(Scope.READ,), **common)
    async def internal_users(ctx: RequestContext[Envelope, None, None]) -> EnvelopeOut:
        who = _who(ctx)
        items = _items(ctx.body)

        def run(tx: Transaction) -> EnvelopeOut:
            data: list[Any] = []
            fail: list[FailOut] = []
            internal = set(mail.internal_domains(tx))
            for item in items:
                try:
                    domain = _decode(item, DomainIn).domain
                    users = mail.internal_users(tx, domain)
                except AkaError as error:
                    fail.append(item_failure(item, error))
                    continue
                listed = [
                    {
                        "emailAddress": u.address,
                        "alias": u.alias,
                        "addressType": "internal"
                        if mail.domain_of(u.address) in internal
                        else "external",
                    }
                    for u in users
                ]
                data.append({"users": listed, "userCount": len(listed)})
            return envelope(data, fail)

        return await rt.read(who.workspace_id, run)

    @group.post("/domain/get-internal-domain", scopes=(Scope.READ,), **common)
    async def internal_domain(ctx: RequestContext[None, None, None]) -> EnvelopeOut:
        domains = await rt.read(_who(ctx).workspace_id, mail.internal_domains, primary=True)
        return envelope(
            [
                {"id": d, "domain": d, "sendOnly": False, "local": True, "inboundType": "internal"}
                for d in domains
            ],
            [],
        )
