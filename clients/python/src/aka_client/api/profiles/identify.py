from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient
from ...models.identify_in import IdentifyIn
from ...models.profile_out import ProfileOut
from ...problems import raise_for_problem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    body: IdentifyIn,
    dry_run: bool | Unset = False,
    aka_min_seq: str | Unset = UNSET,
    idempotency_key: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(aka_min_seq, Unset):
        headers["Aka-Min-Seq"] = aka_min_seq

    if not isinstance(idempotency_key, Unset):
        headers["Idempotency-Key"] = idempotency_key

    params: dict[str, Any] = {}

    params["dry_run"] = dry_run

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/identify",
        "params": params,
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

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
    body: IdentifyIn,
    dry_run: bool | Unset = False,
    aka_min_seq: str | Unset = UNSET,
    idempotency_key: str | Unset = UNSET,
) -> Response[ProfileOut]:
    """Give a profile its external id

    If another profile already has that external id (also as a deprecated one), the (anonymous)
    profile is merged into it and the survivor is returned. 409 `already_identified` for a
    profile with another external id: rename it instead (`POST /v1/profiles/{id}/rename`).

    Requires scopes: `identities:write`.

    Args:
        dry_run (bool | Unset): true: a dry run (ADR 0023). The same validation, rules and
            guardrails run in a transaction that is rolled back: the answer is the real call's,
            plus a `dry_run` member saying what would change (a real 204 answers 200 with that
            member alone); nothing is written, and an `Idempotency-Key` is neither replayed nor
            stored. Default: False.
        aka_min_seq (str | Unset): Read-your-writes: an event sequence (a write's `Aka-Seq`)
            this request's reads must reflect. With read replicas, a replica serves them only
            once it has applied it, else the primary does; without replicas every read already
            does (README, 'Consistency headers').
        idempotency_key (str | Unset): Makes the write safe to resend: its first successful
            answer is stored and replayed for a retry with the same key and request (README,
            'Retries: Idempotency-Key').
        body (IdentifyIn):

    Raises:
        aka_client.ProblemError: the server refused the request (a subclass per status,
            carrying the problem's `code` and `field`), after any retries.
        httpx.HTTPError: the request could not be sent or answered.

    Returns:
        Response[ProfileOut]: the status, headers and parsed body.

    """

    kwargs = _get_kwargs(
        body=body,
        dry_run=dry_run,
        aka_min_seq=aka_min_seq,
        idempotency_key=idempotency_key,
    )
    response = client.get_httpx_client().request(**kwargs)
    return _build_response(response=response)


def sync(
    *,
    client: AuthenticatedClient,
    body: IdentifyIn,
    dry_run: bool | Unset = False,
    aka_min_seq: str | Unset = UNSET,
    idempotency_key: str | Unset = UNSET,
) -> ProfileOut:
    """Give a profile its external id

    If another profile already has that external id (also as a deprecated one), the (anonymous)
    profile is merged into it and the survivor is returned. 409 `already_identified` for a
    profile with another external id: rename it instead (`POST /v1/profiles/{id}/rename`).

    Requires scopes: `identities:write`.

    Args:
        dry_run (bool | Unset): true: a dry run (ADR 0023). The same validation, rules and
            guardrails run in a transaction that is rolled back: the answer is the real call's,
            plus a `dry_run` member saying what would change (a real 204 answers 200 with that
            member alone); nothing is written, and an `Idempotency-Key` is neither replayed nor
            stored. Default: False.
        aka_min_seq (str | Unset): Read-your-writes: an event sequence (a write's `Aka-Seq`)
            this request's reads must reflect. With read replicas, a replica serves them only
            once it has applied it, else the primary does; without replicas every read already
            does (README, 'Consistency headers').
        idempotency_key (str | Unset): Makes the write safe to resend: its first successful
            answer is stored and replayed for a retry with the same key and request (README,
            'Retries: Idempotency-Key').
        body (IdentifyIn):

    Raises:
        aka_client.ProblemError: the server refused the request (a subclass per status,
            carrying the problem's `code` and `field`), after any retries.
        httpx.HTTPError: the request could not be sent or answered.

    Returns:
        ProfileOut

    """

    kwargs = _get_kwargs(
        body=body,
        dry_run=dry_run,
        aka_min_seq=aka_min_seq,
        idempotency_key=idempotency_key,
    )
    return _parse_response(response=client.get_httpx_client().request(**kwargs))


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    body: IdentifyIn,
    dry_run: bool | Unset = False,
    aka_min_seq: str | Unset = UNSET,
    idempotency_key: str | Unset = UNSET,
) -> Response[ProfileOut]:
    """Give a profile its external id

    If another profile already has that external id (also as a deprecated one), the (anonymous)
    profile is merged into it and the survivor is returned. 409 `already_identified` for a
    profile with another external id: rename it instead (`POST /v1/profiles/{id}/rename`).

    Requires scopes: `identities:write`.

    Args:
        dry_run (bool | Unset): true: a dry run (ADR 0023). The same validation, rules and
            guardrails run in a transaction that is rolled back: the answer is the real call's,
            plus a `dry_run` member saying what would change (a real 204 answers 200 with that
            member alone); nothing is written, and an `Idempotency-Key` is neither replayed nor
            stored. Default: False.
        aka_min_seq (str | Unset): Read-your-writes: an event sequence (a write's `Aka-Seq`)
            this request's reads must reflect. With read replicas, a replica serves them only
            once it has applied it, else the primary does; without replicas every read already
            does (README, 'Consistency headers').
        idempotency_key (str | Unset): Makes the write safe to resend: its first successful
            answer is stored and replayed for a retry with the same key and request (README,
            'Retries: Idempotency-Key').
        body (IdentifyIn):

    Raises:
        aka_client.ProblemError: the server refused the request (a subclass per status,
            carrying the problem's `code` and `field`), after any retries.
        httpx.HTTPError: the request could not be sent or answered.

    Returns:
        Response[ProfileOut]: the status, headers and parsed body.

    """

    kwargs = _get_kwargs(
        body=body,
        dry_run=dry_run,
        aka_min_seq=aka_min_seq,
        idempotency_key=idempotency_key,
    )
    response = await client.get_async_httpx_client().request(**kwargs)
    return _build_response(response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    body: IdentifyIn,
    dry_run: bool | Unset = False,
    aka_min_seq: str | Unset = UNSET,
    idempotency_key: str | Unset = UNSET,
) -> ProfileOut:
    """Give a profile its external id

    If another profile already has that external id (also as a deprecated one), the (anonymous)
    profile is merged into it and the survivor is returned. 409 `already_identified` for a
    profile with another external id: rename it instead (`POST /v1/profiles/{id}/rename`).

    Requires scopes: `identities:write`.

    Args:
        dry_run (bool | Unset): true: a dry run (ADR 0023). The same validation, rules and
            guardrails run in a transaction that is rolled back: the answer is the real call's,
            plus a `dry_run` member saying what would change (a real 204 answers 200 with that
            member alone); nothing is written, and an `Idempotency-Key` is neither replayed nor
            stored. Default: False.
        aka_min_seq (str | Unset): Read-your-writes: an event sequence (a write's `Aka-Seq`)
            this request's reads must reflect. With read replicas, a replica serves them only
            once it has applied it, else the primary does; without replicas every read already
            does (README, 'Consistency headers').
        idempotency_key (str | Unset): Makes the write safe to resend: its first successful
            answer is stored and replayed for a retry with the same key and request (README,
            'Retries: Idempotency-Key').
        body (IdentifyIn):

    Raises:
        aka_client.ProblemError: the server refused the request (a subclass per status,
            carrying the problem's `code` and `field`), after any retries.
        httpx.HTTPError: the request could not be sent or answered.

    Returns:
        ProfileOut

    """

    kwargs = _get_kwargs(
        body=body,
        dry_run=dry_run,
        aka_min_seq=aka_min_seq,
        idempotency_key=idempotency_key,
    )
    return _parse_response(response=await client.get_async_httpx_client().request(**kwargs))
