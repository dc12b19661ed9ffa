"""The Appizer door under test, on every store, driven as an Appizer client drives it.

    r = appizer.post("/v1/users/aliases", {"user_id": "u1", "alias_id": "a1"})
    body = appizer.error(r, 409, "CIRCULAR_ALIAS")

Every test runs on each backend of `tests.backends` (memory, SQLite, PostgreSQL).
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from starlette.testclient import TestClient

from aka.core.ports import Store
from aka.service import admin
from tests.http.conftest import ADMIN_KEY, bearer

ERROR_NAMES = {400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
               405: "Method Not Allowed", 409: "Conflict", 413: "Payload Too Large",
               415: "Unsupported Media Type", 429: "Too Many Requests"}  # fmt: skip


class Appizer:
    def __init__(self, client: TestClient, store: Store) -> None:
        self.client = client
        self.store = store

    def key(self, *scopes: str) -> str:
        return admin.issue_key(self.store, "default", scopes=list(scopes)).secret

    def request(
        self, method: str, path: str, body: Any = None, *, key: str | None = ADMIN_KEY
    ) -> httpx.Response:
        headers = bearer(key) if key is not None else {}
        if body is None:
            return self.client.request(method, path, headers=headers)
        return self.client.request(method, path, json=body, headers=headers)

    def post(self, path: str, body: Any, *, key: str | None = ADMIN_KEY) -> httpx.Response:
        return self.request("POST", path, body, key=key)

    def get(self, path: str, *, key: str | None = ADMIN_KEY) -> httpx.Response:
        return self.request("GET", path, key=key)

    def user(self, user_id: str, **fields: Any) -> dict[str, Any]:
        """Upsert a user; the answer."""
        return self.ok(self.post("/v1/users", {"user_id": user_id, **fields}), 201)

    @staticmethod
    def ok(response: httpx.Response, status: int = 200) -> dict[str, Any]:
        assert response.status_code == status, response.text
        assert response.headers["content-type"] == "application/json"
        body: dict[str, Any] = response.json()
        return body

    @staticmethod
    def error(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
        """Appizer's error body: `{error, message, code, details}` with this status."""
        assert response.status_code == status, response.text
        assert response.headers["content-type"] == "application/json"
        body: dict[str, Any] = response.json()
        assert set(body) == {"error", "message", "code", "details"}, body
        assert body["error"] == ERROR_NAMES[status]
        assert body["code"] == code, body
        assert isinstance(body["message"], str)
        assert body["message"]
        assert isinstance(body["details"], dict)
        return body


@pytest.fixture
def appizer(client: TestClient, store: Store) -> Appizer:
    return Appizer(client, store)
