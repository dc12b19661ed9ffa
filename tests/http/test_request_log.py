"""Request ids and access lines, in process, on every backend.

Every answer carries `X-Request-Id` (the caller's, when plausible, else a new one); each
request writes one access line through the same handler as every other line: method,
route template, door, status, duration, key id, and the request id. A traceback in a
JSON line is its formatted text. (`test_served_logs.py` reads the same off a real
`aka serve`.)
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from typing import Any

import msgspec
import pytest
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route as StarletteRoute
from starlette.testclient import TestClient
from tests.http.conftest import Api

from aka.http.app import build_asgi
from aka.logging import handler


class JsonLog:
    """The lines the root logger writes while the test runs, rendered as `json`."""

    def __init__(self) -> None:
        self.stream = io.StringIO()

    def lines(self) -> list[dict[str, Any]]:
        return [msgspec.json.decode(line) for line in self.stream.getvalue().splitlines()]

    def access(self) -> list[dict[str, Any]]:
        return [line for line in self.lines() if line["logger"] == "aka.access"]

    def aka(self) -> str:
        """aka's own lines (not the test client's), as text."""
        return str([line for line in self.lines() if line["logger"].startswith("aka")])


@pytest.fixture
def json_log() -> Iterator[JsonLog]:
    log = JsonLog()
    out = handler("json")
    assert isinstance(out, logging.StreamHandler)
    out.setStream(log.stream)
    root = logging.getLogger()
    level = root.level
    root.addHandler(out)
    root.setLevel(logging.INFO)
    yield log
    root.removeHandler(out)
    root.setLevel(level)


def test_the_callers_request_id_comes_back_and_tags_the_access_line(
    client: TestClient, json_log: JsonLog
) -> None:
    """A plausible `X-Request-Id` is kept: in the answer and on the request's line."""
    answer = client.get("/v1/resolve", params={"namespace": "email", "value": "a@x.io"},
                        headers={"X-Request-Id": "trace-7f3a/1"})  # fmt: skip
    assert answer.headers["x-request-id"] == "trace-7f3a/1"
    (line,) = json_log.access()
    assert line["request_id"] == "trace-7f3a/1"
    assert (line["method"], line["route"], line["door"], line["status"]) == (
        "GET", "/v1/resolve", "native", 404,
    )  # fmt: skip


@pytest.mark.parametrize("sent", [None, "", "two words", "x" * 129, "new\nline"])
def test_a_missing_or_implausible_request_id_is_replaced_by_a_new_one(
    client: TestClient, json_log: JsonLog, sent: str | None
) -> None:
    """Absent, empty, with spaces or controls, or over 128 characters: the server makes
    its own id (unique per request), so nothing a caller sends can forge a log line."""
    headers = {} if sent is None else {"X-Request-Id": sent}
    ids = [client.get("/healthz", headers=headers).headers["x-request-id"] for _ in range(2)]
    assert ids[0] != ids[1]
    assert all(len(i) == 32 and i.isalnum() for i in ids)
    assert [line["request_id"] for line in json_log.access()] == ids


def test_the_access_line_holds_the_route_template_and_the_key_id_never_the_secret(
    api: Api, client: TestClient, json_log: JsonLog
) -> None:
    """The raw path can hold identifiers: the line names the route template instead;
    the caller is named by its key's id, never by its secret."""
    profile = api.person("email:ann@x.io")
    answer = client.get(f"/v1/profiles/{profile}")
    assert answer.status_code == 200
    line = json_log.access()[-1]
    assert line["route"] == "/v1/profiles/{id}"
    assert profile not in str(line)
    assert line["key_id"].startswith("key_")
    assert "test-admin-key" not in json_log.aka()
    assert isinstance(line["duration_ms"], float)


def test_an_unauthenticated_request_is_logged_without_a_key(
    client: TestClient, json_log: JsonLog
) -> None:
    """A refused key leaves `key_id` empty; the line still has its status and route."""
    answer = client.get("/v1/profiles/p1", headers={"Authorization": "Bearer wrong"})
    assert answer.status_code == 401
    line = json_log.access()[-1]
    assert (line["status"], line["route"], line["key_id"]) == (401, "/v1/profiles/{id}", None)


def test_one_access_line_per_request_even_unrouted(client: TestClient, json_log: JsonLog) -> None:
    """A path no route matches is logged too, without a template (the raw path stays
    out of the log), under the door whose envelope answered it."""
    client.get("/v1/no/such/thing/ann@x.io")
    client.get("/healthz")
    lines = json_log.access()
    assert [(x["route"], x["door"], x["status"]) for x in lines] == [
        (None, "native", 404),
        ("/healthz", None, 200),
    ]
    assert "ann@x.io" not in str(lines)


def test_a_json_line_holds_a_traceback_as_its_formatted_text(json_log: JsonLog) -> None:
    """Not `<traceback object at 0x...>`: the text a developer reads."""
    try:
        {}["missing"]
    except KeyError:
        logging.getLogger("aka.test").exception("lookup failed")
    (line,) = json_log.lines()
    assert line["event"] == "lookup failed"
    assert line["exception"].startswith("Traceback (most recent call last):")
    assert line["exception"].rstrip().endswith("KeyError: 'missing'")
    assert "exc_info" not in line


def test_a_crash_outside_the_routes_is_logged_as_500_with_its_traceback(json_log: JsonLog) -> None:
    """A route that is not one of the typed routes (no envelope of its own) and raises:
    the server's 500 still carries the request id, and the request's lines (the
    traceback, then the access line) carry it too."""

    async def crash(_: Request) -> Response:
        raise RuntimeError("the disk is on fire")

    app = build_asgi(
        [], title="t", version="1", extra_routes=[StarletteRoute("/boom", crash)], docs=False
    )
    with TestClient(app, raise_server_exceptions=False) as client:
        answer = client.get("/boom", headers={"X-Request-Id": "spec-boom"})
    assert answer.status_code == 500
    assert answer.headers["x-request-id"] == "spec-boom"
    mine = [line for line in json_log.lines() if line.get("request_id") == "spec-boom"]
    assert mine[-1]["logger"] == "aka.access"
    assert (mine[-1]["status"], mine[-1]["route"], mine[-1]["door"]) == (500, "/boom", None)
    assert any("RuntimeError: the disk is on fire" in line.get("exception", "") for line in mine)
