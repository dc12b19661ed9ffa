from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient
from ...models.webhook_in import WebhookIn
from ...models.webhook_out import WebhookOut
from ...problems import raise_for_problem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    body: WebhookIn,
    aka_min_seq: str | Unset = UNSET,
    idempotency_key: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(aka_min_seq, Unset):
        headers["Aka-Min-Seq"] = aka_min_seq

    if not isinstance(idempotency_key, Unset):
        headers["Idempotency-Key"] = idempotency_key

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/webhooks",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(*, response: httpx.Response) -> WebhookOut:
    raise_for_problem(response)
    if response.status_code == 201:
        response_201 = WebhookOut.from_dict(response.json())

        return response_201

    raise errors.UnexpectedStatus(response.status_code, response.content)


def _build_response(*, response: httpx.Response) -> Response[WebhookOut]:
    parsed = _parse_response(response=response)
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=parsed,
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    body: WebhookIn,
    aka_min_seq: str | Unset = UNSET,
    idempotency_key: str | Unset = UNSET,
) -> Response[WebhookOut]:
    """Push this workspace's events to a URL

    Delivers the events committed from now on whose type is in `events`, in order, in batches (a
    JSON object with `events`, each as `GET /v1/events` shows it), signed with `secret` (`Aka-
    Signature: t=<unix>,v1=<hex HMAC-SHA256 of "{t}.{body}">`). At least once: a batch is
    retried with back-off until the receiver answers 2xx, and no later event is sent before. A
    key limited to namespaces makes a webhook that delivers what it may see. Needs `keys:admin`:
    a webhook sends the workspace's changes out of aka.

    Requires scopes: `keys:admin`.

    Args:
        aka_min_seq (str | Unset): Read-your-writes: an event sequence (a write's `Aka-Seq`)
            this request's reads must reflect. With read replicas, a replica serves them only
            once it has applied it, else the primary does; without replicas every read already
            does (README, 'Consistency headers').
        idempotency_key (str | Unset): Makes the write safe to resend: its first successful
            answer is stored and replayed for a retry with the same key and request (README,
            'Retries: Idempotency-Key').
        body (WebhookIn):

    Raises:
        aka_client.ProblemError: the server refused the request (a subclass per status,
            carrying the problem's `code` and `field`), after any retries.
        httpx.HTTPError: the request could not be sent or answered.

    Returns:
        Response[WebhookOut]: the status, headers and parsed body.

    """

    kwargs = _get_kwargs(
        body=body,
        aka_min_seq=aka_min_seq,
        idempotency_key=idempotency_key,
    )
    response = client.get_httpx_client().request(**kwargs)
    return _build_response(response=response)


def sync(
    *,
    client: AuthenticatedClient,
    body: WebhookIn,
    aka_min_seq: str | Unset = UNSET,
    idempotency_key: str | Unset = UNSET,
) -> WebhookOut:
    """Push this workspace's events to a URL

    Delivers the events committed from now on whose type is in `events`, in order, in batches (a
    JSON object with `events`, each as `GET /v1/events` shows it), signed with `secret` (`Aka-
    Signature: t=<unix>,v1=<hex HMAC-SHA256 of "{t}.{body}">`). At least once: a batch is
    retried with back-off until the receiver answers 2xx, and no later event is sent before. A
    key limited to namespaces makes a webhook that delivers what it may see. Needs `keys:admin`:
    a webhook sends the workspace's changes out of aka.

    Requires scopes: `keys:admin`.

    Args:
        aka_min_seq (str | Unset): Read-your-writes: an event sequence (a write's `Aka-Seq`)
            this request's reads must reflect. With read replicas, a replica serves them only
            once it has applied it, else the primary does; without replicas every read already
            does (README, 'Consistency headers').
        idempotency_key (str | Unset): Makes the write safe to resend: its first successful
            answer is stored and replayed for a retry with the same key and request (README,
            'Retries: Idempotency-Key').
        body (WebhookIn):

    Raises:
        aka_client.ProblemError: the server refused the request (a subclass per status,
            carrying the problem's `code` and `field`), after any retries.
        httpx.HTTPError: the request could not be sent or answered.

    Returns:
        WebhookOut

    """

    kwargs = _get_kwargs(
        body=body,
        aka_min_seq=aka_min_seq,
        idempotency_key=idempotency_key,
    )
    return _parse_response(response=client.get_httpx_client().request(**kwargs))


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    body: WebhookIn,
    aka_min_seq: str | Unset = UNSET,
    idempotency_key: str | Unset = UNSET,
) -> Response[WebhookOut]:
    """Push this workspace's events to a URL

    Delivers the events committed from now on whose type is in `events`, in order, in batches (a
    JSON object with `events`, each as `GET /v1/events` shows it), signed with `secret` (`Aka-
    Signature: t=<unix>,v1=<hex HMAC-SHA256 of "{t}.{body}">`). At least once: a batch is
    retried with back-off until the receiver answers 2xx, and no later event is sent before. A
    key limited to namespaces makes a webhook that delivers what it may see. Needs `keys:admin`:
    a webhook sends the workspace's changes out of aka.

    Requires scopes: `keys:admin`.

    Args:
        aka_min_seq (str | Unset): Read-your-writes: an event sequence (a write's `Aka-Seq`)
            this request's reads must reflect. With read replicas, a replica serves them only
            once it has applied it, else the primary does; without replicas every read already
            does (README, 'Consistency headers').
        idempotency_key (str | Unset): Makes the write safe to resend: its first successful
            answer is stored and replayed for a retry with the same key and request (README,
            'Retries: Idempotency-Key').
        body (WebhookIn):

    Raises:
        aka_client.ProblemError: the server refused the request (a subclass per status,
            carrying the problem's `code` and `field`), after any retries.
        httpx.HTTPError: the request could not be sent or answered.

    Returns:
        Response[WebhookOut]: the status, headers and parsed body.

    """

    kwargs = _get_kwargs(
        body=body,
        aka_min_seq=aka_min_seq,
        idempotency_key=idempotency_key,
    )
    response = await client.get_async_httpx_client().request(**kwargs)
    return _build_response(response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    body: WebhookIn,
    aka_min_seq: str | Unset = UNSET,
    idempotency_key: str | Unset = UNSET,
) -> WebhookOut:
    """Push this workspace's events to a URL

    Delivers the events committed from now on whose type is in `events`, in order, in batches (a
    JSON object with `events`, each as `GET /v1/events` shows it), signed with `secret` (`Aka-
    Signature: t=<unix>,v1=<hex HMAC-SHA256 of "{t}.{body}">`). At least once: a batch is
    retried with back-off until the receiver answers 2xx, and no later event is sent before. A
    key limited to namespaces makes a webhook that delivers what it may see. Needs `keys:admin`:
    a webhook sends the workspace's changes out of aka.

    Requires scopes: `keys:admin`.

    Args:
        aka_min_seq (str | Unset): Read-your-writes: an event sequence (a write's `Aka-Seq`)
            this request's reads must reflect. With read replicas, a replica serves them only
            once it has applied it, else the primary does; without replicas every read already
            does (README, 'Consistency headers').
        idempotency_key (str | Unset): Makes the write safe to resend: its first successful
            answer is stored and replayed for a retry with the same key and request (README,
            'Retries: Idempotency-Key').
        body (WebhookIn):

    Raises:
        aka_client.ProblemError: the server refused the request (a subclass per status,
            carrying the problem's `code` and `field`), after any retries.
        httpx.HTTPError: the request could not be sent or answered.

    Returns:
        WebhookOut

    """

    kwargs = _get_kwargs(
        body=body,
        aka_min_seq=aka_min_seq,
        idempotency_key=idempotency_key,
    )
    return _parse_response(response=await client.get_async_httpx_client().request(**kwargs))
