"""`AKA_DIALECTS` closes a door: its paths are then unknown, answered by the native face."""

from __future__ import annotations

from starlette.testclient import TestClient

from aka.app import build_app
from aka.config import Settings
from tests.http.conftest import ADMIN_KEY, bearer


def client_with(dialects: str) -> TestClient:
    settings = Settings(database_url="memory://", admin_key=ADMIN_KEY, dialects=dialects)
    return TestClient(build_app(settings), headers=bearer(ADMIN_KEY))


def test_braze_alone_leaves_appizer_paths_to_the_native_api() -> None:
    with client_with("braze") as c:
        body = {"user_aliases": [{"alias_label": "l", "alias_name": "n"}]}
        assert c.post("/users/alias/new", json=body).status_code == 201
        r = c.get("/v1/users/u1")
        assert (r.status_code, r.headers["content-type"]) == (404, "application/problem+json")


def test_appizer_alone_closes_the_braze_paths() -> None:
    with client_with("appizer") as c:
        r = c.post("/users/alias/new", json={"user_aliases": []})
        assert (r.status_code, r.headers["content-type"]) == (404, "application/problem+json")
        assert c.post("/v1/users", json={"user_id": "u1"}).status_code == 201
