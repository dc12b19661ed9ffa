from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient
from ...models.events_page_out import EventsPageOut
from ...problems import raise_for_problem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    after: int | Unset = 0,
    limit: int | Unset = 100,
    aka_min_seq: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(aka_min_seq, Unset):
        headers["Aka-Min-Seq"] = aka_min_seq

    params: dict[str, Any] = {}

    params["after"] = after

    params["limit"] = limit

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/events",
        "params": params,
    }

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(*, response: httpx.Response) -> EventsPageOut:
    raise_for_problem(response)
    if response.status_code == 200:
        response_200 = EventsPageOut.from_dict(response.json())

        return response_200

    raise errors.UnexpectedStatus(response.status_code, response.content)


def _build_response(*, response: httpx.Response) -> Response[EventsPageOut]:
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
    after: int | Unset = 0,
    limit: int | Unset = 100,
    aka_min_seq: str | Unset = UNSET,
) -> Response[EventsPageOut]:
    """The change feed

    Events after the cursor `after` (an event `seq`), oldest first. Poll with the returned
    `next_after` to follow every change.

    Requires scopes: `identities:read`.

    Args:
        after (int | Unset):  Default: 0.
        limit (int | Unset):  Default: 100.
        aka_min_seq (str | Unset): Read-your-writes: an event sequence (a write's `Aka-Seq`)
            this request's reads must reflect. With read replicas, a replica serves them only
            once it has applied it, else the primary does; without replicas every read already
            does (README, 'Consistency headers').

    Raises:
        aka_client.ProblemError: the server refused the request (a subclass per status,
            carrying the problem's `code` and `field`), after any retries.
        httpx.HTTPError: the request could not be sent or answered.

    Returns:
        Response[EventsPageOut]: the status, headers and parsed body.

    """

    kwargs = _get_kwargs(
        after=after,
        limit=limit,
        aka_min_seq=aka_min_seq,
    )
    response = client.get_httpx_client().request(**kwargs)
    return _build_response(response=response)


def sync(
    *,
    client: AuthenticatedClient,
    after: int | Unset = 0,
    limit: int | Unset = 100,
    aka_min_seq: str | Unset = UNSET,
) -> EventsPageOut:
    """The change feed

    Events after the cursor `after` (an event `seq`), oldest first. Poll with the returned
    `next_after` to follow every change.

    Requires scopes: `identities:read`.

    Args:
        after (int | Unset):  Default: 0.
        limit (int | Unset):  Default: 100.
        aka_min_seq (str | Unset): Read-your-writes: an event sequence (a write's `Aka-Seq`)
            this request's reads must reflect. With read replicas, a replica serves them only
            once it has applied it, else the primary does; without replicas every read already
            does (README, 'Consistency headers').

    Raises:
        aka_client.ProblemError: the server refused the request (a subclass per status,
            carrying the problem's `code` and `field`), after any retries.
        httpx.HTTPError: the request could not be sent or answered.

    Returns:
        EventsPageOut

    """

    kwargs = _get_kwargs(
        after=after,
        limit=limit,
        aka_min_seq=aka_min_seq,
    )
    return _parse_response(response=client.get_httpx_client().request(**kwargs))


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    after: int | Unset = 0,
    limit: int | Unset = 100,
    aka_min_seq: str | Unset = UNSET,
) -> Response[EventsPageOut]:
    """The change feed

    Events after the cursor `after` (an event `seq`), oldest first. Poll with the returned
    `next_after` to follow every change.

    Requires scopes: `identities:read`.

    Args:
        after (int | Unset):  Default: 0.
        limit (int | Unset):  Default: 100.
        aka_min_seq (str | Unset): Read-your-writes: an event sequence (a write's `Aka-Seq`)
            this request's reads must reflect. With read replicas, a replica serves them only
            once it has applied it, else the primary does; without replicas every read already
            does (README, 'Consistency headers').

    Raises:
        aka_client.ProblemError: the server refused the request (a subclass per status,
            carrying the problem's `code` and `field`), after any retries.
        httpx.HTTPError: the request could not be sent or answered.

    Returns:
        Response[EventsPageOut]: the status, headers and parsed body.

    """

    kwargs = _get_kwargs(
        after=after,
        limit=limit,
        aka_min_seq=aka_min_seq,
    )
    response = await client.get_async_httpx_client().request(**kwargs)
    return _build_response(response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    after: int | Unset = 0,
    limit: int | Unset = 100,
    aka_min_seq: str | Unset = UNSET,
) -> EventsPageOut:
    """The change feed

    Events after the cursor `after` (an event `seq`), oldest first. Poll with the returned
    `next_after` to follow every change.

    Requires scopes: `identities:read`.

    Args:
        after (int | Unset):  Default: 0.
        limit (int | Unset):  Default: 100.
        aka_min_seq (str | Unset): Read-your-writes: an event sequence (a write's `Aka-Seq`)
            this request's reads must reflect. With read replicas, a replica serves them only
            once it has applied it, else the primary does; without replicas every read already
            does (README, 'Consistency headers').

    Raises:
        aka_client.ProblemError: the server refused the request (a subclass per status,
            carrying the problem's `code` and `field`), after any retries.
        httpx.HTTPError: the request could not be sent or answered.

    Returns:
        EventsPageOut

    """

    kwargs = _get_kwargs(
        after=after,
        limit=limit,
        aka_min_seq=aka_min_seq,
    )
    return _parse_response(response=await client.get_async_httpx_client().request(**kwargs))
