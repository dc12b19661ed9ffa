"""Concurrent writers against real server processes cannot break the graph (invariant 5).

Each test fires its requests at once from many connections at `aka serve --workers 2`,
checks the documented outcome, and then runs `aka check` on the store (invariants 1-4).
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.backends import server_env
from tests.servers import run_cli, running_server

pytestmark = pytest.mark.slow

ADMIN = "race-admin-key"
AUTH = {"Authorization": f"Bearer {ADMIN}"}


@pytest.fixture(params=["sqlite", "postgres"])
def served(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, dict[str, str]]]:
    env = {**server_env(request.param, tmp_path_factory.mktemp("race")), "AKA_ADMIN_KEY": ADMIN}
    with running_server(env, workers=2) as base:
        yield base, env


def fire(base: str, requests: list[tuple[str, str, dict[str, Any] | None]]) -> list[httpx.Response]:
    """Send every request at the same time, one connection each; answers in order."""

    async def main() -> list[httpx.Response]:
        limits = httpx.Limits(max_connections=len(requests))
        async with httpx.AsyncClient(base_url=base, headers=AUTH, limits=limits, timeout=60) as c:
            start = asyncio.Event()

            async def one(method: str, path: str, body: dict[str, Any] | None) -> httpx.Response:
                await start.wait()
                return await c.request(method, path, json=body)

            tasks = [asyncio.create_task(one(*r)) for r in requests]
            await asyncio.sleep(0.05)  # let every task reach the gate
            start.set()
            return list(await asyncio.gather(*tasks))

    return asyncio.run(main())


def create_profiles(base: str, bodies: list[dict[str, Any]]) -> list[str]:
    ops = [{"op": "create", **b} for b in bodies]
    r = httpx.post(f"{base}/v1/batch", json={"operations": ops}, headers=AUTH, timeout=60)
    assert r.status_code == 200, r.text
    return [res["profile"]["id"] for res in r.json()["results"]]


def assert_invariants_hold(env: dict[str, str]) -> None:
    check = run_cli(env, "check", "--json")
    assert check.returncode == 0, check.stdout + check.stderr


def test_64_clients_linking_one_identifier_leave_exactly_one_owner(
    served: tuple[str, dict[str, str]],
) -> None:
    """One 201, sixty-three 409s naming that owner, and the identifier has one owner."""
    base, env = served
    ids = create_profiles(base, [{} for _ in range(64)])
    link = {"namespace": "device", "value": "contested"}
    answers = fire(base, [("POST", f"/v1/profiles/{pid}/identifiers", link) for pid in ids])
    statuses = Counter(a.status_code for a in answers)
    assert statuses == {201: 1, 409: 63}, statuses
    winner = ids[[a.status_code for a in answers].index(201)]
    assert {a.json()["owner"] for a in answers if a.status_code == 409} == {winner}
    owner = httpx.get(f"{base}/v1/resolve", params=link, headers=AUTH).json()
    assert owner["id"] == winner
    assert_invariants_hold(env)


def test_32_anonymous_profiles_identified_at_once_end_as_one_person(
    served: tuple[str, dict[str, str]],
) -> None:
    """Exactly one profile ends with the external id; the other 31 were merged into it
    and every device id they held is still there."""
    base, env = served
    ids = create_profiles(
        base, [{"identifiers": [{"namespace": "device", "value": f"d-{n}"}]} for n in range(32)]
    )
    body = lambda pid: {"profile": {"profile_id": pid}, "external_id": "user-1"}  # noqa: E731
    answers = fire(base, [("POST", "/v1/identify", body(pid)) for pid in ids])
    assert {a.status_code for a in answers} == {200}, [
        a.text for a in answers if a.status_code != 200
    ]
    survivor = httpx.get(
        f"{base}/v1/resolve", params={"external_id": "user-1"}, headers=AUTH
    ).json()
    assert {a.json()["id"] for a in answers} == {survivor["id"]}
    held = {i["value"] for i in survivor["identifiers"]}
    assert held == {f"d-{n}" for n in range(32)}
    for pid in ids:  # every old id forwards to the survivor
        assert httpx.get(f"{base}/v1/profiles/{pid}", headers=AUTH).json()["id"] == survivor["id"]
    assert_invariants_hold(env)


def test_crossed_merges_and_merge_cycles_end_without_a_cycle(
    served: tuple[str, dict[str, str]],
) -> None:
    """A<-B with B<-A, and A<-B, B<-C, C<-A, all at once, many times over: no request
    hangs or fails with a 5xx, and no tombstone chain or cycle is left behind."""
    base, env = served
    pairs = create_profiles(base, [{} for _ in range(20)])
    triples = create_profiles(base, [{} for _ in range(30)])
    requests: list[tuple[str, str, dict[str, Any] | None]] = []
    merge = lambda keep, gone: {"keep": {"profile_id": keep}, "merge": {"profile_id": gone}}  # noqa: E731
    for a, b in zip(pairs[0::2], pairs[1::2], strict=True):
        requests += [("POST", "/v1/merges", merge(a, b)), ("POST", "/v1/merges", merge(b, a))]
    for a, b, c in zip(triples[0::3], triples[1::3], triples[2::3], strict=True):
        requests += [
            ("POST", "/v1/merges", merge(a, b)),
            ("POST", "/v1/merges", merge(b, c)),
            ("POST", "/v1/merges", merge(c, a)),
        ]
    answers = fire(base, requests)
    statuses = Counter(a.status_code for a in answers)
    assert set(statuses) <= {201, 409}, statuses
    # Each pair ends as one profile (exactly one of the two merges won) and each triple too.
    for group in [pairs[i : i + 2] for i in range(0, 20, 2)] + [
        triples[i : i + 3] for i in range(0, 30, 3)
    ]:
        live = {httpx.get(f"{base}/v1/profiles/{p}", headers=AUTH).json()["id"] for p in group}
        assert len(live) == 1
    assert_invariants_hold(env)


def test_a_retried_request_racing_itself_is_done_once(served: tuple[str, dict[str, str]]) -> None:
    """Sixteen copies of one request with one Idempotency-Key, sent at once: one profile
    is created and all sixteen answers are that same profile."""
    base, env = served

    async def main() -> list[httpx.Response]:
        async with httpx.AsyncClient(base_url=base, timeout=60) as c:
            headers = {**AUTH, "Idempotency-Key": "signup-1"}
            return list(
                await asyncio.gather(
                    *[
                        c.post("/v1/profiles", json={"external_id": "u-9"}, headers=headers)
                        for _ in range(16)
                    ]
                )
            )

    answers = asyncio.run(main())
    assert {a.status_code for a in answers} == {201}
    assert len({a.json()["id"] for a in answers}) == 1
    assert_invariants_hold(env)
