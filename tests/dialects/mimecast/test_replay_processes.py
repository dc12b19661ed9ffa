"""Replay protection holds across processes: two `aka serve` processes on one
PostgreSQL database, the same signed request sent to both at once: exactly one runs."""

from __future__ import annotations

import concurrent.futures
from pathlib import Path

import httpx
import pytest

from aka.service import admin, mimecast_keys
from aka.storage import open_store
from tests import backends
from tests.servers import running_server

from .conftest import signed_headers

pytestmark = pytest.mark.slow

PATH = "/api/user/create-user"


def test_a_request_replayed_to_another_process_is_refused(tmp_path: Path) -> None:
    url = backends.backend_url("postgres", tmp_path)
    store = open_store(url)
    try:
        store.migrate()
        admin.create_workspace(store, "default")
        _, issued = mimecast_keys.issue(store, "default", name="mc")
    finally:
        store.close()
    creds = {
        "access_key": issued.access_key,
        "secret_key": issued.secret_key,
        "app_id": issued.app_id,
        "app_key": issued.app_key,
    }
    env = {"AKA_DATABASE_URL": url, "AKA_ADMIN_KEY": "admin", "AKA_DIALECTS": "mimecast"}
    headers = signed_headers(creds, PATH)
    body = {"data": [{"emailAddress": "ann@acme.example"}]}
    with running_server(env) as one, running_server(env) as two:
        with concurrent.futures.ThreadPoolExecutor(2) as pool:
            answers = list(
                pool.map(
                    lambda base: httpx.post(base + PATH, json=body, headers=headers), [one, two]
                )
            )
        assert sorted(r.status_code for r in answers) == [200, 401]
        for base in (one, two):
            again = httpx.post(base + PATH, json=body, headers=headers)
            assert again.json()["fail"][0]["errors"][0]["code"] == "err_xdk_invalid_signature"
