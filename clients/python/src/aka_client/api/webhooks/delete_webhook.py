from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient
from ...problems import raise_for_problem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    id: str,
    *,
    aka_min_seq: str | Unset = UNSET,
    idempotency_key: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(aka_min_seq, Unset):
        headers["Aka-Min-Seq"] = aka_min_seq

    if not isinstance(idempotency_key, Unset):
        headers["Idempotency-Key"] = idempotency_key

    _kwargs: dict[str, Any] = {
        "method": "delete",
        "url": "/v1/webhooks/{id}".format(
            id=quote(str(id), safe=""),
        ),
    }

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(*, response: httpx.Response) -> None:
    raise_for_problem(response)
    if response.status_code == 204:
        return None

    raise errors.UnexpectedStatus(response.status_code, response.content)


def _build_response(*, response: httpx.Response) -> Response[None]:
    _parse_response(response=response)  # raises unless the status is documented
    parsed = None
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=parsed,
    )


def sync_detailed(
    id: str,
    *,
    client: AuthenticatedClient,
    aka_min_seq: str | Unset = UNSET,
    idempotency_key: str | Unset = UNSET,
) -> Response[None]:
    """Stop a webhook (and forget its deliveries)

    Requires scopes: `keys:admin`.

    Args:
        id (str):
        aka_min_seq (str | Unset): Read-your-writes: an event sequence (a write's `Aka-Seq`)
            this request's reads must reflect. With read replicas, a replica serves them only
            once it has applied it, else the primary does; without replicas every read already
            does (README, 'Consistency headers').
        idempotency_key (str | Unset): Makes the write safe to resend: its first successful
            answer is stored and replayed for a retry with the same key and request (README,
            'Retries: Idempotency-Key').

    Raises:
        aka_client.ProblemError: the server refused the request (a subclass per status,
            carrying the problem's `code` and `field`), after any retries.
        httpx.HTTPError: the request could not be sent or answered.

    Returns:
        Response[None]: the status, headers and parsed body.

    """

    kwargs = _get_kwargs(
        id=id,
        aka_min_seq=aka_min_seq,
        idempotency_key=idempotency_key,
    )
    response = client.get_httpx_client().request(**kwargs)
    return _build_response(response=response)


def sync(
    id: str,
    *,
    client: AuthenticatedClient,
    aka_min_seq: str | Unset = UNSET,
    idempotency_key: str | Unset = UNSET,
) -> None:
    """Stop a webhook (and forget its deliveries)

    Requires scopes: `keys:admin`.

    Args:
        id (str):
        aka_min_seq (str | Unset): Read-your-writes: an event sequence (a write's `Aka-Seq`)
            this request's reads must reflect. With read replicas, a replica serves them only
            once it has applied it, else the primary does; without replicas every read already
            does (README, 'Consistency headers').
        idempotency_key (str | Unset): Makes the write safe to resend: its first successful
            answer is stored and replayed for a retry with the same key and request (README,
            'Retries: Idempotency-Key').

    Raises:
        aka_client.ProblemError: the server refused the request (a subclass per status,
            carrying the problem's `code` and `field`), after any retries.
        httpx.HTTPError: the request could not be sent or answered.

    Returns:
        None

    """

    kwargs = _get_kwargs(
        id=id,
        aka_min_seq=aka_min_seq,
        idempotency_key=idempotency_key,
    )
    return _parse_response(response=client.get_httpx_client().request(**kwargs))


async def asyncio_detailed(
    id: str,
    *,
    client: AuthenticatedClient,
    aka_min_seq: str | Unset = UNSET,
    idempotency_key: str | Unset = UNSET,
) -> Response[None]:
    """Stop a webhook (and forget its deliveries)

    Requires scopes: `keys:admin`.

    Args:
        id (str):
        aka_min_seq (str | Unset): Read-your-writes: an event sequence (a write's `Aka-Seq`)
            this request's reads must reflect. With read replicas, a replica serves them only
            once it has applied it, else the primary does; without replicas every read already
            does (README, 'Consistency headers').
        idempotency_key (str | Unset): Makes the write safe to resend: its first successful
            answer is stored and replayed for a retry with the same key and request (README,
            'Retries: Idempotency-Key').

    Raises:
        aka_client.ProblemError: the server refused the request (a subclass per status,
            carrying the problem's `code` and `field`), after any retries.
        httpx.HTTPError: the request could not be sent or answered.

    Returns:
        Response[None]: the status, headers and parsed body.

    """

    kwargs = _get_kwargs(
        id=id,
        aka_min_seq=aka_min_seq,
        idempotency_key=idempotency_key,
    )
    response = await client.get_async_httpx_client().request(**kwargs)
    return _build_response(response=response)


async def asyncio(
    id: str,
    *,
    client: AuthenticatedClient,
    aka_min_seq: str | Unset = UNSET,
    idempotency_key: str | Unset = UNSET,
) -> None:
    """Stop a webhook (and forget its deliveries)

    Requires scopes: `keys:admin`.

    Args:
        id (str):
        aka_min_seq (str | Unset): Read-your-writes: an event sequence (a write's `Aka-Seq`)
            this request's reads must reflect. With read replicas, a replica serves them only
            once it has applied it, else the primary does; without replicas every read already
            does (README, 'Consistency headers').
        idempotency_key (str | Unset): Makes the write safe to resend: its first successful
            answer is stored and replayed for a retry with the same key and request (README,
            'Retries: Idempotency-Key').

    Raises:
        aka_client.ProblemError: the server refused the request (a subclass per status,
            carrying the problem's `code` and `field`), after any retries.
        httpx.HTTPError: the request could not be sent or answered.

    Returns:
        None

    """

    kwargs = _get_kwargs(
        id=id,
        aka_min_seq=aka_min_seq,
        idempotency_key=idempotency_key,
    )
    return _parse_response(response=await client.get_async_httpx_client().request(**kwargs))
