"""The Coveo door under test, on every store: the organization is workspace `default`,
called with its admin key (`coveo.put(...)`), or an organization named as in the seed.

    coveo.permissions("Groups", {"name": "g", "type": "GROUP"}, members=[...])
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from starlette.testclient import TestClient

from aka.app import build_app
from aka.config import Settings
from aka.core.ports import Store
from tests.http.conftest import ADMIN_KEY

ORG = "default"


def user(name: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "type": "USER", **extra}


def group(name: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "type": "GROUP", **extra}


class Coveo:
    def __init__(self, client: TestClient, org: str = ORG) -> None:
        self.client = client
        self.org = org

    def url(self, provider: str, tail: str) -> str:
        return f"/push/v1/organizations/{self.org}/providers/{quote(provider)}/{tail}"

    def permissions(
        self,
        provider: str,
        identity: dict[str, Any],
        *,
        members: list[dict[str, Any]] | None = None,
        well_knowns: list[dict[str, Any]] | None = None,
        ordering: int | None = None,
    ) -> httpx.Response:
        body: dict[str, Any] = {"identity": identity}
        if members is not None:
            body["members"] = members
        if well_knowns is not None:
            body["wellKnowns"] = well_knowns
        params = {"orderingId": ordering} if ordering is not None else None
        return self.client.put(self.url(provider, "permissions"), json=body, params=params)

    def mappings(
        self,
        provider: str,
        identity: dict[str, Any],
        mappings: list[dict[str, Any]],
        *,
        well_knowns: list[dict[str, Any]] | None = None,
        ordering: int | None = None,
    ) -> httpx.Response:
        body: dict[str, Any] = {"identity": identity, "mappings": mappings}
        if well_knowns is not None:
            body["wellKnowns"] = well_knowns
        params = {"orderingId": ordering} if ordering is not None else None
        return self.client.put(self.url(provider, "mappings"), json=body, params=params)

    def delete(
        self, provider: str, identity: dict[str, Any], ordering: int | None = None
    ) -> httpx.Response:
        params = {"orderingId": ordering} if ordering is not None else None
        return self.client.request(
            "DELETE", self.url(provider, "permissions"), json={"identity": identity}, params=params
        )

    def parents(self, provider: str, member: dict[str, Any], **params: Any) -> dict[str, Any]:
        url = (
            f"/rest/organizations/{self.org}/securitycache/entities/"
            f"{quote(provider)}/members/parents"
        )
        r = self.client.post(url, json=member, params=params)
        assert r.status_code == 200, r.text
        body: dict[str, Any] = r.json()
        return body

    def names(self, provider: str, member: dict[str, Any], **params: Any) -> set[str]:
        """`{"provider:name", ...}` of every parent (one page of up to 1000)."""
        found = self.parents(provider, member, pageSize=1000, **params)["items"]
        return {f"{i['provider']}:{i['name']}" for i in found}


def accepted(r: httpx.Response) -> None:
    assert r.status_code == 202, r.text
    assert r.json() == {}


def coveo_error(r: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == "application/json"
    body: dict[str, Any] = r.json()
    assert set(body) == {"errorCode", "message"}
    assert body["errorCode"] == code
    return body


@pytest.fixture
def client(settings: Settings, store: Store) -> Iterator[TestClient]:
    headers = {"Authorization": f"Bearer {ADMIN_KEY}"}
    with TestClient(build_app(settings, store=store), headers=headers) as c:
        yield c


@pytest.fixture
def coveo(client: TestClient) -> Coveo:
    return Coveo(client)


def owner(client: TestClient, namespace: str, value: str) -> str | None:
    r = client.get("/v1/resolve", params={"namespace": namespace, "value": value})
    if r.status_code == 404:
        return None
    assert r.status_code == 200, r.text
    return str(r.json()["id"])
