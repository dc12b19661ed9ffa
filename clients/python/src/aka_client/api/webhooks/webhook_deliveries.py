from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient
from ...models.deliveries_out import DeliveriesOut
from ...problems import raise_for_problem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    id: str,
    *,
    before: None | str | Unset = UNSET,
    limit: int | Unset = 50,
    aka_min_seq: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(aka_min_seq, Unset):
        headers["Aka-Min-Seq"] = aka_min_seq

    params: dict[str, Any] = {}

    json_before: None | str | Unset
    if isinstance(before, Unset):
        json_before = UNSET
    else:
        json_before = before
    params["before"] = json_before

    params["limit"] = limit

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/webhooks/{id}/deliveries".format(
            id=quote(str(id), safe=""),
        ),
        "params": params,
    }

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(*, response: httpx.Response) -> DeliveriesOut:
    raise_for_problem(response)
    if response.status_code == 200:
        response_200 = DeliveriesOut.from_dict(response.json())

        return response_200

    raise errors.UnexpectedStatus(response.status_code, response.content)


def _build_response(*, response: httpx.Response) -> Response[DeliveriesOut]:
    parsed = _parse_response(response=response)
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
    before: None | str | Unset = UNSET,
    limit: int | Unset = 50,
    aka_min_seq: str | Unset = UNSET,
) -> Response[DeliveriesOut]:
    """A webhook's delivery attempts, newest first

    Each attempt: the events it carried (`first_seq`..`last_seq`), the receiver's status code or
    the error, and when a failed one is retried. Kept `webhook_deliveries_keep_days`.

    Requires scopes: `keys:admin`.

    Args:
        id (str):
        before (None | str | Unset):
        limit (int | Unset):  Default: 50.
        aka_min_seq (str | Unset): Read-your-writes: an event sequence (a write's `Aka-Seq`)
            this request's reads must reflect. With read replicas, a replica serves them only
            once it has applied it, else the primary does; without replicas every read already
            does (README, 'Consistency headers').

    Raises:
        aka_client.ProblemError: the server refused the request (a subclass per status,
            carrying the problem's `code` and `field`), after any retries.
        httpx.HTTPError: the request could not be sent or answered.

    Returns:
        Response[DeliveriesOut]: the status, headers and parsed body.

    """

    kwargs = _get_kwargs(
        id=id,
        before=before,
        limit=limit,
        aka_min_seq=aka_min_seq,
    )
    response = client.get_httpx_client().request(**kwargs)
    return _build_response(response=response)


def sync(
    id: str,
    *,
    client: AuthenticatedClient,
    before: None | str | Unset = UNSET,
    limit: int | Unset = 50,
    aka_min_seq: str | Unset = UNSET,
) -> DeliveriesOut:
    """A webhook's delivery attempts, newest first

    Each attempt: the events it carried (`first_seq`..`last_seq`), the receiver's status code or
    the error, and when a failed one is retried. Kept `webhook_deliveries_keep_days`.

    Requires scopes: `keys:admin`.

    Args:
        id (str):
        before (None | str | Unset):
        limit (int | Unset):  Default: 50.
        aka_min_seq (str | Unset): Read-your-writes: an event sequence (a write's `Aka-Seq`)
            this request's reads must reflect. With read replicas, a replica serves them only
            once it has applied it, else the primary does; without replicas every read already
            does (README, 'Consistency headers').

    Raises:
        aka_client.ProblemError: the server refused the request (a subclass per status,
            carrying the problem's `code` and `field`), after any retries.
        httpx.HTTPError: the request could not be sent or answered.

    Returns:
        DeliveriesOut

    """

    kwargs = _get_kwargs(
        id=id,
        before=before,
        limit=limit,
        aka_min_seq=aka_min_seq,
    )
    return _parse_response(response=client.get_httpx_client().request(**kwargs))


async def asyncio_detailed(
    id: str,
    *,
    client: AuthenticatedClient,
    before: None | str | Unset = UNSET,
    limit: int | Unset = 50,
    aka_min_seq: str | Unset = UNSET,
) -> Response[DeliveriesOut]:
    """A webhook's delivery attempts, newest first

    Each attempt: the events it carried (`first_seq`..`last_seq`), the receiver's status code or
    the error, and when a failed one is retried. Kept `webhook_deliveries_keep_days`.

    Requires scopes: `keys:admin`.

    Args:
        id (str):
        before (None | str | Unset):
        limit (int | Unset):  Default: 50.
        aka_min_seq (str | Unset): Read-your-writes: an event sequence (a write's `Aka-Seq`)
            this request's reads must reflect. With read replicas, a replica serves them only
            once it has applied it, else the primary does; without replicas every read already
            does (README, 'Consistency headers').

    Raises:
        aka_client.ProblemError: the server refused the request (a subclass per status,
            carrying the problem's `code` and `field`), after any retries.
        httpx.HTTPError: the request could not be sent or answered.

    Returns:
        Response[DeliveriesOut]: the status, headers and parsed body.

    """

    kwargs = _get_kwargs(
        id=id,
        before=before,
        limit=limit,
        aka_min_seq=aka_min_seq,
    )
    response = await client.get_async_httpx_client().request(**kwargs)
    return _build_response(response=response)


async def asyncio(
    id: str,
    *,
    client: AuthenticatedClient,
    before: None | str | Unset = UNSET,
    limit: int | Unset = 50,
    aka_min_seq: str | Unset = UNSET,
) -> DeliveriesOut:
    """A webhook's delivery attempts, newest first

    Each attempt: the events it carried (`first_seq`..`last_seq`), the receiver's status code or
    the error, and when a failed one is retried. Kept `webhook_deliveries_keep_days`.

    Requires scopes: `keys:admin`.

    Args:
        id (str):
        before (None | str | Unset):
        limit (int | Unset):  Default: 50.
        aka_min_seq (str | Unset): Read-your-writes: an event sequence (a write's `Aka-Seq`)
            this request's reads must reflect. With read replicas, a replica serves them only
            once it has applied it, else the primary does; without replicas every read already
            does (README, 'Consistency headers').

    Raises:
        aka_client.ProblemError: the server refused the request (a subclass per status,
            carrying the problem's `code` and `field`), after any retries.
        httpx.HTTPError: the request could not be sent or answered.

    Returns:
        DeliveriesOut

    """

    kwargs = _get_kwargs(
        id=id,
        before=before,
        limit=limit,
        aka_min_seq=aka_min_seq,
    )
    return _parse_response(response=await client.get_async_httpx_client().request(**kwargs))
