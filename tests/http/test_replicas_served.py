"""Read-your-writes over HTTP, through a real `aka serve` reading from a real streaming
replica whose replay is paused (README, "Read replicas" and "Consistency headers").

While replay is paused, a read the replica serves cannot see a write made since. A
client must never read older than its own write: a read that sends the write's
`Aka-Seq` as `Aka-Min-Seq`, or comes from the key that wrote, sees it; a read with
neither, from another key, may not, and here does not (proving the replica served it).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from bench.pg_pair import PgPair
from tests.replication import migrated_database
from tests.servers import running_server

ADMIN = {"Authorization": "Bearer replicas-admin-key"}


@dataclass
class Served:
    pair: PgPair
    http: httpx.Client
    reader: dict[str, str]  # another key of the workspace, which never writes


@pytest.fixture(scope="module")
def served(replication: PgPair) -> Iterator[Served]:
    """`aka serve` on the pair's primary, reading from its replica."""
    primary_url, replica_url = migrated_database(replication)
    env = {
        "AKA_DATABASE_URL": primary_url,
        "AKA_READ_DATABASE_URL": replica_url,
        "AKA_ADMIN_KEY": ADMIN["Authorization"].removeprefix("Bearer "),
        "AKA_LOG_LEVEL": "warning",
    }
    with running_server(env) as base, httpx.Client(base_url=base, timeout=30) as http:
        made = http.post(
            "/v1/keys",
            json={"name": "reader", "scopes": ["identities:read"]},
            headers=ADMIN,
        )
        assert made.status_code == 201, made.text
        replication.wait_caught_up()
        yield Served(replication, http, {"Authorization": f"Bearer {made.json()['secret']}"})


@pytest.fixture
def lagging(served: Served) -> Iterator[Served]:
    """The replica with its replay paused, resumed (and caught up) afterwards."""
    served.pair.wait_caught_up()
    served.pair.pause_replay()
    try:
        yield served
    finally:
        served.pair.resume_replay()
        served.pair.wait_caught_up()


def resolve(s: Served, value: str, headers: dict[str, str]) -> httpx.Response:
    return s.http.get(
        "/v1/resolve", params={"namespace": "device", "value": value}, headers=headers
    )


def create(s: Served, value: str) -> httpx.Response:
    body = {"identifiers": [{"namespace": "device", "value": value}]}
    created = s.http.post("/v1/profiles", json=body, headers=ADMIN)
    assert created.status_code == 201, created.text
    return created


def test_a_read_sending_the_writes_sequence_sees_it_while_the_replica_lags(
    lagging: Served,
) -> None:
    created = create(lagging, "d1")
    seq = created.headers["aka-seq"]
    assert resolve(lagging, "d1", lagging.reader).status_code == 404  # the paused replica
    seen = resolve(lagging, "d1", {**lagging.reader, "Aka-Min-Seq": seq})
    assert seen.status_code == 200, seen.text
    assert seen.json()["id"] == created.json()["id"]


def test_the_key_that_wrote_sees_its_write_without_the_header(lagging: Served) -> None:
    created = create(lagging, "d2")
    seen = resolve(lagging, "d2", ADMIN)
    assert seen.status_code == 200, seen.text
    assert seen.json()["id"] == created.json()["id"]
    assert resolve(lagging, "d2", lagging.reader).status_code == 404  # the paused replica


def test_a_door_reads_its_own_write(lagging: Served) -> None:
    """Braze's door: an alias written by one key is exported to it at once; another key
    sees it once it asks for the write's sequence."""
    alias = {"alias_label": "cookie", "alias_name": secrets.token_hex(4)}
    written = lagging.http.post("/users/alias/new", json={"user_aliases": [alias]}, headers=ADMIN)
    assert written.status_code == 201, written.text

    def export(headers: dict[str, str]) -> list[Any]:
        r = lagging.http.post("/users/export/ids", json={"user_aliases": [alias]}, headers=headers)
        assert r.status_code == 200, r.text
        return list(r.json()["users"])

    assert len(export(ADMIN)) == 1
    assert export(lagging.reader) == []  # the paused replica
    assert len(export({**lagging.reader, "Aka-Min-Seq": written.headers["aka-seq"]})) == 1


def test_once_replay_resumes_the_replica_serves_every_key(served: Served) -> None:
    served.pair.pause_replay()
    try:
        create(served, "d3")
        assert resolve(served, "d3", served.reader).status_code == 404
    finally:
        served.pair.resume_replay()
    served.pair.wait_caught_up()
    assert resolve(served, "d3", served.reader).status_code == 200


def test_reads_are_answered_while_the_replica_is_down(served: Served) -> None:
    create(served, "d4")
    served.pair.wait_caught_up()
    served.pair.stop_replica()
    try:
        for _ in range(3):
            assert resolve(served, "d4", served.reader).status_code == 200
    finally:
        served.pair.start_replica()
        served.pair.wait_caught_up()
