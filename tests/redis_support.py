"""The Redis the rate-limit tests count in, and the one rule for when it is missing.

`AKA_TEST_REDIS_URL` (default `redis://127.0.0.1:6379/0`) names the server. Each test
gets its own key prefix (`isolated_prefix`) and its keys are deleted afterwards, so
tests never see each other's counters and the server may be shared with anything else.

When the server cannot be reached, a test that needs it is skipped, naming the URL and
what to do; with `CI=true` it fails instead, as PostgreSQL's tests do (tests/backends.py):
CI must never pass by skipping the Redis half of the rate-limit suite.
"""

from __future__ import annotations

import os
import secrets
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Final, NoReturn

import pytest
import redis
from bench.served import free_port

from tests.backends import in_ci

URL_ENV: Final = "AKA_TEST_REDIS_URL"
DEFAULT_URL: Final = "redis://127.0.0.1:6379/0"

_probed: dict[str, str | None] = {}  # url -> why it is unreachable (None: it answers)
_skipped = 0  # tests skipped for want of a server, for the run's closing summary


def redis_url() -> str:
    return os.environ.get(URL_ENV) or DEFAULT_URL


def _probe(url: str) -> str | None:
    if url not in _probed:
        client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
        try:
            client.ping()
            _probed[url] = None
        except redis.RedisError as error:
            _probed[url] = str(error).strip().splitlines()[0]
        finally:
            client.close()
    return _probed[url]


START: Final = "`redis-server --daemonize yes --port 6379 --save ''`"


def _unavailable(url: str, reason: str) -> NoReturn:
    global _skipped  # noqa: PLW0603 - counted for the summary line
    message = f"Redis not reachable at {url} ({reason}): set {URL_ENV} or start it, e.g. {START}"
    if in_ci():
        pytest.fail(f"{message} [CI=true: the Redis tests are required]", pytrace=False)
    _skipped += 1
    pytest.skip(message)


def skipped_summary() -> str | None:
    """The run's closing line when Redis tests were skipped, else None."""
    if not _skipped:
        return None
    url = redis_url()
    return (
        f"{_skipped} Redis tests SKIPPED: cannot connect to {url} ({_probed.get(url)});"
        f" set {URL_ENV} or start Redis ({START}) to run them (CI=true makes them fail)"
    )


def require_redis() -> str:
    """The test Redis's URL; skips (or fails in CI) when it does not answer."""
    url = redis_url()
    reason = _probe(url)
    if reason is not None:
        _unavailable(url, reason)
    return url


@contextmanager
def isolated_prefix(url: str) -> Iterator[str]:
    """A key prefix no other test uses; every key under it is deleted afterwards."""
    prefix = f"aka-test:{secrets.token_hex(8)}"
    try:
        yield prefix
    finally:
        client = redis.Redis.from_url(url, socket_timeout=5)
        try:
            doomed = list(client.scan_iter(match=f"{prefix}*", count=500))
            if doomed:
                client.delete(*doomed)
        finally:
            client.close()


def kill_clients(url: str, name: str) -> int:
    """`CLIENT KILL` every connection named `name` (the limiter names its connections
    after its key prefix); how many were killed."""
    client = redis.Redis.from_url(url, socket_timeout=5)
    try:
        ids = [c["id"] for c in client.client_list() if c.get("name") == name]
        for client_id in ids:
            client.client_kill_filter(_id=client_id)
        return len(ids)
    finally:
        client.close()


def closed_port() -> int:
    """A local port nothing listens on (connections to it are refused)."""
    return free_port()


@contextmanager
def silent_server() -> Iterator[int]:
    """A local port that accepts connections and never answers (a hung Redis)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(16)  # the kernel completes handshakes; nobody ever reads or writes
        port: int = s.getsockname()[1]
        yield port
