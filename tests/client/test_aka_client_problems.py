"""How aka-client reads an answer: which exception a status raises, what `Retry-After`
means, and when a 429/503 is worth waiting for (pure functions over answer values)."""

from __future__ import annotations

import email.utils
import time

import httpx
import pytest

from aka_client import (
    ProblemError,
    RateLimitedError,
    Retry,
    RetryLaterError,
    ServerError,
    UnavailableError,
    UnprocessableError,
)
from aka_client.problems import raise_for_problem, retry_after


def test_a_success_raises_nothing() -> None:
    """Statuses below 400 are the generated call's to parse."""
    raise_for_problem(httpx.Response(201, json={"id": "p1"}))


def test_a_problem_keeps_every_member() -> None:
    """The standard members become attributes; the others (`limit`) land in `extra`."""
    answer = httpx.Response(
        422,
        json={
            "type": "urn:aka:error:invalid_input",
            "title": "Unprocessable Content",
            "status": 422,
            "detail": "too long",
            "code": "invalid_input",
            "field": "namespace",
            "limit": 64,
        },
        headers={"content-type": "application/problem+json"},
    )
    with pytest.raises(UnprocessableError) as raised:
        raise_for_problem(answer)
    problem = raised.value
    assert (problem.status, problem.code, problem.field) == (422, "invalid_input", "namespace")
    assert (problem.detail, problem.type) == ("too long", "urn:aka:error:invalid_input")
    assert problem.extra == {"limit": 64}
    assert problem.response is answer


def test_an_error_that_is_not_a_problem_still_raises_by_status() -> None:
    """A proxy's 502 page raises ServerError with the code `http_502` and its text; an
    unlisted 4xx raises the base ProblemError."""
    with pytest.raises(ServerError) as gateway:
        raise_for_problem(httpx.Response(502, text="<html>Bad gateway</html>"))
    assert (gateway.value.code, gateway.value.detail) == ("http_502", "<html>Bad gateway</html>")
    assert gateway.value.field is None
    with pytest.raises(ProblemError) as teapot:
        raise_for_problem(httpx.Response(418, json={"code": "teapot", "detail": "no"}))
    assert type(teapot.value) is ProblemError
    assert teapot.value.code == "teapot"


@pytest.mark.parametrize(("status", "kind"), [(429, RateLimitedError), (503, UnavailableError)])
def test_a_refusal_to_send_again_later_is_one_kind_carrying_its_wait(
    status: int, kind: type[RetryLaterError]
) -> None:
    """429 and 503 did nothing: both are a RetryLaterError (one `except` catches both),
    each its own class, with the wait aka asked for."""
    answer = httpx.Response(
        status, json={"code": "x", "detail": "later"}, headers={"Retry-After": "7"}
    )
    with pytest.raises(RetryLaterError) as raised:
        raise_for_problem(answer)
    assert type(raised.value) is kind
    assert raised.value.retry_after == 7


def test_retry_after_reads_seconds_and_http_dates() -> None:
    """`Retry-After: 3` is 3 s; an HTTP date is the time until then; junk or none is None."""
    assert retry_after(httpx.Response(429, headers={"retry-after": "3"})) == 3.0
    later = email.utils.formatdate(time.time() + 30, usegmt=True)
    waited = retry_after(httpx.Response(503, headers={"retry-after": later}))
    assert waited is not None
    assert 28 <= waited <= 30
    assert retry_after(httpx.Response(429, headers={"retry-after": "soon"})) is None
    assert retry_after(httpx.Response(429)) is None


def test_retry_waits_only_on_429_and_503_within_its_limits() -> None:
    """429/503 wait their `Retry-After`, or the doubling back-off without one; never past
    `attempts`, never longer than `max_wait`, never on another status."""
    policy = Retry(attempts=2, max_wait=10, backoff=0.5)
    assert policy.wait(httpx.Response(429, headers={"retry-after": "2"}), 0) == 2.0
    assert policy.wait(httpx.Response(503), 0) == 0.5
    assert policy.wait(httpx.Response(503), 1) == 1.0
    assert policy.wait(httpx.Response(503), 2) is None  # attempts spent
    assert policy.wait(httpx.Response(429, headers={"retry-after": "11"}), 0) is None
    assert policy.wait(httpx.Response(500), 0) is None
    assert policy.wait(httpx.Response(200), 0) is None
    with pytest.raises(ValueError, match="must not be negative"):
        Retry(attempts=-1)
