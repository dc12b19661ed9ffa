"""Native routes for webhooks (ADR 0030): push the workspace's events to a URL."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from msgspec import Meta, Struct
from starlette.responses import Response

from aka.core import events as ev
from aka.core import namespace_scope
from aka.core.ports import DeliveryRecord, Transaction, WebhookRecord
from aka.engine.runtime import Runtime
from aka.http.native.common import no_content, principal
from aka.http.native.schemas import _In
from aka.http.routing import RequestContext, RouteGroup
from aka.security.keys import Scope
from aka.service import webhooks


class WebhookIn(_In):
    url: Annotated[str, Meta(description="Where deliveries are POSTed: http:// or https://.")]
    events: Annotated[
        list[str],
        Meta(
            max_length=len(ev.ALL_TYPES),
            description="The event types to deliver, e.g. `profile.merged`.",
        ),
    ]
    secret: Annotated[
        str,
        Meta(
            description=f"{webhooks.SECRET_MIN} to {webhooks.SECRET_MAX} characters: the key "
            "of each delivery's HMAC-SHA256 signature (`Aka-Signature`). Never shown again."
        ),
    ]


class WebhookOut(Struct):
    id: str
    url: str
    events: list[str]
    namespaces: Annotated[
        list[str] | None,
        Meta(description="The namespace limit of the key that made it: what it delivers."),
    ]
    created_at: datetime
    created_by: str | None
    delivered_seq: Annotated[
        int, Meta(description="Every event up to this seq was delivered (or did not match).")
    ]
    failures: Annotated[int, Meta(description="Failed attempts in a row at the next batch.")]
    next_attempt_at: datetime | None


class WebhookListOut(Struct):
    webhooks: list[WebhookOut]


class WebhookPath(Struct):
    id: str


class DeliveryOut(Struct):
    id: str
    first_seq: int
    last_seq: int
    events: int
    attempt: Annotated[int, Meta(description="1 for a batch's first attempt, then 2, 3...")]
    status_code: Annotated[int | None, Meta(description="The receiver's answer, if any.")]
    error: Annotated[str | None, Meta(description="Why there was no answer (a timeout...).")]
    at: datetime
    duration_ms: int
    next_attempt_at: Annotated[
        datetime | None, Meta(description="When a failed batch is tried again.")
    ]


class DeliveriesOut(Struct):
    deliveries: list[DeliveryOut]
    next_before: Annotated[
        str | None, Meta(description="Pass as `before` for older attempts; null at the end.")
    ]


class DeliveriesQuery(_In):
    before: Annotated[str, Meta(max_length=64)] | None = None
    limit: Annotated[int, Meta(ge=1, le=webhooks.DELIVERIES_PAGE_MAX)] = 50


def _out(h: WebhookRecord) -> WebhookOut:
    return WebhookOut(
        h.id,
        h.url,
        list(h.events),
        None if h.namespaces is None else list(h.namespaces),
        h.created_at,
        h.created_by,
        h.delivered_seq,
        h.failures,
        h.next_attempt_at,
    )


def _delivery_out(d: DeliveryRecord) -> DeliveryOut:
    return DeliveryOut(
        d.id,
        d.first_seq,
        d.last_seq,
        d.events,
        d.attempt,
        d.status_code,
        d.error,
        d.at,
        d.duration_ms,
        d.next_attempt_at,
    )


def register(group: RouteGroup, rt: Runtime) -> None:
    @group.post(
        "/webhooks",
        body=WebhookIn,
        response=WebhookOut,
        status=201,
        scopes=(Scope.KEYS_ADMIN,),
        errors=(409,),
        tags=("webhooks",),
        summary="Push this workspace's events to a URL",
        description="Delivers the events committed from now on whose type is in `events`, in "
        "order, in batches (a JSON object with `events`, each as `GET /v1/events` shows it), "
        "signed with `secret` (`Aka-Signature: t=<unix>,v1=<hex HMAC-SHA256 of "
        '"{t}.{body}">`). At least once: a batch is retried with back-off until the '
        "receiver answers 2xx, and no later event is sent before. A key limited to "
        "namespaces makes a webhook that delivers what it may see. Needs `keys:admin`: "
        "a webhook sends the workspace's changes out of aka.",
    )
    async def create_webhook(ctx: RequestContext[WebhookIn, None, None]) -> WebhookOut:
        who, b = principal(ctx.auth), ctx.body
        scope = namespace_scope.current()
        now = datetime.now(UTC)

        def work(tx: Transaction) -> WebhookRecord:
            return webhooks.create(
                tx, url=b.url, types=b.events, secret=b.secret, scope=scope,
                actor=who.key_id, now=now,
            )  # fmt: skip

        return _out(await rt.write_unit(who.workspace_id, work))

    @group.get(
        "/webhooks",
        response=WebhookListOut,
        scopes=(Scope.KEYS_ADMIN,),
        tags=("webhooks",),
        summary="This workspace's webhooks",
    )
    async def list_webhooks(ctx: RequestContext[None, None, None]) -> WebhookListOut:
        found = await rt.read(
            principal(ctx.auth).workspace_id, lambda tx: tx.webhooks.all(), primary=True
        )
        return WebhookListOut([_out(h) for h in found])

    @group.get(
        "/webhooks/{id}",
        path_params=WebhookPath,
        response=WebhookOut,
        scopes=(Scope.KEYS_ADMIN,),
        errors=(404,),
        tags=("webhooks",),
        summary="One webhook and how far it has delivered",
    )
    async def get_webhook(ctx: RequestContext[None, None, WebhookPath]) -> WebhookOut:
        hook_id = ctx.path.id
        found = await rt.read(
            principal(ctx.auth).workspace_id, lambda tx: webhooks.get(tx, hook_id), primary=True
        )
        return _out(found)

    @group.delete(
        "/webhooks/{id}",
        path_params=WebhookPath,
        status=204,
        scopes=(Scope.KEYS_ADMIN,),
        errors=(404,),
        tags=("webhooks",),
        summary="Stop a webhook (and forget its deliveries)",
    )
    async def delete_webhook(ctx: RequestContext[None, None, WebhookPath]) -> Response:
        hook_id = ctx.path.id
        await rt.write_unit(
            principal(ctx.auth).workspace_id, lambda tx: webhooks.delete(tx, hook_id)
        )
        return no_content()

    @group.get(
        "/webhooks/{id}/deliveries",
        path_params=WebhookPath,
        query=DeliveriesQuery,
        response=DeliveriesOut,
        scopes=(Scope.KEYS_ADMIN,),
        errors=(404,),
        tags=("webhooks",),
        summary="A webhook's delivery attempts, newest first",
        description="Each attempt: the events it carried (`first_seq`..`last_seq`), the "
        "receiver's status code or the error, and when a failed one is retried. Kept "
        "`webhook_deliveries_keep_days`.",
    )
    async def webhook_deliveries(
        ctx: RequestContext[None, DeliveriesQuery, WebhookPath],
    ) -> DeliveriesOut:
        hook_id, q = ctx.path.id, ctx.query
        found = await rt.read(
            principal(ctx.auth).workspace_id,
            lambda tx: webhooks.deliveries(tx, hook_id, q.before, q.limit),
            primary=True,
            several=True,
        )
        more = found[-1].id if len(found) == q.limit else None
        return DeliveriesOut([_delivery_out(d) for d in found], more)
