"""The native API under test, on every store: one app per test, driven over HTTP.

`client` is a Starlette TestClient authenticated as the admin of workspace `default`;
`api` wraps it with builders, so a spec arranges its world in one line per fact:

    ann = api.person("email:ann@x.io", "device:d1")      # an anonymous profile
    bob = api.person("device:d2", identified=True)       # a known person
    merge_id = api.merged(bob, ann)                      # the merge's id
    reader = api.key("identities:read")                  # headers of a narrower key

Every test runs on each backend of `tests.backends` (memory, SQLite, PostgreSQL). A
module changes the app's settings by overriding the `settings_overrides` fixture.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from starlette.testclient import TestClient

from aka.app import build_app
from aka.config import Settings
from aka.core.ports import Store
from aka.service import admin

ADMIN_KEY = "test-admin-key"
PROBLEM_JSON = "application/problem+json"


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


@pytest.fixture
def settings(database_url: str, settings_overrides: dict[str, Any]) -> Settings:
    # The native API alone: vendor doors have their own suites (tests/dialects/).
    overrides = {"dialects": "none", **settings_overrides}
    return Settings(database_url=database_url, admin_key=ADMIN_KEY, **overrides)


@pytest.fixture
def client(settings: Settings, store: Store) -> Iterator[TestClient]:
    """The native API as the admin of workspace `default` (all scopes)."""
    with TestClient(build_app(settings, store=store), headers=bearer(ADMIN_KEY)) as c:
        yield c


@pytest.fixture
def api(client: TestClient, store: Store) -> Api:
    return Api(client, store)


_serial = itertools.count(1)


def ident(text: str, **fields: Any) -> dict[str, Any]:
    """`"email:ann@x.io"` as a request's identifier (namespace before the first colon)."""
    namespace, _, value = text.partition(":")
    return {"namespace": namespace, "value": value, **fields}


def fresh_external_id() -> str:
    return f"user-{next(_serial)}"


class Api:
    """Builders and lookups over the native API; every arranging call asserts success."""

    def __init__(self, client: TestClient, store: Store) -> None:
        self.client = client
        self.store = store

    bearer = staticmethod(bearer)  # `api.bearer(secret)`: the headers that present a key

    # --- arranging ---------------------------------------------------------------
    def person(
        self,
        *identifiers: str | dict[str, Any],
        identified: bool = False,
        external_id: str | None = None,
        attributes: dict[str, Any] | None = None,
    ) -> str:
        """A new profile's id; `identified=True` gives it a fresh external id."""
        if identified and external_id is None:
            external_id = fresh_external_id()
        body: dict[str, Any] = {
            "identifiers": [ident(i) if isinstance(i, str) else i for i in identifiers]
        }
        if external_id is not None:
            body["external_id"] = external_id
        if attributes is not None:
            body["attributes"] = attributes
        return str(self.ok(self.client.post("/v1/profiles", json=body), 201)["id"])

    def link(self, profile_id: str, text: str, **fields: Any) -> httpx.Response:
        return self.client.post(
            f"/v1/profiles/{profile_id}/identifiers", json=ident(text, **fields)
        )

    def merge(
        self, keep: str, gone: str, *, force: bool = False, headers: dict[str, str] | None = None
    ) -> httpx.Response:
        body = {"keep": {"profile_id": keep}, "merge": {"profile_id": gone}, "force": force}
        return self.client.post("/v1/merges", json=body, headers=headers)

    def merged(self, keep: str, gone: str, *, force: bool = False) -> int:
        """Merge `gone` into `keep`; the merge's id."""
        return int(self.ok(self.merge(keep, gone, force=force), 201)["id"])

    def member(self, group: str, member: str) -> None:
        body = {"group": {"profile_id": group}, "member": {"profile_id": member}}
        self.ok(self.client.post("/v1/memberships", json=body), 201)

    def configure(self, **patch: Any) -> dict[str, Any]:
        """PATCH the workspace settings; the settings after the change."""
        answer = self.ok(self.client.patch("/v1/workspace", json=patch), 200)
        return dict(answer["settings"])

    def key(self, *scopes: str, name: str = "") -> dict[str, str]:
        """Headers of a new key of this workspace holding only `scopes`."""
        body = {"name": name, "scopes": list(scopes)}
        return bearer(self.ok(self.client.post("/v1/keys", json=body), 201)["secret"])

    def other_workspace(self, workspace_id: str = "other") -> dict[str, str]:
        """Headers of an all-scopes key of a new, separate workspace."""
        admin.create_workspace(self.store, workspace_id)
        return bearer(admin.issue_key(self.store, workspace_id, name="admin").secret)

    # --- looking -----------------------------------------------------------------
    def profile(self, profile_id: str, headers: dict[str, str] | None = None) -> dict[str, Any]:
        return self.ok(self.client.get(f"/v1/profiles/{profile_id}", headers=headers), 200)

    def holds(self, profile_id: str) -> set[str]:
        """`{"email:ann@x.io", ...}`: the identifiers the (live) profile holds now."""
        found = self.profile(profile_id)["identifiers"]
        return {f"{i['namespace']}:{i['value']}" for i in found}

    def owner(self, text: str) -> str | None:
        """The live profile an identifier resolves to, or None."""
        namespace, _, value = text.partition(":")
        r = self.client.get("/v1/resolve", params={"namespace": namespace, "value": value})
        if r.status_code == 404:
            return None
        return str(self.ok(r, 200)["id"])

    def events(self) -> list[dict[str, Any]]:
        return list(self.ok(self.client.get("/v1/events", params={"limit": 1000}), 200)["events"])

    # --- asserting ---------------------------------------------------------------
    @staticmethod
    def ok(response: httpx.Response, status: int) -> dict[str, Any]:
        assert response.status_code == status, response.text
        body: dict[str, Any] = response.json()
        return body

    @staticmethod
    def problem(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
        """The problem+json body, after checking its status, media type and stable code."""
        assert response.status_code == status, response.text
        assert response.headers["content-type"] == PROBLEM_JSON
        body: dict[str, Any] = response.json()
        assert body["code"] == code, body
        assert body["type"] == f"urn:aka:error:{code}"
        assert body["status"] == status
        return body
