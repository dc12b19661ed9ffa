from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient
from ...models.workspace_out import WorkspaceOut
from ...problems import raise_for_problem
from ...types import Response


def _get_kwargs() -> dict[str, Any]:

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/workspace",
    }

    return _kwargs


def _parse_response(*, response: httpx.Response) -> WorkspaceOut:
    raise_for_problem(response)
    if response.status_code == 200:
        response_200 = WorkspaceOut.from_dict(response.json())

        return response_200

    raise errors.UnexpectedStatus(response.status_code, response.content)


def _build_response(*, response: httpx.Response) -> Response[WorkspaceOut]:
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
) -> Response[WorkspaceOut]:
    """This key's workspace and its settings

    Requires scopes: `identities:read`.

    Raises:
        aka_client.ProblemError: the server refused the request (a subclass per status,
            carrying the problem's `code` and `field`), after any retries.
        httpx.HTTPError: the request could not be sent or answered.

    Returns:
        Response[WorkspaceOut]: the status, headers and parsed body.

    """

    kwargs = _get_kwargs()
    response = client.get_httpx_client().request(**kwargs)
    return _build_response(response=response)


def sync(
    *,
    client: AuthenticatedClient,
) -> WorkspaceOut:
    """This key's workspace and its settings

    Requires scopes: `identities:read`.

    Raises:
        aka_client.ProblemError: the server refused the request (a subclass per status,
            carrying the problem's `code` and `field`), after any retries.
        httpx.HTTPError: the request could not be sent or answered.

    Returns:
        WorkspaceOut

    """

    kwargs = _get_kwargs()
    return _parse_response(response=client.get_httpx_client().request(**kwargs))


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
) -> Response[WorkspaceOut]:
    """This key's workspace and its settings

    Requires scopes: `identities:read`.

    Raises:
        aka_client.ProblemError: the server refused the request (a subclass per status,
            carrying the problem's `code` and `field`), after any retries.
        httpx.HTTPError: the request could not be sent or answered.

    Returns:
        Response[WorkspaceOut]: the status, headers and parsed body.

    """

    kwargs = _get_kwargs()
    response = await client.get_async_httpx_client().request(**kwargs)
    return _build_response(response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
) -> WorkspaceOut:
    """This key's workspace and its settings

    Requires scopes: `identities:read`.

    Raises:
        aka_client.ProblemError: the server refused the request (a subclass per status,
            carrying the problem's `code` and `field`), after any retries.
        httpx.HTTPError: the request could not be sent or answered.

    Returns:
        WorkspaceOut

    """

    kwargs = _get_kwargs()
    return _parse_response(response=await client.get_async_httpx_client().request(**kwargs))
