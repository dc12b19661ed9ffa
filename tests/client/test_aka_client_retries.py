"""aka-client's writes are retry-safe: `Idempotency-Key` replays, and 429/503 answers are
resent after their `Retry-After`. The 429s are real: a key with aka's own rate limits."""

from __future__ import annotations

import asyncio
import time
import uuid

import pytest

from aka_client import (
    AuthenticatedClient,
    RateLimitedError,
    Retry,
    UnprocessableError,
    connect,
)
from aka_client.api.keys import create_key
from aka_client.api.profiles import create_profile, resolve
from aka_client.models import CreateProfileIn, KeyIn, KeyInRateLimitsType0

pytestmark = pytest.mark.slow


def _limited_key(aka: AuthenticatedClient, reads: str) -> str:
    """A new key allowed `reads` read requests (e.g. "1/second")."""
    created = create_key.sync(
        client=aka,
        body=KeyIn(
            name=f"limited-{uuid.uuid4().hex[:8]}",
            scopes=["identities:read"],
            rate_limits=KeyInRateLimitsType0.from_dict({"read": reads}),
        ),
    )
    return created.secret


def test_an_idempotency_key_replays_the_first_answer(aka: AuthenticatedClient) -> None:
    """The same write with the same key answers the first profile again, marked
    `Idempotent-Replayed`, and creates nothing; the key with another body is refused as
    UnprocessableError `idempotency_key_reused` naming the header."""
    key = f"signup-{uuid.uuid4().hex}"
    user = f"user-{uuid.uuid4().hex[:10]}"
    first = create_profile.sync_detailed(
        client=aka, body=CreateProfileIn(external_id=user), idempotency_key=key
    )
    again = create_profile.sync_detailed(
        client=aka, body=CreateProfileIn(external_id=user), idempotency_key=key
    )
    assert (first.status_code, again.status_code) == (201, 201)
    assert first.parsed is not None
    assert again.parsed is not None
    assert again.parsed.id == first.parsed.id
    assert again.headers.get("idempotent-replayed") == "true"
    assert "idempotent-replayed" not in first.headers

    with pytest.raises(UnprocessableError) as reused:
        create_profile.sync(
            client=aka, body=CreateProfileIn(external_id=f"{user}-other"), idempotency_key=key
        )
    assert (reused.value.code, reused.value.field) == ("idempotency_key_reused", "Idempotency-Key")


def test_a_429_is_retried_after_its_retry_after(aka: AuthenticatedClient, aka_server: str) -> None:
    """Over its rate limit, a call waits the `Retry-After` aka sent and then succeeds: the
    caller never sees the 429."""
    secret = _limited_key(aka, "1/second")
    user = f"user-{uuid.uuid4().hex[:10]}"
    create_profile.sync(client=aka, body=CreateProfileIn(external_id=user))
    with connect(aka_server, secret) as limited:
        resolve.sync(client=limited, external_id=user)  # the second spends the limit
        started = time.monotonic()
        found = resolve.sync_detailed(client=limited, external_id=user)
        waited = time.monotonic() - started
    assert found.status_code == 200
    assert found.parsed is not None
    assert found.parsed.external_id == user
    assert waited >= 0.9  # Retry-After is whole seconds, at least 1


def test_without_retries_a_429_raises_with_its_retry_after(
    aka: AuthenticatedClient, aka_server: str
) -> None:
    """`Retry(attempts=0)` hands the 429 to the caller as RateLimitedError `rate_limited`
    with the server's `retry_after`; so does a `Retry-After` longer than `max_wait`."""
    secret = _limited_key(aka, "1/minute")
    user = f"user-{uuid.uuid4().hex[:10]}"
    create_profile.sync(client=aka, body=CreateProfileIn(external_id=user))
    with connect(aka_server, secret, retry=Retry(attempts=0)) as once:
        resolve.sync(client=once, external_id=user)
        with pytest.raises(RateLimitedError) as limited:
            resolve.sync(client=once, external_id=user)
    assert (limited.value.status, limited.value.code) == (429, "rate_limited")
    assert limited.value.retry_after is not None
    assert 1 <= limited.value.retry_after <= 60

    with connect(aka_server, secret, retry=Retry(attempts=3, max_wait=0.5)) as impatient:
        started = time.monotonic()
        with pytest.raises(RateLimitedError):
            resolve.sync(client=impatient, external_id=user)
        assert time.monotonic() - started < 0.5  # did not sleep on a wait it refuses


def test_the_async_client_retries_a_429_too(aka: AuthenticatedClient, aka_server: str) -> None:
    """The async transport honours `Retry-After` like the sync one."""
    secret = _limited_key(aka, "1/second")
    user = f"user-{uuid.uuid4().hex[:10]}"
    create_profile.sync(client=aka, body=CreateProfileIn(external_id=user))

    async def scenario() -> float:
        async with connect(aka_server, secret) as limited:
            await resolve.asyncio(client=limited, external_id=user)
            started = time.monotonic()
            found = await resolve.asyncio(client=limited, external_id=user)
            assert found.external_id == user
            return time.monotonic() - started

    assert asyncio.run(scenario()) >= 0.9
