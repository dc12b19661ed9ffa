"""Logs one can diagnose from, read off a real `aka serve` with `AKA_LOG_FORMAT=json`:

- every stderr line is one JSON object, granian's own lines included;
- a traceback is written as its formatted text;
- every request has an id (the caller's `X-Request-Id`, else a new one), returned in the
  answer and present on each line logged for that request;
- one access line per request: method, route template (never the raw path), door,
  status, duration and key id (never the secret).

The log format does not depend on the store, so this runs on SQLite, whose file the
test can break on purpose to make the server log a real traceback.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import httpx
import msgspec
import pytest
from tests import backends
from tests.servers import running_server

pytestmark = pytest.mark.slow

ADMIN = "served-logs-admin-key"
AUTH = {"Authorization": f"Bearer {ADMIN}"}


def _lines(stderr: Path) -> list[dict[str, Any]]:
    """Every line the server wrote on stderr, each parsed as JSON (fails if one is not)."""
    parsed = []
    for line in stderr.read_text().splitlines():
        if line.strip():
            try:
                parsed.append(msgspec.json.decode(line))
            except msgspec.DecodeError:
                pytest.fail(f"not a JSON line on stderr: {line!r}")
    return parsed


def _of(lines: list[dict[str, Any]], request_id: str) -> list[dict[str, Any]]:
    return [line for line in lines if line.get("request_id") == request_id]


def _access(lines: list[dict[str, Any]], request_id: str) -> dict[str, Any]:
    found = [line for line in _of(lines, request_id) if line["logger"] == "aka.access"]
    assert len(found) == 1, f"{len(found)} access lines for {request_id}"
    return found[0]


def test_a_served_json_log_is_json_throughout_and_ties_each_line_to_its_request(
    tmp_path: Path,
) -> None:
    db_url = backends.backend_url("sqlite", tmp_path)
    env = {"AKA_DATABASE_URL": db_url, "AKA_ADMIN_KEY": ADMIN, "AKA_LOG_FORMAT": "json"}
    stderr = tmp_path / "stderr.log"
    with running_server(env, stderr=stderr) as base:
        made = httpx.post(
            f"{base}/v1/profiles",
            json={"external_id": "user-42"},
            headers={**AUTH, "X-Request-Id": "spec-create"},
        )
        assert made.status_code == 201, made.text
        assert made.headers["x-request-id"] == "spec-create"
        profile_id = made.json()["id"]
        read = httpx.get(f"{base}/v1/profiles/{profile_id}", headers=AUTH)
        generated = read.headers["x-request-id"]  # none was sent: the server made one
        assert read.status_code == 200
        assert len(generated) >= 16
        # A header that could forge log content is not taken as the id.
        forged = httpx.get(f"{base}/healthz", headers={"X-Request-Id": "a b\tc"})
        assert forged.headers["x-request-id"] != "a b\tc"
        braze = httpx.post(
            f"{base}/users/export/ids",
            json={"external_ids": ["user-42"]},
            headers={**AUTH, "X-Request-Id": "spec-braze"},
        )
        assert braze.status_code < 500, braze.text
        # Break the store under the running server: reading the history now fails
        # deep in the database driver, which the server logs with its traceback.
        with sqlite3.connect(db_url.removeprefix("sqlite:///")) as conn:
            conn.execute("ALTER TABLE events RENAME TO events_moved_away")
        crash = httpx.get(
            f"{base}/v1/profiles/{profile_id}/history",
            headers={**AUTH, "X-Request-Id": "spec-crash"},
        )
        assert crash.status_code == 500
        assert crash.headers["x-request-id"] == "spec-crash"
    lines = _lines(stderr)

    assert any(line["logger"].startswith("_granian") for line in lines), "granian's lines"
    assert ADMIN not in stderr.read_text()

    created = _access(lines, "spec-create")
    assert created["method"] == "POST"
    assert created["route"] == "/v1/profiles"
    assert created["door"] == "native"
    assert created["status"] == 201
    assert isinstance(created["duration_ms"], float)
    assert created["duration_ms"] >= 0
    assert created["key_id"].startswith("key_")

    fetched = _access(lines, generated)
    assert fetched["route"] == "/v1/profiles/{id}"
    assert profile_id not in msgspec.json.encode(fetched).decode()
    assert fetched["key_id"] == created["key_id"]

    vendor = _access(lines, "spec-braze")
    assert (vendor["door"], vendor["route"]) == ("braze", "/users/export/ids")

    crashed = _of(lines, "spec-crash")
    assert [line["logger"] for line in crashed] == ["aka.http", "aka.access"]
    error, access = crashed
    assert error["level"] == "error"
    assert error["event"] == "unhandled error in GET /v1/profiles/{id}/history"
    assert error["exception"].startswith("Traceback (most recent call last):")
    assert "no such table: events" in error["exception"]  # the driver's own words
    assert "traceback object at" not in stderr.read_text()
    assert (access["status"], access["route"]) == (500, "/v1/profiles/{id}/history")
