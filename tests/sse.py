"""A Server-Sent Events reader for tests: reads a stream in a thread of its own and
hands each message (or comment) over a queue, so a test can wait with a timeout."""

from __future__ import annotations

import contextlib
import json
import queue
import socket
import threading
from dataclasses import dataclass, field
from typing import Any

import httpx


@dataclass(frozen=True)
class Message:
    """One SSE block: an event (`id`, `event`, `data`) or a comment (`comment`)."""

    id: str | None = None
    event: str | None = None
    data: str | None = None
    comment: str | None = None

    def json(self) -> Any:
        assert self.data is not None
        return json.loads(self.data)


@dataclass
class Stream:
    """`GET url` as an event stream; `status` and `headers` once it answered."""

    base: str
    path: str
    headers: dict[str, str]
    messages: queue.Queue[Message | None] = field(default_factory=queue.Queue)
    status: int | None = None
    content_type: str = ""
    body: bytes = b""
    _ready: threading.Event = field(default_factory=threading.Event)
    _client: httpx.Client | None = None
    _answer: httpx.Response | None = None
    _reader: threading.Thread | None = None

    def open(self, timeout: float = 10.0) -> Stream:
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        assert self._ready.wait(timeout), "the stream never answered"
        return self

    def _read(self) -> None:
        self._client = httpx.Client(base_url=self.base, timeout=httpx.Timeout(10, read=None))
        try:
            with self._client.stream("GET", self.path, headers=self.headers) as answer:
                self._answer = answer
                self.status = answer.status_code
                self.content_type = answer.headers.get("content-type", "")
                if answer.status_code != 200:
                    self.body = answer.read()
                    self._ready.set()
                    return
                self._ready.set()
                block: dict[str, str] = {}
                for line in answer.iter_lines():
                    if line == "":
                        if block:
                            self.messages.put(Message(**block))
                        block = {}
                    elif line.startswith(":"):
                        block["comment"] = line[1:].strip()
                    else:
                        name, _, value = line.partition(":")
                        block[name] = value.removeprefix(" ")
        except httpx.HTTPError:
            pass  # closed by the test or the server
        finally:
            self._client.close()  # in this thread, which owns the connection
            self._ready.set()
            self.messages.put(None)  # the end

    def next(self, timeout: float = 10.0) -> Message | None:
        """The next message (None: the stream ended); fails after `timeout` seconds."""
        try:
            return self.messages.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"no message within {timeout} s") from None

    def next_event(self, timeout: float = 10.0) -> Message:
        """The next event, past comments (heartbeats)."""
        while True:
            message = self.next(timeout)
            assert message is not None, "the stream ended"
            if message.comment is None:
                return message

    def close(self) -> None:
        """Leave, as a client that goes away does: the connection is shut down under
        the reader, which then closes the response and the client itself. (Closing the
        client from here left the connection being read open: the server kept the
        stream, and the socket was reported unclosed when collected.)"""
        answer = self._answer
        if answer is not None:
            sock = answer.extensions["network_stream"].get_extra_info("socket")
            if sock is not None:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
        if self._reader is not None:
            self._reader.join(timeout=10)
            assert not self._reader.is_alive(), "the stream's reader did not end"
