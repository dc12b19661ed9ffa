"""`connect`: the client every generated call takes, with retries and a User-Agent."""

from __future__ import annotations

from collections.abc import Mapping

import httpx

from aka_client.client import AuthenticatedClient
from aka_client.retry import AsyncRetryTransport, Retry, RetryTransport

__all__ = ["connect"]

VERSION = "0.1.0"


def connect(
    base_url: str,
    key: str,
    *,
    retry: Retry | None = None,
    timeout: float | httpx.Timeout = 30.0,
    headers: Mapping[str, str] | None = None,
) -> AuthenticatedClient:
    """A client of the aka server at `base_url`, authenticated by the API key `key`.

    Pass it as `client=` to any call in `aka_client.api` (`.sync` or `.asyncio`). Error
    answers raise `aka_client.ProblemError` subclasses; 429 and 503 are retried after their
    `Retry-After` (`retry`, default `Retry()`: three times, waiting at most 60 s; pass
    `Retry(attempts=0)` to handle them yourself). Close it with `with`/`async with`, or
    `.get_httpx_client().close()`.
    """
    policy = retry if retry is not None else Retry()
    timeout = timeout if isinstance(timeout, httpx.Timeout) else httpx.Timeout(timeout)
    sent = {
        "Authorization": f"Bearer {key}",
        "User-Agent": f"aka-client/{VERSION} httpx/{httpx.__version__}",
        **(headers or {}),
    }
    client = AuthenticatedClient(
        base_url=base_url, token=key, timeout=timeout, raise_on_unexpected_status=True
    )
    client.set_httpx_client(
        httpx.Client(
            base_url=base_url,
            headers=sent,
            timeout=timeout,
            transport=RetryTransport(httpx.HTTPTransport(), policy),
        )
    )
    client.set_async_httpx_client(
        httpx.AsyncClient(
            base_url=base_url,
            headers=sent,
            timeout=timeout,
            transport=AsyncRetryTransport(httpx.AsyncHTTPTransport(), policy),
        )
    )
    return client
