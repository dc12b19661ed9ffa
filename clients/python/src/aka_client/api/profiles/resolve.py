import datetime
from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient
from ...models.profile_out import ProfileOut
from ...problems import raise_for_problem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    namespace: None | str | Unset = UNSET,
    value: None | str | Unset = UNSET,
    external_id: None | str | Unset = UNSET,
    as_of: datetime.datetime | None | Unset = UNSET,
    as_of_seq: int | None | Unset = UNSET,
    aka_min_seq: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(aka_min_seq, Unset):
        headers["Aka-Min-Seq"] = aka_min_seq

    params: dict[str, Any] = {}

    json_namespace: None | str | Unset
    if isinstance(namespace, Unset):
        json_namespace = UNSET
    else:
        json_namespace = namespace
    params["namespace"] = json_namespace

    json_value: None | str | Unset
    if isinstance(value, Unset):
        json_value = UNSET
    else:
        json_value = value
    params["value"] = json_value

    json_external_id: None | str | Unset
    if isinstance(external_id, Unset):
        json_external_id = UNSET
    else:
        json_external_id = external_id
    params["external_id"] = json_external_id

    json_as_of: None | str | Unset
    if isinstance(as_of, Unset):
        json_as_of = UNSET
    elif isinstance(as_of, datetime.datetime):
        json_as_of = as_of.isoformat()
    else:
        json_as_of = as_of
    params["as_of"] = json_as_of

    json_as_of_seq: int | None | Unset
    if isinstance(as_of_seq, Unset):
        json_as_of_seq = UNSET
    else:
        json_as_of_seq = as_of_seq
    params["as_of_seq"] = json_as_of_seq

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/resolve",
        "params": params,
    }

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(*, response: httpx.Response) -> ProfileOut:
    raise_for_problem(response)
    if response.status_code == 200:
        response_200 = ProfileOut.from_dict(response.json())

        return response_200

    raise errors.UnexpectedStatus(response.status_code, response.content)


def _build_response(*, response: httpx.Response) -> Response[ProfileOut]:
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
    namespace: None | str | Unset = UNSET,
    value: None | str | Unset = UNSET,
    external_id: None | str | Unset = UNSET,
    as_of: datetime.datetime | None | Unset = UNSET,
    as_of_seq: int | None | Unset = UNSET,
    aka_min_seq: str | Unset = UNSET,
) -> Response[ProfileOut]:
    """Resolve an identifier or external id to its profile

    Pass `namespace` and `value`, or `external_id`. An external id the profile was renamed away
    from still resolves (until removed), and the answer says so with `deprecated_match: true`.
    With `as_of` or `as_of_seq`: who held it then, with the profile as it was then; 404 when
    nobody did (or the value was erased since).

    Requires scopes: `identities:read`.

    Args:
        namespace (None | str | Unset):
        value (None | str | Unset):
        external_id (None | str | Unset):
        as_of (datetime.datetime | None | Unset):
        as_of_seq (int | None | Unset):
        aka_min_seq (str | Unset): Read-your-writes: an event sequence (a write's `Aka-Seq`)
            this request's reads must reflect. With read replicas, a replica serves them only
            once it has applied it, else the primary does; without replicas every read already
            does (README, 'Consistency headers').

    Raises:
        aka_client.ProblemError: the server refused the request (a subclass per status,
            carrying the problem's `code` and `field`), after any retries.
        httpx.HTTPError: the request could not be sent or answered.

    Returns:
        Response[ProfileOut]: the status, headers and parsed body.

    """

    kwargs = _get_kwargs(
        namespace=namespace,
        value=value,
        external_id=external_id,
        as_of=as_of,
        as_of_seq=as_of_seq,
        aka_min_seq=aka_min_seq,
    )
    response = client.get_httpx_client().request(**kwargs)
    return _build_response(response=response)


def sync(
    *,
    client: AuthenticatedClient,
    namespace: None | str | Unset = UNSET,
    value: None | str | Unset = UNSET,
    external_id: None | str | Unset = UNSET,
    as_of: datetime.datetime | None | Unset = UNSET,
    as_of_seq: int | None | Unset = UNSET,
    aka_min_seq: str | Unset = UNSET,
) -> ProfileOut:
    """Resolve an identifier or external id to its profile

    Pass `namespace` and `value`, or `external_id`. An external id the profile was renamed away
    from still resolves (until removed), and the answer says so with `deprecated_match: true`.
    With `as_of` or `as_of_seq`: who held it then, with the profile as it was then; 404 when
    nobody did (or the value was erased since).

    Requires scopes: `identities:read`.

    Args:
        namespace (None | str | Unset):
        value (None | str | Unset):
        external_id (None | str | Unset):
        as_of (datetime.datetime | None | Unset):
        as_of_seq (int | None | Unset):
        aka_min_seq (str | Unset): Read-your-writes: an event sequence (a write's `Aka-Seq`)
            this request's reads must reflect. With read replicas, a replica serves them only
            once it has applied it, else the primary does; without replicas every read already
            does (README, 'Consistency headers').

    Raises:
        aka_client.ProblemError: the server refused the request (a subclass per status,
            carrying the problem's `code` and `field`), after any retries.
        httpx.HTTPError: the request could not be sent or answered.

    Returns:
        ProfileOut

    """

    kwargs = _get_kwargs(
        namespace=namespace,
        value=value,
        external_id=external_id,
        as_of=as_of,
        as_of_seq=as_of_seq,
        aka_min_seq=aka_min_seq,
    )
    return _parse_response(response=client.get_httpx_client().request(**kwargs))


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    namespace: None | str | Unset = UNSET,
    value: None | str | Unset = UNSET,
    external_id: None | str | Unset = UNSET,
    as_of: datetime.datetime | None | Unset = UNSET,
    as_of_seq: int | None | Unset = UNSET,
    aka_min_seq: str | Unset = UNSET,
) -> Response[ProfileOut]:
    """Resolve an identifier or external id to its profile

    Pass `namespace` and `value`, or `external_id`. An external id the profile was renamed away
    from still resolves (until removed), and the answer says so with `deprecated_match: true`.
    With `as_of` or `as_of_seq`: who held it then, with the profile as it was then; 404 when
    nobody did (or the value was erased since).

    Requires scopes: `identities:read`.

    Args:
        namespace (None | str | Unset):
        value (None | str | Unset):
        external_id (None | str | Unset):
        as_of (datetime.datetime | None | Unset):
        as_of_seq (int | None | Unset):
        aka_min_seq (str | Unset): Read-your-writes: an event sequence (a write's `Aka-Seq`)
            this request's reads must reflect. With read replicas, a replica serves them only
            once it has applied it, else the primary does; without replicas every read already
            does (README, 'Consistency headers').

    Raises:
        aka_client.ProblemError: the server refused the request (a subclass per status,
            carrying the problem's `code` and `field`), after any retries.
        httpx.HTTPError: the request could not be sent or answered.

    Returns:
        Response[ProfileOut]: the status, headers and parsed body.

    """

    kwargs = _get_kwargs(
        namespace=namespace,
        value=value,
        external_id=external_id,
        as_of=as_of,
        as_of_seq=as_of_seq,
        aka_min_seq=aka_min_seq,
    )
    response = await client.get_async_httpx_client().request(**kwargs)
    return _build_response(response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    namespace: None | str | Unset = UNSET,
    value: None | str | Unset = UNSET,
    external_id: None | str | Unset = UNSET,
    as_of: datetime.datetime | None | Unset = UNSET,
    as_of_seq: int | None | Unset = UNSET,
    aka_min_seq: str | Unset = UNSET,
) -> ProfileOut:
    """Resolve an identifier or external id to its profile

    Pass `namespace` and `value`, or `external_id`. An external id the profile was renamed away
    from still resolves (until removed), and the answer says so with `deprecated_match: true`.
    With `as_of` or `as_of_seq`: who held it then, with the profile as it was then; 404 when
    nobody did (or the value was erased since).

    Requires scopes: `identities:read`.

    Args:
        namespace (None | str | Unset):
        value (None | str | Unset):
        external_id (None | str | Unset):
        as_of (datetime.datetime | None | Unset):
        as_of_seq (int | None | Unset):
        aka_min_seq (str | Unset): Read-your-writes: an event sequence (a write's `Aka-Seq`)
            this request's reads must reflect. With read replicas, a replica serves them only
            once it has applied it, else the primary does; without replicas every read already
            does (README, 'Consistency headers').

    Raises:
        aka_client.ProblemError: the server refused the request (a subclass per status,
            carrying the problem's `code` and `field`), after any retries.
        httpx.HTTPError: the request could not be sent or answered.

    Returns:
        ProfileOut

    """

    kwargs = _get_kwargs(
        namespace=namespace,
        value=value,
        external_id=external_id,
        as_of=as_of,
        as_of_seq=as_of_seq,
        aka_min_seq=aka_min_seq,
    )
    return _parse_response(response=await client.get_async_httpx_client().request(**kwargs))
