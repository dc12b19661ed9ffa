"""The Braze door under test, on every store, driven as a Braze client drives it.

    r = braze.post("/users/alias/new", {"user_aliases": [...]})       # admin key
    r = braze.post("/users/delete", {...}, key=braze.key("users.alias.new"))
    braze.native                                                      # tests.http Api

Every test runs on each backend of `tests.backends` (memory, SQLite, PostgreSQL).
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from starlette.testclient import TestClient

from aka.core.ports import Store
from aka.service import admin
from tests.http.conftest import ADMIN_KEY, Api, bearer

# Every Braze route, with a body that is valid for it, for the walks over all routes.
ROUTES: dict[str, dict[str, Any]] = {
    "/users/alias/new": {"user_aliases": [{"alias_label": "l", "alias_name": "n"}]},
    "/users/alias/update": {
        "alias_updates": [{"alias_label": "l", "old_alias_name": "n", "new_alias_name": "m"}]
    },
    "/users/identify": {
        "aliases_to_identify": [
            {"external_id": "u", "user_alias": {"alias_label": "l", "alias_name": "n"}}
        ]
    },
    "/users/merge": {
        "merge_updates": [
            {
                "identifier_to_merge": {"external_id": "a"},
                "identifier_to_keep": {"external_id": "b"},
            }
        ]
    },
    "/users/delete": {"external_ids": ["nobody"]},
    "/users/export/ids": {"external_ids": ["nobody"]},
    "/users/track": {"attributes": [{"external_id": "u", "plan": "pro"}], "events": []},
    "/users/external_ids/rename": {
        "external_id_renames": [{"current_external_id": "a", "new_external_id": "b"}]
    },
    "/users/external_ids/remove": {"external_ids": ["nobody"]},
}
PERMISSION = {
    path: path.removeprefix("/").replace("/", ".") for path in ROUTES
}  # "/users/alias/new" -> "users.alias.new"
# The list each route caps, and one valid item of it.
LISTS: dict[str, tuple[str, Any]] = {
    "/users/alias/new": ("user_aliases", ROUTES["/users/alias/new"]["user_aliases"][0]),
    "/users/alias/update": ("alias_updates", ROUTES["/users/alias/update"]["alias_updates"][0]),
    "/users/identify": (
        "aliases_to_identify",
        ROUTES["/users/identify"]["aliases_to_identify"][0],
    ),
    "/users/merge": ("merge_updates", ROUTES["/users/merge"]["merge_updates"][0]),
    "/users/delete": ("external_ids", "nobody"),
    "/users/export/ids": ("external_ids", "nobody"),
    "/users/external_ids/rename": (
        "external_id_renames",
        ROUTES["/users/external_ids/rename"]["external_id_renames"][0],
    ),
    "/users/external_ids/remove": ("external_ids", "nobody"),
}


class Braze:
    def __init__(self, client: TestClient, store: Store) -> None:
        self.client = client
        self.store = store
        admin_client = _Headed(client, bearer(ADMIN_KEY))
        self.native = Api(admin_client, store)  # type: ignore[arg-type]

    def key(self, *scopes: str, secret: str | None = None) -> str:
        """The secret of a new key of workspace `default` holding only `scopes`."""
        return admin.issue_key(self.store, "default", scopes=list(scopes), secret=secret).secret

    def post(
        self, path: str, body: Any, *, key: str | None = ADMIN_KEY, **kwargs: Any
    ) -> httpx.Response:
        headers = bearer(key) if key is not None else {}
        return self.client.post(path, json=body, headers=headers, **kwargs)

    @staticmethod
    def ok(response: httpx.Response, status: int = 201) -> dict[str, Any]:
        assert response.status_code == status, response.text
        assert response.headers["content-type"] == "application/json"
        body: dict[str, Any] = response.json()
        assert "message" in body
        return body

    @staticmethod
    def refused(response: httpx.Response, status: int = 400) -> dict[str, Any]:
        """A Braze error: the status, JSON (never problem+json) and a `message`."""
        assert response.status_code == status, response.text
        assert response.headers["content-type"] == "application/json"
        body: dict[str, Any] = response.json()
        assert isinstance(body["message"], str), body
        assert body["message"], body
        assert body["message"] != "success"
        return body

    def export(self, **body: Any) -> dict[str, Any]:
        return self.ok(self.post("/users/export/ids", body), 200)


class _Headed:
    """A TestClient whose requests carry default headers (the native builders' client)."""

    def __init__(self, client: TestClient, headers: dict[str, str]) -> None:
        self._client = client
        self._headers = headers

    def __getattr__(self, method: str) -> Any:
        call = getattr(self._client, method)

        def with_headers(*args: Any, headers: dict[str, str] | None = None, **kw: Any) -> Any:
            return call(*args, headers={**self._headers, **(headers or {})}, **kw)

        return with_headers


@pytest.fixture
def braze(client: TestClient, store: Store) -> Braze:
    return Braze(client, store)
