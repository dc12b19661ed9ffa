"""The routes that hand their one unit of work to the group commit: native link and
create, Appizer create-alias, Braze /users/alias/new, Mimecast's item routes. Many
requests at once share transactions, and each is answered as if it had been alone.

Every test drives the real app (ASGI, one event loop, as `aka serve` runs it) on each
backend; write transactions are counted by a wrapper around the real store. The last
test runs a real `aka serve` process with 64 clients and then `aka check`.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.backends import server_env
from tests.counting_store import CountingStore
from tests.dialects.mimecast.conftest import issue, signed_headers
from tests.http.conftest import ADMIN_KEY, bearer
from tests.servers import run_cli, running_server

from aka.app import build_app
from aka.config import Settings
from aka.storage import open_store

pytestmark = pytest.mark.anyio

AUTH = bearer(ADMIN_KEY)


@pytest.fixture
def counted(database_url: str) -> Iterator[CountingStore]:
    inner = open_store(database_url)
    yield CountingStore(inner)
    inner.close()


@pytest.fixture
def client_for(database_url: str, counted: CountingStore) -> Callable[[], httpx.AsyncClient]:
    """An async client of the whole app (every door open) over the counted store."""
    settings = Settings(database_url=database_url, admin_key=ADMIN_KEY)
    app = build_app(settings, store=counted)  # type: ignore[arg-type]

    def make() -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=app)
        return httpx.AsyncClient(transport=transport, base_url="http://aka", timeout=60)

    return make


async def at_once(*calls: Callable[[], Awaitable[httpx.Response]]) -> list[httpx.Response]:
    return list(await asyncio.gather(*(c() for c in calls)))


async def new_profiles(c: httpx.AsyncClient, n: int) -> list[str]:
    ops = [{"op": "create"} for _ in range(n)]
    r = await c.post("/v1/batch", json={"operations": ops}, headers=AUTH)
    assert r.status_code == 200, r.text
    return [res["profile"]["id"] for res in r.json()["results"]]


async def owner(c: httpx.AsyncClient, namespace: str, value: str) -> str | None:
    r = await c.get("/v1/resolve", params={"namespace": namespace, "value": value}, headers=AUTH)
    return str(r.json()["id"]) if r.status_code == 200 else None


# --- native ------------------------------------------------------------------------


async def test_concurrent_links_share_transactions_and_each_gets_its_answer(
    client_for: Callable[[], httpx.AsyncClient], counted: CountingStore
) -> None:
    """64 links at once: fewer write transactions than requests; each 201 names its
    own profile and identifier; one link of an identifier owned elsewhere gets its
    409 naming the owner, and the others are committed."""
    async with client_for() as c:
        ids = await new_profiles(c, 65)
        r = await c.post(
            f"/v1/profiles/{ids[64]}/identifiers",
            json={"namespace": "device", "value": "owned"},
            headers=AUTH,
        )
        assert r.status_code == 201
        counted.writes = 0

        def link(pid: str, value: str) -> Callable[[], Awaitable[httpx.Response]]:
            body = {"namespace": "device", "value": value}
            return lambda: c.post(f"/v1/profiles/{pid}/identifiers", json=body, headers=AUTH)

        calls = [link(pid, f"d-{n}") for n, pid in enumerate(ids[:63])]
        calls.insert(30, link(ids[63], "owned"))
        answers = await at_once(*calls)
        assert counted.writes < len(calls)
        refused = answers.pop(30)
        assert refused.status_code == 409
        assert refused.json()["owner"] == ids[64]
        for n, (pid, answer) in enumerate(zip(ids, answers, strict=False)):
            assert answer.status_code == 201, answer.text
            body = answer.json()
            assert body["id"] == pid
            assert {"namespace": "device", "value": f"d-{n}"}.items() <= body["identifiers"][
                0
            ].items()
        # Visible to the very next reads.
        assert [await owner(c, "device", f"d-{n}") for n in range(63)] == ids[:63]


async def test_concurrent_creates_apply_in_arrival_order(
    client_for: Callable[[], httpx.AsyncClient], counted: CountingStore
) -> None:
    """32 new profiles at once; two of them claim the same identifier: the one that
    reached the writer first gets it (201), the other a 409 naming its profile. (Which
    one is first is up to the network and, on PostgreSQL, the auth threads; the strict
    order of queued requests is shown in tests/engine/test_group_commit.py.)"""
    async with client_for() as c:
        bodies = [{"identifiers": [{"namespace": "device", "value": f"c-{n}"}]} for n in range(32)]
        bodies[20] = bodies[10]
        counted.writes = 0
        answers = await at_once(
            *(lambda b=b: c.post("/v1/profiles", json=b, headers=AUTH) for b in bodies)
        )
        assert counted.writes < len(bodies)
        statuses = [a.status_code for a in answers]
        assert Counter(statuses) == {201: 31, 409: 1}
        won, lost = sorted((answers[10], answers[20]), key=lambda a: a.status_code)
        assert (won.status_code, lost.status_code) == (201, 409)
        assert lost.json()["owner"] == won.json()["id"]
        assert len({a.json()["id"] for a in answers if a.status_code == 201}) == 31


async def test_idempotent_requests_keep_their_own_transaction_and_replay(
    client_for: Callable[[], httpx.AsyncClient], counted: CountingStore
) -> None:
    """With an Idempotency-Key the work joins the key's transaction (its answer must
    commit with it): not coalesced; a retry replays the first answer."""
    async with client_for() as c:
        ids = await new_profiles(c, 8)

        def link(n: int) -> Callable[[], Awaitable[httpx.Response]]:
            body = {"namespace": "device", "value": f"i-{n}"}
            headers = {**AUTH, "Idempotency-Key": f"key-{n}"}
            path = f"/v1/profiles/{ids[n]}/identifiers"
            return lambda: c.post(path, json=body, headers=headers)

        counted.writes = 0
        first = await at_once(*(link(n) for n in range(8)))
        assert counted.writes == 8  # one transaction each, as before group commit
        events = (await c.get("/v1/events", params={"limit": 1000}, headers=AUTH)).json()
        again = await at_once(*(link(n) for n in range(8)))
        for one, two in zip(first, again, strict=True):
            assert one.status_code == two.status_code == 201
            assert two.json() == one.json()
            assert two.headers["idempotent-replayed"] == "true"
        after = (await c.get("/v1/events", params={"limit": 1000}, headers=AUTH)).json()
        assert after == events


# --- vendor doors --------------------------------------------------------------------


async def test_braze_alias_new_requests_share_transactions(
    client_for: Callable[[], httpx.AsyncClient], counted: CountingStore
) -> None:
    """Each request is one unit (its items savepoints inside it); all are processed."""
    async with client_for() as c:

        def alias_new(n: int, items: int = 1) -> Callable[[], Awaitable[httpx.Response]]:
            aliases = [{"alias_label": "cookie", "alias_name": f"b-{n}-{i}"} for i in range(items)]
            body = {"user_aliases": aliases}
            return lambda: c.post("/users/alias/new", json=body, headers=AUTH)

        counted.writes = 0
        answers = await at_once(*(alias_new(n) for n in range(20)), alias_new(20, items=3))
        assert counted.writes < 21
        assert [a.status_code for a in answers] == [201] * 21
        assert [a.json()["aliases_processed"] for a in answers] == [1] * 20 + [3]
        owners = [await owner(c, "cookie", f"b-{n}-0") for n in range(21)]
        assert None not in owners
        assert len(set(owners)) == 21  # an alias-only user each


async def test_appizer_create_alias_requests_share_transactions(
    client_for: Callable[[], httpx.AsyncClient], counted: CountingStore
) -> None:
    """Twenty aliases at once, one of them already another user's: that one gets 409,
    the others 201 on their own users."""
    async with client_for() as c:
        for n in range(21):
            r = await c.post("/v1/users", json={"user_id": f"u-{n}"}, headers=AUTH)
            assert r.status_code == 201, r.text
        r = await c.post(
            "/v1/users/aliases", json={"user_id": "u-20", "alias_id": "held"}, headers=AUTH
        )
        assert r.status_code == 201

        def add(user: str, alias: str) -> Callable[[], Awaitable[httpx.Response]]:
            body = {"user_id": user, "alias_id": alias}
            return lambda: c.post("/v1/users/aliases", json=body, headers=AUTH)

        counted.writes = 0
        calls = [add(f"u-{n}", f"a-{n}") for n in range(20)]
        calls.append(add("u-0", "held"))
        answers = await at_once(*calls)
        assert counted.writes < len(calls)
        assert [a.status_code for a in answers] == [201] * 20 + [409]
        assert [a.json()["user_id"] for a in answers[:20]] == [f"u-{n}" for n in range(20)]


async def test_mimecast_item_requests_share_transactions(
    client_for: Callable[[], httpx.AsyncClient], counted: CountingStore
) -> None:
    """create-user then update-alias, twenty requests at once each: every item lands
    in `data`. Each signed request also records its request id in a transaction of
    its own (replay protection), so the count is per request plus the shared ones."""
    async with client_for() as c:
        creds = issue(counted.inner)  # build_app made workspace `default`

        def call(path: str, items: list[dict[str, Any]]) -> Callable[[], Awaitable[httpx.Response]]:
            return lambda: c.post(path, json={"data": items}, headers=signed_headers(creds, path))

        counted.writes = 0
        users = [{"emailAddress": f"u{n}@acme.example"} for n in range(20)]
        made = await at_once(*(call("/api/user/create-user", [u]) for u in users))
        aliases = [{"aliasFor": f"u{n}@acme.example", "alias": f"a{n}@acme.example"}
                   for n in range(20)]  # fmt: skip
        linked = await at_once(*(call("/api/user/update-alias", [a]) for a in aliases))
        assert counted.writes < 2 * 40  # 40 request ids recorded + fewer than 40 rounds
        for answer in [*made, *linked]:
            assert answer.status_code == 200, answer.text
            assert answer.json()["fail"] == []
        for n, answer in enumerate(made):
            assert await owner(c, "email", f"a{n}@acme.example") == answer.json()["data"][0]["id"]


# --- a real server -------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_64_clients_against_a_real_server_all_succeed_and_the_graph_checks(
    backend: str, tmp_path: Path
) -> None:
    """`aka serve`, 64 connections each linking 5 identifiers one after another and
    creating one profile: every request succeeds, every identifier resolves to the
    profile it was linked to, and `aka check` finds every invariant holding."""
    env = {**server_env(backend, tmp_path), "AKA_ADMIN_KEY": ADMIN_KEY}
    with running_server(env) as base:

        async def main() -> None:
            limits = httpx.Limits(max_connections=64)
            async with httpx.AsyncClient(
                base_url=base, headers=AUTH, limits=limits, timeout=60
            ) as c:
                ids = await new_profiles(c, 64)

                async def client(n: int) -> list[int]:
                    statuses = []
                    for i in range(5):
                        body = {"namespace": "device", "value": f"s-{n}-{i}"}
                        r = await c.post(f"/v1/profiles/{ids[n]}/identifiers", json=body)
                        statuses.append(r.status_code)
                    body = {"identifiers": [{"namespace": "device", "value": f"new-{n}"}]}
                    statuses.append((await c.post("/v1/profiles", json=body)).status_code)
                    return statuses

                answers = await asyncio.gather(*(client(n) for n in range(64)))
                assert answers == [[201] * 6] * 64
                for n in range(0, 64, 7):
                    assert await owner(c, "device", f"s-{n}-4") == ids[n]
                    assert await owner(c, "device", f"new-{n}") not in (None, *ids)

        asyncio.run(main())
    check = run_cli(env, "check", "--json")
    assert check.returncode == 0, check.stdout + check.stderr
