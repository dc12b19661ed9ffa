from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient
from ...models.key_created_out import KeyCreatedOut
from ...models.key_in import KeyIn
from ...problems import raise_for_problem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    body: KeyIn,
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
        "url": "/v1/keys",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(*, response: httpx.Response) -> KeyCreatedOut:
    raise_for_problem(response)
    if response.status_code == 201:
        response_201 = KeyCreatedOut.from_dict(response.json())

        return response_201

    raise errors.UnexpectedStatus(response.status_code, response.content)


def _build_response(*, response: httpx.Response) -> Response[KeyCreatedOut]:
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
    body: KeyIn,
    aka_min_seq: str | Unset = UNSET,
    idempotency_key: str | Unset = UNSET,
) -> Response[KeyCreatedOut]:
    """Create an API key for this workspace

    The `secret` is in this answer only; aka keeps just its hash. Default scopes: all but
    `metrics:read`, which is given only when named. `rate_limits` are the key's own (they win
    over the workspace's and the server's). `namespaces` limits what the key may see and write,
    on every door (ADR 0026).

    Requires scopes: `keys:admin`.

    Args:
        aka_min_seq (str | Unset): Read-your-writes: an event sequence (a write's `Aka-Seq`)
            this request's reads must reflect. With read replicas, a replica serves them only
            once it has applied it, else the primary does; without replicas every read already
            does (README, 'Consistency headers').
        idempotency_key (str | Unset): Makes the write safe to resend: its first successful
            answer is stored and replayed for a retry with the same key and request (README,
            'Retries: Idempotency-Key').
        body (KeyIn):

    Raises:
        aka_client.ProblemError: the server refused the request (a subclass per status,
            carrying the problem's `code` and `field`), after any retries.
        httpx.HTTPError: the request could not be sent or answered.

    Returns:
        Response[KeyCreatedOut]: the status, headers and parsed body.

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
    body: KeyIn,
    aka_min_seq: str | Unset = UNSET,
    idempotency_key: str | Unset = UNSET,
) -> KeyCreatedOut:
    """Create an API key for this workspace

    The `secret` is in this answer only; aka keeps just its hash. Default scopes: all but
    `metrics:read`, which is given only when named. `rate_limits` are the key's own (they win
    over the workspace's and the server's). `namespaces` limits what the key may see and write,
    on every door (ADR 0026).

    Requires scopes: `keys:admin`.

    Args:
        aka_min_seq (str | Unset): Read-your-writes: an event sequence (a write's `Aka-Seq`)
            this request's reads must reflect. With read replicas, a replica serves them only
            once it has applied it, else the primary does; without replicas every read already
            does (README, 'Consistency headers').
        idempotency_key (str | Unset): Makes the write safe to resend: its first successful
            answer is stored and replayed for a retry with the same key and request (README,
            'Retries: Idempotency-Key').
        body (KeyIn):

    Raises:
        aka_client.ProblemError: the server refused the request (a subclass per status,
            carrying the problem's `code` and `field`), after any retries.
        httpx.HTTPError: the request could not be sent or answered.

    Returns:
        KeyCreatedOut

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
    body: KeyIn,
    aka_min_seq: str | Unset = UNSET,
    idempotency_key: str | Unset = UNSET,
) -> Response[KeyCreatedOut]:
    """Create an API key for this workspace

    The `secret` is in this answer only; aka keeps just its hash. Default scopes: all but
    `metrics:read`, which is given only when named. `rate_limits` are the key's own (they win
    over the workspace's and the server's). `namespaces` limits what the key may see and write,
    on every door (ADR 0026).

    Requires scopes: `keys:admin`.

    Args:
        aka_min_seq (str | Unset): Read-your-writes: an event sequence (a write's `Aka-Seq`)
            this request's reads must reflect. With read replicas, a replica serves them only
            once it has applied it, else the primary does; without replicas every read already
            does (README, 'Consistency headers').
        idempotency_key (str | Unset): Makes the write safe to resend: its first successful
            answer is stored and replayed for a retry with the same key and request (README,
            'Retries: Idempotency-Key').
        body (KeyIn):

    Raises:
        aka_client.ProblemError: the server refused the request (a subclass per status,
            carrying the problem's `code` and `field`), after any retries.
        httpx.HTTPError: the request could not be sent or answered.

    Returns:
        Response[KeyCreatedOut]: the status, headers and parsed body.

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
    body: KeyIn,
    aka_min_seq: str | Unset = UNSET,
    idempotency_key: str | Unset = UNSET,
) -> KeyCreatedOut:
    """Create an API key for this workspace

    The `secret` is in this answer only; aka keeps just its hash. Default scopes: all but
    `metrics:read`, which is given only when named. `rate_limits` are the key's own (they win
    over the workspace's and the server's). `namespaces` limits what the key may see and write,
    on every door (ADR 0026).

    Requires scopes: `keys:admin`.

    Args:
        aka_min_seq (str | Unset): Read-your-writes: an event sequence (a write's `Aka-Seq`)
            this request's reads must reflect. With read replicas, a replica serves them only
            once it has applied it, else the primary does; without replicas every read already
            does (README, 'Consistency headers').
        idempotency_key (str | Unset): Makes the write safe to resend: its first successful
            answer is stored and replayed for a retry with the same key and request (README,
            'Retries: Idempotency-Key').
        body (KeyIn):

    Raises:
        aka_client.ProblemError: the server refused the request (a subclass per status,
            carrying the problem's `code` and `field`), after any retries.
        httpx.HTTPError: the request could not be sent or answered.

    Returns:
        KeyCreatedOut

    """

    kwargs = _get_kwargs(
        body=body,
        aka_min_seq=aka_min_seq,
        idempotency_key=idempotency_key,
    )
    return _parse_response(response=await client.get_async_httpx_client().request(**kwargs))
