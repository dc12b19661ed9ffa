"""A batch job survives its server: stopped mid-job, the next `aka serve` resumes it
after the last committed item, and every item is applied exactly once."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from tests import backends
from tests.servers import running_server

pytestmark = pytest.mark.slow

ADMIN = "restart-admin-key"
ITEMS = 1500


@pytest.mark.parametrize("backend", backends.sql_backend_params())
def test_a_job_resumes_after_a_restart(backend: str, tmp_path: Path) -> None:
    env = {
        "AKA_DATABASE_URL": backends.backend_url(backend, tmp_path),
        "AKA_ADMIN_KEY": ADMIN,
        "AKA_JOB_LEASE_SECONDS": "1",
        "AKA_DIALECTS": "coveo",
    }
    auth = {"Authorization": f"Bearer {ADMIN}"}
    doc = {"members": [{"identity": {"name": f"u{n}", "type": "USER"}} for n in range(ITEMS)]}
    with running_server(env) as base:
        container = httpx.post(f"{base}/push/v1/organizations/default/files", headers=auth).json()
        url = urlsplit(container["uploadUri"])
        put = httpx.put(f"{base}{url.path}?{url.query}", content=json.dumps(doc).encode())
        assert put.status_code == 200, put.text
        r = httpx.put(
            f"{base}/push/v1/organizations/default/providers/P/permissions/batch",
            params={"fileId": container["fileId"]},
            headers=auth,
        )
        assert r.status_code == 202, r.text
        location = r.headers["Location"]
        job = _poll(base, location, auth, lambda j: j["done"] > 0)
        assert job["status"] == "running", "the job finished before the restart: grow ITEMS"
    stopped: dict[str, Any] = {}
    with running_server(env) as base:
        stopped = _poll(base, location, auth, lambda _: True)
        done = _poll(base, location, auth, lambda j: j["status"] in ("done", "failed"), 120)
        assert (done["status"], done["done"], done["total"], done["failed"]) == (
            "done", ITEMS, ITEMS, 0,
        )  # fmt: skip
        events = httpx.get(f"{base}/v1/events", params={"limit": 1}, headers=auth).json()
        assert events["events"][0]["seq"] == 1
        last = httpx.get(f"{base}/v1/resolve", params={"namespace": "P", "value": f"u{ITEMS - 1}"},
                         headers=auth)  # fmt: skip
        assert last.status_code == 200
        # Exactly once: one event per item (its profile, created with its identifier).
        seq = _last_seq(base, auth)
        assert seq == ITEMS
    assert stopped["done"] < ITEMS


def _last_seq(base: str, auth: dict[str, str]) -> int:
    after = 0
    while True:
        page = httpx.get(
            f"{base}/v1/events", params={"after": after, "limit": 1000}, headers=auth
        ).json()
        if not page["events"]:
            return after
        after = page["next_after"]


def _poll(
    base: str, location: str, auth: dict[str, str], until: Any, timeout: float = 60
) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        job: dict[str, Any] = httpx.get(f"{base}{location}", headers=auth).json()
        if until(job) or time.monotonic() > deadline:
            return job
        time.sleep(0.02)
