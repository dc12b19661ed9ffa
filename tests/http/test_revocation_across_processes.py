"""A key revoked through one process is refused by every other process from the moment
the revoking answer returned (ADR 0021), on SQLite and on PostgreSQL.

Two real `aka serve` processes on one database, A and B. Each round makes a key, warms
both processes' memory with it, then has several clients resolve through B without a
pause while the key is revoked through A's admin route, or by `aka keys revoke` (a third
process). Every request B accepted that was *sent* after the revoking answer returned
counts against the target, which is zero: a request sent earlier may go either way.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from tests.backends import server_env, sql_backend_params
from tests.servers import run_cli, running_server

pytestmark = pytest.mark.slow

ADMIN = "revocation-admin-key"
CLIENTS = 6
AFTER_S = 0.6  # how long B is hammered after the revoking answer returned
RESOLVE = "/v1/resolve?namespace=email&value=ann@example.com"


@dataclass
class Sent:
    at: float  # time.monotonic() just before the request was written
    status: int


@dataclass
class Hammer:
    """Clients resolving through one server without a pause until stopped."""

    base: str
    secret: str
    results: list[Sent] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        headers = {"Authorization": f"Bearer {self.secret}"}
        with httpx.Client(base_url=self.base, headers=headers, timeout=10) as client:
            while not self.stop.is_set():
                at = time.monotonic()
                status = client.get(RESOLVE).status_code
                self.results.append(Sent(at, status))  # list.append: thread-safe

    def accepted(self) -> int:
        return sum(1 for r in self.results if 200 <= r.status < 300)

    def wait_until_accepted(self, count: int, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while self.accepted() < count:
            if time.monotonic() > deadline:
                pytest.fail(f"{self.accepted()} requests accepted before the revocation")
            time.sleep(0.01)


@contextmanager
def hammering(base: str, secret: str) -> Iterator[Hammer]:
    hammer = Hammer(base, secret)
    threads = [threading.Thread(target=hammer.run, daemon=True) for _ in range(CLIENTS)]
    for thread in threads:
        thread.start()
    try:
        yield hammer
    finally:
        hammer.stop.set()
        for thread in threads:
            thread.join(timeout=15)


@pytest.mark.parametrize("backend", sql_backend_params())
def test_no_request_is_accepted_with_a_key_after_its_revocation_returned(
    backend: str, tmp_path: Path
) -> None:
    env = {
        **server_env(backend, tmp_path),
        "AKA_ADMIN_KEY": ADMIN,
        # The clients send thousands of reads: no rate limit may answer for the key.
        "AKA_RATE_LIMIT_READ": "1000000/minute",
        "AKA_RATE_LIMIT_ADMIN": "1000000/minute",
    }
    admin = {"Authorization": f"Bearer {ADMIN}"}
    with (
        running_server(env) as a,
        running_server(env) as b,
        httpx.Client(base_url=a, headers=admin, timeout=10) as on_a,
    ):
        body = {"identifiers": [{"namespace": "email", "value": "ann@example.com"}]}
        assert on_a.post("/v1/profiles", json=body).status_code == 201
        for how in ("admin route", "aka keys revoke", "admin route"):
            made = on_a.post("/v1/keys", json={"scopes": ["identities:read"]})
            assert made.status_code == 201, made.text
            key_id, secret = made.json()["id"], made.json()["secret"]
            for base in (a, b, a, b):  # warm: both processes now keep the key
                used = httpx.get(base + RESOLVE, headers={"Authorization": f"Bearer {secret}"})
                assert used.status_code == 200, used.text

            with hammering(b, secret) as hammer:
                hammer.wait_until_accepted(3 * CLIENTS)
                if how == "admin route":
                    assert on_a.delete(f"/v1/keys/{key_id}").status_code == 204
                else:
                    revoked = run_cli(env, "keys", "revoke", key_id)
                    assert revoked.returncode == 0, revoked.stderr
                answered = time.monotonic()
                time.sleep(AFTER_S)

            after = [r for r in hammer.results if r.at > answered]
            accepted_after = [r for r in after if 200 <= r.status < 300]
            assert len(after) >= CLIENTS, f"{how}: too few requests after the revocation"
            assert accepted_after == [], (
                f"{how} on {backend}: {len(accepted_after)} of {len(after)} requests sent"
                " after the revoking answer were accepted"
            )
            assert {r.status for r in after} == {401}
