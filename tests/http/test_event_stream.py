"""`GET /v1/events/stream`: the change feed pushed as Server-Sent Events (ADR 0030),
against a real `aka serve` (SQLite): a test client cannot hold a response open."""

from __future__ import annotations

import os
import signal
import socket
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from bench.served import free_port, serve
from tests.servers import running_server
from tests.sse import Stream
from tests.storage.changes import linked

from aka.storage import open_store

pytestmark = pytest.mark.slow

ADMIN = "stream-admin-key"
AUTH = {"Authorization": f"Bearer {ADMIN}"}


def server(tmp_path_factory: pytest.TempPathFactory, **settings: str) -> Iterator[tuple[str, str]]:
    db = tmp_path_factory.mktemp("stream") / "aka.db"
    env = {
        "AKA_DATABASE_URL": f"sqlite:///{db}",
        "AKA_ADMIN_KEY": ADMIN,
        "AKA_DIALECTS": "none",
        "AKA_EVENTS_STREAM_MAX": "3",
        **{f"AKA_{name.upper()}": value for name, value in settings.items()},
    }
    with running_server(env) as base:
        yield base, f"sqlite:///{db}"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """One server for most of the module: heartbeats every 0.5 s, at most 3 streams."""
    yield from server(
        tmp_path_factory, events_stream_poll_seconds="30", events_stream_heartbeat_seconds="0.5"
    )


@pytest.fixture(scope="module")
def quiet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """A server whose idle streams neither poll nor beat for a minute: whatever they
    send sooner was pushed by the commit signal."""
    yield from server(
        tmp_path_factory, events_stream_poll_seconds="60", events_stream_heartbeat_seconds="60"
    )


@pytest.fixture
def api(served: tuple[str, str]) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=served[0], headers=AUTH, timeout=10) as client:
        yield client


def person(api: httpx.Client, email: str) -> str:
    body = {"identifiers": [{"namespace": "email", "value": email}]}
    answer = api.post("/v1/profiles", json=body)
    assert answer.status_code == 201, answer.text
    return str(answer.json()["id"])


def last_seq(api: httpx.Client) -> int:
    answer = api.get("/v1/workspace")
    assert answer.status_code == 200, answer.text
    return int(answer.json()["last_seq"])


def stream(base: str, path: str = "/v1/events/stream", **headers: str) -> Stream:
    return Stream(base, path, {**AUTH, **headers}).open()


def test_each_event_is_a_message_shaped_as_the_polled_feed(quiet: tuple[str, str]) -> None:
    """`id:` the seq, `event:` the type, `data:` exactly the item `GET /v1/events` gives;
    the stream first sends every event after `after`, then each one written later,
    pushed when it commits (this server's streams would not look for a minute)."""
    api = httpx.Client(base_url=quiet[0], headers=AUTH, timeout=10)
    start = last_seq(api)
    person(api, "s1@x.io")
    s = stream(quiet[0], f"/v1/events/stream?after={start}")
    try:
        assert s.status == 200
        assert s.content_type.startswith("text/event-stream")
        first = s.next_event()
        person(api, "s2@x.io")
        began = time.monotonic()
        second = s.next_event(timeout=5)
        assert time.monotonic() - began < 5
        polled = api.get("/v1/events", params={"after": start}).json()["events"]
        for message, item in zip((first, second), polled, strict=True):
            assert message.id == str(item["seq"])
            assert message.event == item["type"]
            assert message.json() == item
    finally:
        s.close()
        api.close()


def test_last_event_id_wins_over_after(served: tuple[str, str], api: httpx.Client) -> None:
    """A reconnecting EventSource sends its first URL (with `after`) and the last id it
    got: the stream goes on after the header's seq."""
    start = last_seq(api)
    for n in range(3):
        person(api, f"r{n}@x.io")
    s = stream(served[0], f"/v1/events/stream?after={start}", **{"Last-Event-ID": str(start + 2)})
    try:
        assert s.next_event().id == str(start + 3)
    finally:
        s.close()


@pytest.mark.parametrize(
    ("path", "headers", "field"),
    [
        ("/v1/events/stream", {"Last-Event-ID": "abc"}, "Last-Event-ID"),
        ("/v1/events/stream", {"Last-Event-ID": "-1"}, "Last-Event-ID"),
        ("/v1/events/stream", {"Last-Event-ID": str(2**63)}, "Last-Event-ID"),
        ("/v1/events/stream?after=-1", {}, "after"),
        ("/v1/events/stream?after=x", {}, "after"),
    ],
)
def test_a_bad_cursor_is_refused_naming_it(
    api: httpx.Client, path: str, headers: dict[str, str], field: str
) -> None:
    answer = api.get(path, headers=headers)
    assert answer.status_code == 422
    problem: dict[str, Any] = answer.json()
    assert problem["code"] == "invalid_input"
    assert field in str(problem)


def test_an_idle_stream_sends_heartbeats(served: tuple[str, str], api: httpx.Client) -> None:
    s = stream(served[0], f"/v1/events/stream?after={last_seq(api)}")
    try:
        opening = s.next()
        assert opening is not None
        assert opening.comment is not None
        beat = s.next(timeout=3)
        assert beat is not None
        assert beat.comment == "heartbeat"
    finally:
        s.close()


def test_a_write_by_another_process_arrives_by_the_poll(served: tuple[str, str]) -> None:
    """Writes this server did not make (here: straight into its SQLite file) wake no
    stream; the poll finds them. Here the poll is 30 s: the event comes within it."""
    base, url = served
    with httpx.Client(base_url=base, headers=AUTH, timeout=10) as api:
        profile_id = person(api, "inside@x.io")
        start = last_seq(api)
        s = stream(base, f"/v1/events/stream?after={start}")
    store = open_store(url)
    try:
        with store.transaction("default") as tx:
            tx.append(linked(profile_id, "outside@x.io"))
        message = s.next_event(timeout=35)
        assert message.id == str(start + 1)
    finally:
        store.close()
        s.close()


def test_a_key_limited_to_namespaces_sees_the_stream_redacted(
    served: tuple[str, str], api: httpx.Client
) -> None:
    """As on `GET /v1/events` (ADR 0026): other namespaces' identifiers are left out."""
    limited = {"name": "devices", "scopes": ["identities:read"], "namespaces": ["device"]}
    made = api.post("/v1/keys", json=limited)
    assert made.status_code == 201, made.text
    start = last_seq(api)
    answer = api.post(
        "/v1/profiles",
        json={
            "identifiers": [
                {"namespace": "email", "value": "hidden@x.io"},
                {"namespace": "device", "value": "d-77"},
            ]
        },
    )
    assert answer.status_code == 201
    s = Stream(
        served[0],
        f"/v1/events/stream?after={start}",
        {"Authorization": f"Bearer {made.json()['secret']}"},
    ).open()
    try:
        data = s.next_event().json()
        assert [i["namespace"] for i in data["payload"]["identifiers"]] == ["device"]
        assert "hidden@x.io" not in str(data)
    finally:
        s.close()


@pytest.fixture
def alone(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """A server of its own: no stream another test left closing holds a place."""
    yield from server(tmp_path_factory)


def test_streams_past_the_limit_are_refused(alone: tuple[str, str]) -> None:
    """`events_stream_max` (3 here) per process: the fourth gets 503 with Retry-After."""
    base = alone[0]
    held = [stream(base) for _ in range(3)]
    try:
        for s in held:
            assert s.status == 200
        with httpx.Client(base_url=base, headers=AUTH, timeout=10) as api:
            refused = api.get("/v1/events/stream")
            assert refused.status_code == 503
            assert refused.json()["code"] == "too_many_streams"
            assert refused.headers["retry-after"]
    finally:
        for s in held:
            s.close()


def test_a_stopping_server_ends_its_streams_at_once(tmp_path: Path) -> None:
    """SIGTERM with a stream open: the stream ends and the server stops within
    seconds, instead of waiting for the client to leave (granian runs the lifespan's
    shutdown only once every request finished: `http.stopping`)."""
    port = free_port()
    env = {
        **os.environ,
        "AKA_DATABASE_URL": f"sqlite:///{tmp_path / 'aka.db'}",
        "AKA_ADMIN_KEY": ADMIN,
        "AKA_PORT": str(port),
    }
    with tempfile.TemporaryFile() as out:
        served = serve(
            [sys.executable, "-m", "aka", "serve"], env, port,
            ready_path="/readyz", stdout=out, stderr=out,
        )  # fmt: skip
        try:
            s = stream(served.base)
            assert s.next() is not None  # the opening comment: the stream is live
            began = time.monotonic()
            served.proc.send_signal(signal.SIGTERM)
            assert served.proc.wait(timeout=10) == 0
            while s.next(timeout=5) is not None:
                pass
            assert time.monotonic() - began < 10
        finally:
            served.stop()


def _raw_stream(base: str) -> tuple[socket.socket, bytes]:
    """A stream opened on a bare socket (which the test can really close: an httpx
    response being read in another thread keeps its connection open), and the answer's
    first bytes: its status line."""
    host, port = base.removeprefix("http://").split(":")
    conn = socket.create_connection((host, int(port)), timeout=5)
    conn.sendall(
        f"GET /v1/events/stream HTTP/1.1\r\nHost: {host}\r\n"
        f"Authorization: Bearer {ADMIN}\r\n\r\n".encode()
    )
    return conn, conn.recv(12)


def test_a_client_that_leaves_gives_its_place_back_at_once(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """A stream whose client disconnects frees its place in `events_stream_max` (3) as
    soon as the server hears the connection close, not at its next heartbeat or event
    (a minute away on this server): a client reconnecting after a network blip is not
    refused by its own dead stream."""
    quiet_alone = server(
        tmp_path_factory, events_stream_poll_seconds="60", events_stream_heartbeat_seconds="60"
    )
    base, _ = next(quiet_alone)
    held: list[socket.socket] = []
    try:
        opened = [_raw_stream(base) for _ in range(3)]
        held += [conn for conn, _ in opened]
        assert [status for _, status in opened] == [b"HTTP/1.1 200"] * 3
        over, status = _raw_stream(base)
        held.append(over)
        assert status == b"HTTP/1.1 503"
        for conn in held:
            conn.close()
        deadline = time.monotonic() + 3
        while True:
            again = [_raw_stream(base) for _ in range(3)]
            held = [conn for conn, _ in again]
            for conn in held:
                conn.close()
            if all(status == b"HTTP/1.1 200" for _, status in again):
                break
            assert time.monotonic() < deadline, [status for _, status in again]
            time.sleep(0.1)
    finally:
        for conn in held:
            conn.close()
        quiet_alone.close()
