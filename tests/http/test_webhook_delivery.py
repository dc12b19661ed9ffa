"""Webhook deliveries against a real `aka serve` and a real receiver process
(`tests/webhook_receiver.py`), which a test kills -9 and restarts (ADR 0030): signed,
filtered by type, in order, at least once, each attempt recorded."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from bench.served import free_port
from tests.backends import server_env
from tests.servers import running_server

pytestmark = pytest.mark.slow

ADMIN = "webhook-admin-key"
AUTH = {"Authorization": f"Bearer {ADMIN}"}
SECRET = "receiver-secret-0123456789"
ROOT = Path(__file__).resolve().parents[2]


class Receiver:
    """`tests.webhook_receiver` on a fixed port: started, killed -9, started again."""

    def __init__(self, port: int, log: Path) -> None:
        self.port, self.log = port, log
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def start(self) -> None:
        argv = [
            sys.executable,
            "-m",
            "tests.webhook_receiver",
            str(self.port),
            str(self.log),
            SECRET,
        ]
        self.proc = subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                httpx.get(f"http://127.0.0.1:{self.port}/", timeout=1)
                return
            except httpx.TransportError:
                time.sleep(0.05)
        raise AssertionError("the receiver did not come up")

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.kill()  # SIGKILL: no goodbye, a batch may be half answered
        self.proc.wait()

    def batches(self) -> list[dict[str, Any]]:
        if not self.log.exists():
            return []
        return [json.loads(line) for line in self.log.read_text().splitlines() if line]

    def seqs(self) -> list[int]:
        return [seq for batch in self.batches() for seq in batch["seqs"]]

    def wait_for(self, wanted: set[int], timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while not wanted <= set(self.seqs()):
            assert time.monotonic() < deadline, f"missing {sorted(wanted - set(self.seqs()))}"
            time.sleep(0.05)


@pytest.fixture
def receiver(tmp_path: Path) -> Iterator[Receiver]:
    found = Receiver(free_port(), tmp_path / "received.jsonl")
    found.start()
    yield found
    if found.proc is not None and found.proc.poll() is None:
        found.kill()


@pytest.fixture(params=["sqlite", "postgres"])
def api(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[httpx.Client]:
    """A server that retries fast (0.1 s doubling to 0.5 s) and polls every 0.1 s, with
    batches of at most 5 events: on SQLite one process, on PostgreSQL two, whose
    deliverers take turns on each webhook's lease."""
    env = {
        **server_env(request.param, tmp_path),
        "AKA_ADMIN_KEY": ADMIN,
        "AKA_DIALECTS": "none",
        "AKA_EVENTS_STREAM_POLL_SECONDS": "0.1",
        "AKA_WEBHOOK_RETRY_FIRST_SECONDS": "0.1",
        "AKA_WEBHOOK_RETRY_MAX_SECONDS": "0.5",
        "AKA_WEBHOOK_TIMEOUT_SECONDS": "2",
        "AKA_WEBHOOK_BATCH_MAX": "5",
        "AKA_RATE_LIMIT_WRITE": "100000/minute",
        "AKA_RATE_LIMIT_READ": "100000/minute",
        "AKA_RATE_LIMIT_ADMIN": "100000/minute",
    }
    workers = 2 if request.param == "postgres" else 1
    with (
        running_server(env, workers=workers) as base,
        httpx.Client(base_url=base, headers=AUTH, timeout=10) as client,
    ):
        yield client


def person(api: httpx.Client, *identifiers: str, **headers: str) -> str:
    body = {
        "identifiers": [
            dict(zip(("namespace", "value"), i.split(":", 1), strict=True)) for i in identifiers
        ]
    }
    answer = api.post("/v1/profiles", json=body, headers=headers)
    assert answer.status_code == 201, answer.text
    return str(answer.json()["id"])


def webhook(api: httpx.Client, url: str, *types: str, **headers: str) -> dict[str, Any]:
    made = api.post(
        "/v1/webhooks", json={"url": url, "events": list(types), "secret": SECRET}, headers=headers
    )
    assert made.status_code == 201, made.text
    return dict(made.json())


def settled(api: httpx.Client, hook_id: str, seq: int, timeout: float = 10) -> None:
    """Wait until the webhook's cursor reached `seq`: the receiver logs a batch before
    it answers, and aka records the attempt once the answer came."""
    deadline = time.monotonic() + timeout
    while api.get(f"/v1/webhooks/{hook_id}").json()["delivered_seq"] < seq:
        assert time.monotonic() < deadline, "the webhook never caught up"
        time.sleep(0.05)


def deliveries(api: httpx.Client, hook_id: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    before: str | None = None
    while True:
        params: dict[str, Any] = {"limit": 100, **({"before": before} if before else {})}
        page = api.get(f"/v1/webhooks/{hook_id}/deliveries", params=params).json()
        found.extend(page["deliveries"])
        before = page["next_before"]
        if before is None:
            return found


def test_deliveries_are_signed_filtered_in_order_and_shaped_as_the_feed(
    api: httpx.Client, receiver: Receiver
) -> None:
    """Only the chosen types, in seq order, in batches of at most `webhook_batch_max`;
    each item is the `GET /v1/events` item; the receiver verified every signature (it
    logs only those) and the headers name the webhook and the delivery. Events before
    the webhook was made are not sent."""
    person(api, "email:before@x.io")
    hook = webhook(api, receiver.url, "profile.created", "profile.merged")
    ids = [person(api, f"email:p{n}@x.io") for n in range(12)]
    linked = api.post(
        f"/v1/profiles/{ids[0]}/identifiers",
        json={"namespace": "device", "value": "d1"},
    )
    assert linked.status_code in (200, 201), linked.text  # identifier.linked: not wanted
    merged = api.post(
        "/v1/merges", json={"keep": {"profile_id": ids[0]}, "merge": {"profile_id": ids[1]}}
    )
    assert merged.status_code == 201, merged.text
    feed = api.get("/v1/events", params={"after": hook["delivered_seq"]}).json()["events"]
    wanted = [e for e in feed if e["type"] in ("profile.created", "profile.merged")]
    assert len(wanted) == 13
    receiver.wait_for({e["seq"] for e in wanted})

    settled(api, hook["id"], feed[-1]["seq"])
    batches = receiver.batches()
    assert receiver.seqs() == [e["seq"] for e in wanted]
    assert [item for b in batches for item in b["events"]] == wanted
    for batch in batches:
        assert 1 <= len(batch["seqs"]) <= 5
        assert batch["headers"]["Aka-Webhook-Id"] == hook["id"] == batch["webhook_id"]
        assert batch["headers"]["Aka-Delivery-Id"] == batch["delivery_id"]
        assert batch["headers"]["Aka-Signature"].startswith("t=")
    recorded = deliveries(api, hook["id"])
    assert {d["id"] for d in recorded} == {b["delivery_id"] for b in batches}
    assert all(d["status_code"] == 200 and d["attempt"] == 1 for d in recorded)


def test_a_webhook_made_by_a_limited_key_delivers_what_that_key_sees(
    api: httpx.Client, receiver: Receiver
) -> None:
    """Its key's namespace limit goes with it (ADR 0026): other namespaces' identifiers
    are left out, as on the feed."""
    made = api.post(
        "/v1/keys",
        json={
            "name": "devices",
            "scopes": ["keys:admin", "identities:read"],
            "namespaces": ["device"],
        },
    )
    assert made.status_code == 201, made.text
    limited = {"Authorization": f"Bearer {made.json()['secret']}"}
    hook = webhook(api, receiver.url, "profile.created", **limited)
    assert hook["namespaces"] == ["device"]
    person(api, "email:secret@x.io", "device:d-9")
    receiver.wait_for({hook["delivered_seq"] + 1})
    (batch,) = receiver.batches()
    assert [i["namespace"] for i in batch["events"][0]["payload"]["identifiers"]] == ["device"]
    assert "secret@x.io" not in json.dumps(batch)


def test_a_receiver_killed_and_restarted_mid_stream_loses_nothing_and_sees_no_disorder(
    api: httpx.Client, receiver: Receiver
) -> None:
    """Writes go on while the receiver is killed -9 and, a second later, started again
    on the same port. Every event arrives; in the order received, each batch either
    goes on after everything before it or repeats the batch before it from its first
    event (a batch the receiver logged but never acknowledged: at least once). The
    failed attempts are in the deliveries, each with its error and its retry time."""
    hook = webhook(api, receiver.url, "profile.created")
    total = 120
    made: list[str] = []

    def write() -> None:
        with httpx.Client(base_url=str(api.base_url), headers=AUTH, timeout=10) as writer:
            for n in range(total):
                made.append(person(writer, f"email:k{n}@x.io"))
                time.sleep(0.01)

    writer = threading.Thread(target=write)
    writer.start()
    receiver.wait_for(set(range(hook["delivered_seq"] + 1, hook["delivered_seq"] + 21)))
    receiver.kill()
    time.sleep(1.0)  # writes go on, deliveries fail and back off
    receiver.start()
    writer.join()
    expected = list(range(hook["delivered_seq"] + 1, hook["delivered_seq"] + total + 1))
    receiver.wait_for(set(expected))
    settled(api, hook["id"], expected[-1])

    highest = hook["delivered_seq"]
    previous_first: int | None = None
    for batch in receiver.batches():
        seqs = batch["seqs"]
        assert seqs == sorted(set(seqs)), "a batch is in seq order"
        if seqs[0] <= highest:
            assert seqs[0] == previous_first, f"out of order: {seqs} after {highest}"
        previous_first, highest = seqs[0], max(highest, seqs[-1])
    assert sorted(set(receiver.seqs())) == expected

    recorded = deliveries(api, hook["id"])
    failed = [d for d in recorded if d["status_code"] is None]
    assert failed, "the attempts while the receiver was down are recorded"
    assert all(d["error"] and d["next_attempt_at"] for d in failed)
    assert max(d["attempt"] for d in recorded) >= 2
