from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient
from ...models.profile_out import ProfileOut
from ...models.rename_in import RenameIn
from ...problems import raise_for_problem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    id: str,
    *,
    body: RenameIn,
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
        "url": "/v1/profiles/{id}/rename".format(
            id=quote(str(id), safe=""),
        ),
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
    id: str,
    *,
    client: AuthenticatedClient,
    body: RenameIn,
    dry_run: bool | Unset = False,
    aka_min_seq: str | Unset = UNSET,
    idempotency_key: str | Unset = UNSET,
) -> Response[ProfileOut]:
    """Rename a profile's external id, keeping the old one

    The profile takes the new external id; the current one stays as a deprecated identifier
    (namespace `aka:external_id`, `deprecated: true`): it still resolves and nobody else may
    take it, until removed with `DELETE /v1/identifiers?namespace=aka:external_id&value=...`.
    409: the new id is another profile's (current or deprecated), or the profile has none to
    rename (`not_identified`). Renaming back to one of its own deprecated ids takes it back.

    Requires scopes: `identities:write`.

    Args:
        id (str):
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
        body (RenameIn):

    Raises:
        aka_client.ProblemError: the server refused the request (a subclass per status,
            carrying the problem's `code` and `field`), after any retries.
        httpx.HTTPError: the request could not be sent or answered.

    Returns:
        Response[ProfileOut]: the status, headers and parsed body.

    """

    kwargs = _get_kwargs(
        id=id,
        body=body,
        dry_run=dry_run,
        aka_min_seq=aka_min_seq,
        idempotency_key=idempotency_key,
    )
    response = client.get_httpx_client().request(**kwargs)
    return _build_response(response=response)


def sync(
    id: str,
    *,
    client: AuthenticatedClient,
    body: RenameIn,
    dry_run: bool | Unset = False,
    aka_min_seq: str | Unset = UNSET,
    idempotency_key: str | Unset = UNSET,
) -> ProfileOut:
    """Rename a profile's external id, keeping the old one

    The profile takes the new external id; the current one stays as a deprecated identifier
    (namespace `aka:external_id`, `deprecated: true`): it still resolves and nobody else may
    take it, until removed with `DELETE /v1/identifiers?namespace=aka:external_id&value=...`.
    409: the new id is another profile's (current or deprecated), or the profile has none to
    rename (`not_identified`). Renaming back to one of its own deprecated ids takes it back.

    Requires scopes: `identities:write`.

    Args:
        id (str):
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
        body (RenameIn):

    Raises:
        aka_client.ProblemError: the server refused the request (a subclass per status,
            carrying the problem's `code` and `field`), after any retries.
        httpx.HTTPError: the request could not be sent or answered.

    Returns:
        ProfileOut

    """

    kwargs = _get_kwargs(
        id=id,
        body=body,
        dry_run=dry_run,
        aka_min_seq=aka_min_seq,
        idempotency_key=idempotency_key,
    )
    return _parse_response(response=client.get_httpx_client().request(**kwargs))


async def asyncio_detailed(
    id: str,
    *,
    client: AuthenticatedClient,
    body: RenameIn,
    dry_run: bool | Unset = False,
    aka_min_seq: str | Unset = UNSET,
    idempotency_key: str | Unset = UNSET,
) -> Response[ProfileOut]:
    """Rename a profile's external id, keeping the old one

    The profile takes the new external id; the current one stays as a deprecated identifier
    (namespace `aka:external_id`, `deprecated: true`): it still resolves and nobody else may
    take it, until removed with `DELETE /v1/identifiers?namespace=aka:external_id&value=...`.
    409: the new id is another profile's (current or deprecated), or the profile has none to
    rename (`not_identified`). Renaming back to one of its own deprecated ids takes it back.

    Requires scopes: `identities:write`.

    Args:
        id (str):
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
        body (RenameIn):

    Raises:
        aka_client.ProblemError: the server refused the request (a subclass per status,
            carrying the problem's `code` and `field`), after any retries.
        httpx.HTTPError: the request could not be sent or answered.

    Returns:
        Response[ProfileOut]: the status, headers and parsed body.

    """

    kwargs = _get_kwargs(
        id=id,
        body=body,
        dry_run=dry_run,
        aka_min_seq=aka_min_seq,
        idempotency_key=idempotency_key,
    )
    response = await client.get_async_httpx_client().request(**kwargs)
    return _build_response(response=response)


async def asyncio(
    id: str,
    *,
    client: AuthenticatedClient,
    body: RenameIn,
    dry_run: bool | Unset = False,
    aka_min_seq: str | Unset = UNSET,
    idempotency_key: str | Unset = UNSET,
) -> ProfileOut:
    """Rename a profile's external id, keeping the old one

    The profile takes the new external id; the current one stays as a deprecated identifier
    (namespace `aka:external_id`, `deprecated: true`): it still resolves and nobody else may
    take it, until removed with `DELETE /v1/identifiers?namespace=aka:external_id&value=...`.
    409: the new id is another profile's (current or deprecated), or the profile has none to
    rename (`not_identified`). Renaming back to one of its own deprecated ids takes it back.

    Requires scopes: `identities:write`.

    Args:
        id (str):
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
        body (RenameIn):

    Raises:
        aka_client.ProblemError: the server refused the request (a subclass per status,
            carrying the problem's `code` and `field`), after any retries.
        httpx.HTTPError: the request could not be sent or answered.

    Returns:
        ProfileOut

    """

    kwargs = _get_kwargs(
        id=id,
        body=body,
        dry_run=dry_run,
        aka_min_seq=aka_min_seq,
        idempotency_key=idempotency_key,
    )
    return _parse_response(response=await client.get_async_httpx_client().request(**kwargs))
