"""A server's log lines: INFO lines written in batches, nothing lost, nothing reordered.

Every request writes an access line; one `write` each cost the server more than making
the line (`aka.log_stream`). A server's handler therefore gathers lines below WARNING
and writes them a few times a second; a warning or an error goes out at once, after
everything that came before it. An access line reaches that handler without a
`LogRecord` when nothing else could see the record, and reads exactly as the record
would have.
"""

from __future__ import annotations

import io
import logging
import multiprocessing
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import msgspec
import pytest

from aka.log_stream import FLUSH_S, MAX_PENDING, BatchedStreamHandler
from aka.logging import ACCESS_LOGGER, configure_logging, handler, log_access

_FIELDS: dict[str, Any] = {
    "method": "GET",
    "route": "/v1/resolve",
    "door": "native",
    "status": 200,
    "duration_ms": 0.25,
    "key_id": "key_01",
}


def _batched(stream: io.StringIO) -> BatchedStreamHandler:
    out = BatchedStreamHandler(stream)
    out.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    return out


def _record(level: int, message: str) -> logging.LogRecord:
    return logging.makeLogRecord({"levelno": level, "levelname": "x", "msg": message})


def _wait_for(stream: io.StringIO, lines: int) -> list[str]:
    deadline = time.monotonic() + 5
    while len(stream.getvalue().splitlines()) < lines and time.monotonic() < deadline:
        time.sleep(0.01)
    return stream.getvalue().splitlines()


def test_info_lines_wait_for_their_batch_then_are_all_written_in_order() -> None:
    stream = io.StringIO()
    out = _batched(stream)
    for n in range(5):
        out.emit(_record(logging.INFO, f"line {n}"))
    assert stream.getvalue() == ""  # not one write per line
    assert [line.split()[-1] for line in _wait_for(stream, 5)] == ["0", "1", "2", "3", "4"]
    out.close()


def test_a_warning_is_written_at_once_after_every_line_before_it() -> None:
    stream = io.StringIO()
    out = _batched(stream)
    out.emit(_record(logging.INFO, "first"))
    out.emit(_record(logging.WARNING, "then a warning"))
    assert stream.getvalue().splitlines() == ["x first", "x then a warning"]
    out.close()


def test_a_full_batch_is_written_without_waiting() -> None:
    stream = io.StringIO()
    out = _batched(stream)
    for n in range(MAX_PENDING):
        out.emit(_record(logging.INFO, str(n)))
    assert len(stream.getvalue().splitlines()) == MAX_PENDING
    out.close()


def test_flush_and_close_write_what_waits() -> None:
    stream = io.StringIO()
    out = _batched(stream)
    out.emit(_record(logging.INFO, "kept"))
    out.flush()
    assert stream.getvalue() == "x kept\n"
    out.emit(_record(logging.INFO, "kept too"))
    out.close()
    assert stream.getvalue() == "x kept\nx kept too\n"
    assert FLUSH_S < 1  # the window an INFO line may wait is short


@pytest.fixture
def server_logging() -> Iterator[io.StringIO]:
    """The root logger as `aka serve` sets it up (JSON), writing into a buffer."""
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    configure_logging("info", "json", batched=True)
    (only,) = root.handlers
    assert isinstance(only, BatchedStreamHandler)
    stream = io.StringIO()
    only.setStream(stream)
    yield stream
    only.close()
    root.handlers[:], root.level = saved


def _decoded(stream: io.StringIO) -> list[dict[str, Any]]:
    logging.getLogger().handlers[0].flush()
    return [msgspec.json.decode(line) for line in stream.getvalue().splitlines()]


def _without_time(line: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in line.items() if k != "timestamp"}


def test_an_access_line_written_directly_reads_as_its_record_would(
    server_logging: io.StringIO,
) -> None:
    log_access("GET /v1/resolve 200", _FIELDS)  # the direct way: no record
    logging.getLogger(ACCESS_LOGGER).info("%s", "GET /v1/resolve 200", extra=_FIELDS)
    direct, through_record = _decoded(server_logging)
    assert list(direct) == list(through_record)  # the same keys, in the same order
    assert _without_time(direct) == _without_time(through_record)
    assert direct["logger"] == ACCESS_LOGGER
    assert direct["status"] == 200


def test_another_handler_on_the_way_gets_the_record(server_logging: io.StringIO) -> None:
    """A handler of a test, or of an operator's config, sees every access line."""
    seen: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            seen.append(record)

    access = logging.getLogger(ACCESS_LOGGER)
    keep = Keep()
    access.addHandler(keep)
    try:
        log_access("GET /v1/resolve 200", _FIELDS)
    finally:
        access.removeHandler(keep)
    assert [r.getMessage() for r in seen] == ["GET /v1/resolve 200"]
    assert seen[0].__dict__["key_id"] == "key_01"
    assert [line["event"] for line in _decoded(server_logging)] == ["GET /v1/resolve 200"]


def test_no_access_line_below_the_level() -> None:
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    configure_logging("warning", "json", batched=True)
    stream = io.StringIO()
    root.handlers[0].setStream(stream)  # type: ignore[attr-defined]
    try:
        log_access("GET /v1/resolve 200", _FIELDS)
        root.handlers[0].flush()
        assert stream.getvalue() == ""
    finally:
        root.handlers[0].close()
        root.handlers[:], root.level = saved


def test_a_handler_made_for_tests_is_unbatched() -> None:
    assert type(handler("json")) is logging.StreamHandler


def _child_logs(path: str) -> None:
    out = BatchedStreamHandler(open(path, "w"))  # noqa: SIM115 - closed by the handler
    out.setFormatter(logging.Formatter("%(message)s"))
    out.emit(_record(logging.INFO, "the last line of a worker"))


def test_a_worker_process_that_ends_writes_what_waits(tmp_path: Path) -> None:
    """granian's workers are multiprocessing children: they end with `os._exit`."""
    path = tmp_path / "worker.log"
    child = multiprocessing.get_context("fork").Process(target=_child_logs, args=(str(path),))
    child.start()
    child.join(10)
    assert child.exitcode == 0
    assert path.read_text() == "the last line of a worker\n"
