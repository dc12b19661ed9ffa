"""`Idempotency-Key` on native writes: a retry replays the first answer, never redoes it."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from aka.app import build_app
from aka.config import Settings

ADMIN = "idem-admin-key"
AUTH = {"Authorization": f"Bearer {ADMIN}"}


def settings(db: Path) -> Settings:
    return Settings(database_url=f"sqlite:///{db}", admin_key=ADMIN)


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "aka.db"


@pytest.fixture
def client(db: Path) -> Iterator[TestClient]:
    with TestClient(build_app(settings(db))) as c:
        yield c


def create(
    client: TestClient, key: str | None, body: dict[str, object]
) -> tuple[int, dict[str, object], dict[str, str]]:
    headers = {**AUTH, **({"Idempotency-Key": key} if key else {})}
    r = client.post("/v1/profiles", json=body, headers=headers)
    return r.status_code, r.json(), dict(r.headers)


def event_count(client: TestClient) -> int:
    r = client.get("/v1/events", params={"limit": 1000}, headers=AUTH)
    return len(r.json()["events"])


def test_a_retry_with_the_same_key_and_body_replays_the_first_answer(client: TestClient) -> None:
    """The second call answers the same status and body, says it was replayed, and
    creates nothing: the event log did not grow."""
    body = {"identifiers": [{"namespace": "device", "value": "d-1"}]}
    first = create(client, "req-1", body)
    events_after_first = event_count(client)
    second = create(client, "req-1", body)
    assert first[0] == second[0] == 201
    assert second[1] == first[1]
    assert second[2].get("idempotent-replayed") == "true"
    assert "idempotent-replayed" not in first[2]
    assert event_count(client) == events_after_first


def test_the_same_key_with_a_different_body_is_refused(client: TestClient) -> None:
    """Reusing a key for another request is a client bug: 422 naming the header."""
    create(client, "req-1", {"identifiers": [{"namespace": "device", "value": "d-1"}]})
    r = client.post(
        "/v1/profiles",
        json={"identifiers": [{"namespace": "device", "value": "d-2"}]},
        headers={**AUTH, "Idempotency-Key": "req-1"},
    )
    assert r.status_code == 422
    assert r.json()["code"] == "idempotency_key_reused"
    assert r.json()["field"] == "Idempotency-Key"


def test_different_keys_are_different_requests(client: TestClient) -> None:
    """Two keys, two profiles."""
    a = create(client, "a", {})
    b = create(client, "b", {})
    assert a[1]["id"] != b[1]["id"]


def test_a_refused_request_is_not_remembered(client: TestClient) -> None:
    """A 409 changed nothing, so the same key may be retried once the conflict is gone,
    and then it does the work."""
    owner = create(client, None, {"identifiers": [{"namespace": "device", "value": "d-1"}]})[1]
    other = create(client, None, {})[1]
    link = {"namespace": "device", "value": "d-1"}
    headers = {**AUTH, "Idempotency-Key": "link-1"}
    refused = client.post(f"/v1/profiles/{other['id']}/identifiers", json=link, headers=headers)
    assert refused.status_code == 409
    client.delete("/v1/identifiers", params=link, headers=AUTH)
    assert owner["id"] != other["id"]
    retried = client.post(f"/v1/profiles/{other['id']}/identifiers", json=link, headers=headers)
    assert retried.status_code == 201
    assert "idempotent-replayed" not in retried.headers


def test_another_process_replays_the_answer(db: Path, client: TestClient) -> None:
    """The answer is in the database, so a second server process on the same store
    replays it."""
    first = create(client, "req-1", {"external_id": "u-1"})
    with TestClient(build_app(settings(db))) as second_process:
        again = create(second_process, "req-1", {"external_id": "u-1"})
    assert again[0] == first[0] == 201
    assert again[1] == first[1]
    assert again[2].get("idempotent-replayed") == "true"


def test_an_expired_key_does_the_work_again(db: Path, client: TestClient) -> None:
    """After its time to live the key is forgotten: the same request is new again."""
    first = create(client, "req-1", {})
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE idempotency_keys SET expires_at = '2000-01-01 00:00:00.000000'")
    second = create(client, "req-1", {})
    assert second[0] == 201
    assert second[1]["id"] != first[1]["id"]
    assert "idempotent-replayed" not in second[2]


def test_a_malformed_key_is_refused(client: TestClient) -> None:
    """Keys are 1-255 printable ASCII characters; the error names the header."""
    r = client.post("/v1/profiles", json={}, headers={**AUTH, "Idempotency-Key": "x" * 256})
    assert r.status_code == 422
    assert r.json()["code"] == "idempotency_key_invalid"
    assert "255" in r.json()["detail"]


def test_key_creation_replays_the_same_secret(client: TestClient) -> None:
    """Even an admin write joins the request's transaction: a retried key creation
    returns the same key and secret instead of minting a second key."""
    headers = {**AUTH, "Idempotency-Key": "key-1"}
    first = client.post("/v1/keys", json={"name": "ci"}, headers=headers)
    second = client.post("/v1/keys", json={"name": "ci"}, headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    names = [k["name"] for k in client.get("/v1/keys", headers=AUTH).json()["keys"]]
    assert names.count("ci") == 1


def test_reads_ignore_the_header(client: TestClient) -> None:
    """GET is already safe to repeat; the header changes nothing there."""
    r = client.get("/v1/workspace", headers={**AUTH, "Idempotency-Key": "read-1"})
    assert r.status_code == 200
    assert "idempotent-replayed" not in r.headers
