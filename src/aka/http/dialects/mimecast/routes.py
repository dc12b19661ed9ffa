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
from aka.service.batch import attempt

T = TypeVar("T")


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
    shape: type[T],
    work: Callable[[Transaction, T], Any],
) -> EnvelopeOut:
    """Every item in one transaction, each in its own savepoint: a failed item leaves
    the others applied and becomes a `fail` entry. The request is one unit of the
    workspace's group commit: concurrent requests (most carry a single item) share a
    commit."""

    def run(tx: Transaction) -> tuple[list[Any], list[FailOut]]:
        data: list[Any] = []
        fail: list[FailOut] = []
        for item in items:
            result = attempt(tx, lambda t, raw=item: work(t, _decode(raw, shape)))
            if isinstance(result, AkaError):
                fail.append(item_failure(item, result))
            else:
                data.append(result)
        return data, fail

    data, fail = await rt.write_one(who.workspace_id, run, operations=len(items))
    return envelope(data, fail)


def register(group: RouteGroup, rt: Runtime) -> None:
    common: dict[str, Any] = {"response": EnvelopeOut, "tags": ("mimecast",)}

    @group.post("/user/create-user", body=Envelope, scopes=(Scope.WRITE,), **common)
    async def create_user(ctx: RequestContext[Envelope, None, None]) -> EnvelopeOut:
        who = _who(ctx)

        def work(tx: Transaction, item: CreateUserIn) -> dict[str, Any]:
            user = mail.create_user(tx, item.emailAddress, item.name, actor=who.key_id)
            return {"emailAddress": user.address, "id": user.profile_id}

        return await _each(rt, who, _items(ctx.body), CreateUserIn, work)

    @group.post("/user/update-alias", body=Envelope, scopes=(Scope.WRITE,), **common)
    async def update_alias(ctx: RequestContext[Envelope, None, None]) -> EnvelopeOut:
        who = _who(ctx)

        def work(tx: Transaction, item: UpdateAliasIn) -> dict[str, Any]:
            done = mail.add_alias(tx, item.aliasFor, item.alias, actor=who.key_id)
            return {
                "domain": done.domain,
                "isInternal": done.internal,
                "alias": done.alias,
                "aliasDisplayName": done.display_name,
                "aliasFor": done.alias_for,
                "type": "alias",
            }

        return await _each(rt, who, _items(ctx.body), UpdateAliasIn, work)

    @group.post("/user/remove-alias", body=Envelope, scopes=(Scope.WRITE,), **common)
    async def remove_alias(ctx: RequestContext[Envelope, None, None]) -> EnvelopeOut:
        who = _who(ctx)

        def work(tx: Transaction, item: RemoveAliasIn) -> dict[str, Any]:
            return {"alias": mail.remove_alias(tx, item.alias, actor=who.key_id)}

        return await _each(rt, who, _items(ctx.body), RemoveAliasIn, work)

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
        domains = await rt.read(_who(ctx).workspace_id, mail.internal_domains)
        return envelope(
            [
                {"id": d, "domain": d, "sendOnly": False, "local": True, "inboundType": "internal"}
                for d in domains
            ],
            [],
        )
