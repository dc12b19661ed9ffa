"""The Mimecast door under test, on every store, with credentials issued as
`aka keys create --mimecast` issues them and a signer written from Mimecast's docs.

    r = mc.post("/api/user/update-alias", [{"aliasFor": "a@x.io", "alias": "b@x.io"}])
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from starlette.testclient import TestClient

from aka.core.ports import Store
from aka.service import mimecast_keys
from tests.http.conftest import ADMIN_KEY

WORKSPACE = "default"


def mimecast_date(when: datetime) -> str:
    """`Tue, 24 Nov 2015 12:50:11 UTC`, as the docs' samples format it."""
    return when.astimezone(UTC).strftime("%a, %d %b %Y %H:%M:%S") + " UTC"


def signed_headers(
    creds: dict[str, str],
    path: str,
    *,
    date: str | None = None,
    request_id: str | None = None,
    secret_key: str | None = None,
) -> dict[str, str]:
    """The four headers of a signed call, computed as the documentation describes:
    base64(HMAC-SHA1(base64decode(secret), "date:reqId:path:appKey"))."""
    date = date or mimecast_date(datetime.now(UTC))
    request_id = request_id or str(uuid.uuid4())
    key = base64.b64decode(secret_key or creds["secret_key"])
    data = ":".join([date, request_id, path, creds["app_key"]]).encode()
    signature = base64.b64encode(hmac.new(key, data, hashlib.sha1).digest()).decode()
    return {
        "Authorization": f"MC {creds['access_key']}:{signature}",
        "x-mc-date": date,
        "x-mc-req-id": request_id,
        "x-mc-app-id": creds["app_id"],
        "Content-Type": "application/json",
        "Accept": "application/json",
    }


class Mimecast:
    """A signed client: each call gets a fresh request id and the current date."""

    def __init__(self, client: TestClient, creds: dict[str, str]) -> None:
        self.client = client
        self.creds = creds

    def post(self, path: str, data: list[Any] | None = None, **sign: Any) -> httpx.Response:
        headers = signed_headers(self.creds, path, **sign)
        body = {"data": data if data is not None else []}
        return self.client.post(path, json=body, headers=headers)

    def ok(self, path: str, data: list[Any] | None = None) -> dict[str, Any]:
        r = self.post(path, data)
        assert r.status_code == 200, r.text
        body: dict[str, Any] = r.json()
        assert body["meta"] == {"status": 200}
        return body


def refused(r: httpx.Response, status: int, code: str) -> dict[str, Any]:
    """A request-level failure: the envelope with one error and no data."""
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == "application/json"
    body: dict[str, Any] = r.json()
    assert body["meta"] == {"status": status}
    assert body["data"] == []
    assert [e["code"] for e in body["fail"][0]["errors"]] == [code]
    return body


def issue(store: Store, *scopes: str, workspace: str = WORKSPACE) -> dict[str, str]:
    _, creds = mimecast_keys.issue(store, workspace, name="mc", scopes=list(scopes) or None)
    return {
        "access_key": creds.access_key,
        "secret_key": creds.secret_key,
        "app_id": creds.app_id,
        "app_key": creds.app_key,
    }


@pytest.fixture
def creds(client: TestClient, store: Store) -> dict[str, str]:
    """Credentials of an all-scopes key of `default` (the app made the workspace)."""
    return issue(store)


@pytest.fixture
def mc(client: TestClient, creds: dict[str, str]) -> Mimecast:
    return Mimecast(client, creds)


@pytest.fixture
def native(client: TestClient) -> TestClient:
    """The same app through the native API, as the admin."""
    client.headers["Authorization"] = f"Bearer {ADMIN_KEY}"
    return client


def later(minutes: int) -> str:
    return mimecast_date(datetime.now(UTC) + timedelta(minutes=minutes))
