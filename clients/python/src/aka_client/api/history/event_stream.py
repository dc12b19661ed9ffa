from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient
from ...problems import raise_for_problem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    after: int | None | Unset = UNSET,
    aka_min_seq: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(aka_min_seq, Unset):
        headers["Aka-Min-Seq"] = aka_min_seq

    params: dict[str, Any] = {}

    json_after: int | None | Unset
    if isinstance(after, Unset):
        json_after = UNSET
    else:
        json_after = after
    params["after"] = json_after

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/events/stream",
        "params": params,
    }

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(*, response: httpx.Response) -> str:
    raise_for_problem(response)
    if response.status_code == 200:
        response_200 = response.text
        return response_200

    raise errors.UnexpectedStatus(response.status_code, response.content)


def _build_response(*, response: httpx.Response) -> Response[str]:
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
    after: int | None | Unset = UNSET,
    aka_min_seq: str | Unset = UNSET,
) -> Response[str]:
    """The change feed, pushed (Server-Sent Events)

    Every event after the cursor, oldest first, then each new one as it is committed. Starts
    after `Last-Event-ID` when that header is sent (a reconnecting `EventSource` sends it), else
    after `after`, else from the first event. Events are shown as `GET /v1/events` shows them (a
    key limited to namespaces sees them redacted). 503 `too_many_streams` when the server
    process holds `events_stream_max` streams.

    Requires scopes: `identities:read`.

    Args:
        after (int | None | Unset):
        aka_min_seq (str | Unset): Read-your-writes: an event sequence (a write's `Aka-Seq`)
            this request's reads must reflect. With read replicas, a replica serves them only
            once it has applied it, else the primary does; without replicas every read already
            does (README, 'Consistency headers').

    Raises:
        aka_client.ProblemError: the server refused the request (a subclass per status,
            carrying the problem's `code` and `field`), after any retries.
        httpx.HTTPError: the request could not be sent or answered.

    Returns:
        Response[str]: the status, headers and parsed body.

    """

    kwargs = _get_kwargs(
        after=after,
        aka_min_seq=aka_min_seq,
    )
    response = client.get_httpx_client().request(**kwargs)
    return _build_response(response=response)


def sync(
    *,
    client: AuthenticatedClient,
    after: int | None | Unset = UNSET,
    aka_min_seq: str | Unset = UNSET,
) -> str:
    """The change feed, pushed (Server-Sent Events)

    Every event after the cursor, oldest first, then each new one as it is committed. Starts
    after `Last-Event-ID` when that header is sent (a reconnecting `EventSource` sends it), else
    after `after`, else from the first event. Events are shown as `GET /v1/events` shows them (a
    key limited to namespaces sees them redacted). 503 `too_many_streams` when the server
    process holds `events_stream_max` streams.

    Requires scopes: `identities:read`.

    Args:
        after (int | None | Unset):
        aka_min_seq (str | Unset): Read-your-writes: an event sequence (a write's `Aka-Seq`)
            this request's reads must reflect. With read replicas, a replica serves them only
            once it has applied it, else the primary does; without replicas every read already
            does (README, 'Consistency headers').

    Raises:
        aka_client.ProblemError: the server refused the request (a subclass per status,
            carrying the problem's `code` and `field`), after any retries.
        httpx.HTTPError: the request could not be sent or answered.

    Returns:
        str

    """

    kwargs = _get_kwargs(
        after=after,
        aka_min_seq=aka_min_seq,
    )
    return _parse_response(response=client.get_httpx_client().request(**kwargs))


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    after: int | None | Unset = UNSET,
    aka_min_seq: str | Unset = UNSET,
) -> Response[str]:
    """The change feed, pushed (Server-Sent Events)

    Every event after the cursor, oldest first, then each new one as it is committed. Starts
    after `Last-Event-ID` when that header is sent (a reconnecting `EventSource` sends it), else
    after `after`, else from the first event. Events are shown as `GET /v1/events` shows them (a
    key limited to namespaces sees them redacted). 503 `too_many_streams` when the server
    process holds `events_stream_max` streams.

    Requires scopes: `identities:read`.

    Args:
        after (int | None | Unset):
        aka_min_seq (str | Unset): Read-your-writes: an event sequence (a write's `Aka-Seq`)
            this request's reads must reflect. With read replicas, a replica serves them only
            once it has applied it, else the primary does; without replicas every read already
            does (README, 'Consistency headers').

    Raises:
        aka_client.ProblemError: the server refused the request (a subclass per status,
            carrying the problem's `code` and `field`), after any retries.
        httpx.HTTPError: the request could not be sent or answered.

    Returns:
        Response[str]: the status, headers and parsed body.

    """

    kwargs = _get_kwargs(
        after=after,
        aka_min_seq=aka_min_seq,
    )
    response = await client.get_async_httpx_client().request(**kwargs)
    return _build_response(response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    after: int | None | Unset = UNSET,
    aka_min_seq: str | Unset = UNSET,
) -> str:
    """The change feed, pushed (Server-Sent Events)

    Every event after the cursor, oldest first, then each new one as it is committed. Starts
    after `Last-Event-ID` when that header is sent (a reconnecting `EventSource` sends it), else
    after `after`, else from the first event. Events are shown as `GET /v1/events` shows them (a
    key limited to namespaces sees them redacted). 503 `too_many_streams` when the server
    process holds `events_stream_max` streams.

    Requires scopes: `identities:read`.

    Args:
        after (int | None | Unset):
        aka_min_seq (str | Unset): Read-your-writes: an event sequence (a write's `Aka-Seq`)
            this request's reads must reflect. With read replicas, a replica serves them only
            once it has applied it, else the primary does; without replicas every read already
            does (README, 'Consistency headers').

    Raises:
        aka_client.ProblemError: the server refused the request (a subclass per status,
            carrying the problem's `code` and `field`), after any retries.
        httpx.HTTPError: the request could not be sent or answered.

    Returns:
        str

    """

    kwargs = _get_kwargs(
        after=after,
        aka_min_seq=aka_min_seq,
    )
    return _parse_response(response=await client.get_async_httpx_client().request(**kwargs))
