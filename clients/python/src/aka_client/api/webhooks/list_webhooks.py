from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient
from ...models.webhook_list_out import WebhookListOut
from ...problems import raise_for_problem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    aka_min_seq: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(aka_min_seq, Unset):
        headers["Aka-Min-Seq"] = aka_min_seq

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/webhooks",
    }

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(*, response: httpx.Response) -> WebhookListOut:
    raise_for_problem(response)
    if response.status_code == 200:
        response_200 = WebhookListOut.from_dict(response.json())

        return response_200

    raise errors.UnexpectedStatus(response.status_code, response.content)


def _build_response(*, response: httpx.Response) -> Response[WebhookListOut]:
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
    aka_min_seq: str | Unset = UNSET,
) -> Response[WebhookListOut]:
    """This workspace's webhooks

    Requires scopes: `keys:admin`.

    Args:
        aka_min_seq (str | Unset): Read-your-writes: an event sequence (a write's `Aka-Seq`)
            this request's reads must reflect. With read replicas, a replica serves them only
            once it has applied it, else the primary does; without replicas every read already
            does (README, 'Consistency headers').

    Raises:
        aka_client.ProblemError: the server refused the request (a subclass per status,
            carrying the problem's `code` and `field`), after any retries.
        httpx.HTTPError: the request could not be sent or answered.

    Returns:
        Response[WebhookListOut]: the status, headers and parsed body.

    """

    kwargs = _get_kwargs(
        aka_min_seq=aka_min_seq,
    )
    response = client.get_httpx_client().request(**kwargs)
    return _build_response(response=response)


def sync(
    *,
    client: AuthenticatedClient,
    aka_min_seq: str | Unset = UNSET,
) -> WebhookListOut:
    """This workspace's webhooks

    Requires scopes: `keys:admin`.

    Args:
        aka_min_seq (str | Unset): Read-your-writes: an event sequence (a write's `Aka-Seq`)
            this request's reads must reflect. With read replicas, a replica serves them only
            once it has applied it, else the primary does; without replicas every read already
            does (README, 'Consistency headers').

    Raises:
        aka_client.ProblemError: the server refused the request (a subclass per status,
            carrying the problem's `code` and `field`), after any retries.
        httpx.HTTPError: the request could not be sent or answered.

    Returns:
        WebhookListOut

    """

    kwargs = _get_kwargs(
        aka_min_seq=aka_min_seq,
    )
    return _parse_response(response=client.get_httpx_client().request(**kwargs))


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    aka_min_seq: str | Unset = UNSET,
) -> Response[WebhookListOut]:
    """This workspace's webhooks

    Requires scopes: `keys:admin`.

    Args:
        aka_min_seq (str | Unset): Read-your-writes: an event sequence (a write's `Aka-Seq`)
            this request's reads must reflect. With read replicas, a replica serves them only
            once it has applied it, else the primary does; without replicas every read already
            does (README, 'Consistency headers').

    Raises:
        aka_client.ProblemError: the server refused the request (a subclass per status,
            carrying the problem's `code` and `field`), after any retries.
        httpx.HTTPError: the request could not be sent or answered.

    Returns:
        Response[WebhookListOut]: the status, headers and parsed body.

    """

    kwargs = _get_kwargs(
        aka_min_seq=aka_min_seq,
    )
    response = await client.get_async_httpx_client().request(**kwargs)
    return _build_response(response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    aka_min_seq: str | Unset = UNSET,
) -> WebhookListOut:
    """This workspace's webhooks

    Requires scopes: `keys:admin`.

    Args:
        aka_min_seq (str | Unset): Read-your-writes: an event sequence (a write's `Aka-Seq`)
            this request's reads must reflect. With read replicas, a replica serves them only
            once it has applied it, else the primary does; without replicas every read already
            does (README, 'Consistency headers').

    Raises:
        aka_client.ProblemError: the server refused the request (a subclass per status,
            carrying the problem's `code` and `field`), after any retries.
        httpx.HTTPError: the request could not be sent or answered.

    Returns:
        WebhookListOut

    """

    kwargs = _get_kwargs(
        aka_min_seq=aka_min_seq,
    )
    return _parse_response(response=await client.get_async_httpx_client().request(**kwargs))
