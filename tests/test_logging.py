"""The one log handler: an access line is the line structlog's chain would have written.

Access lines (one per request) are rendered straight from the record instead of through
structlog's processor chain, which cost a tenth of a single link's CPU. These tests hold
that short cut to the chain of the very same formatter: same text (console), same keys
in the same order (JSON), for every kind of value an access line carries.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from typing import Any

import msgspec
import pytest
import structlog

from aka.logging import ACCESS_LOGGER, handler, request_id

_FIELDS: dict[str, Any] = {
    "method": "POST",
    "route": "/v1/profiles/{id}/identifiers",
    "door": "native",
    "status": 201,
    "duration_ms": 12.345,
    "key_id": "key_01a24ddfdac97561ba53fcac936e325e",
}

# Each a variation of one access line's fields, as `RequestLog` passes them.
_CASES: dict[str, dict[str, Any]] = {
    "a link": _FIELDS,
    "no route matched, no key": {**_FIELDS, "route": None, "door": None, "key_id": None},
    "a value the console quotes": {**_FIELDS, "route": "/odd path='x'"},
    "a whole-number duration": {**_FIELDS, "duration_ms": 3.0, "status": 499},
    "a value of another type": {**_FIELDS, "key_id": ("tuple", 1)},
    "no fields at all": {},
}


def _record(fields: dict[str, Any], *, name: str = ACCESS_LOGGER) -> logging.LogRecord:
    route = fields.get("route") or "(no route)"
    args = (fields.get("method", "GET"), route, fields.get("status", 200))
    return logging.getLogger(name).makeRecord(
        name, logging.INFO, __file__, 1, "%s %s %d", args, None, extra=fields
    )


def _both(fmt: str, record: logging.LogRecord) -> tuple[str, str]:
    """(the handler's line, the chain's line) for one record."""
    formatter = handler(fmt).formatter
    assert isinstance(formatter, structlog.stdlib.ProcessorFormatter)
    chain = structlog.stdlib.ProcessorFormatter.format(formatter, record)
    return formatter.format(record), chain


def _without_time(line: str) -> str:
    return line.split(" ", 1)[1]


@pytest.fixture(params=[None, "01a24ddfdea6741bbcbb14db0fdef980"], ids=["no id", "request id"])
def in_request(request: pytest.FixtureRequest) -> Iterator[None]:
    token = request_id.set(request.param)
    yield
    request_id.reset(token)


@pytest.mark.usefixtures("in_request")
@pytest.mark.parametrize("fields", _CASES.values(), ids=_CASES.keys())
def test_a_console_access_line_is_the_console_renderers_line(fields: dict[str, Any]) -> None:
    """Timestamp aside (each rendering reads the clock), the short cut writes exactly
    what `ConsoleRenderer(colors=False)` writes: padded level and event, logger, then
    the fields sorted, strings bare unless they hold a space, quote or `=`."""
    fast, chain = _both("console", _record(fields))
    assert _without_time(fast) == _without_time(chain)
    assert fast.split(" ", 1)[0].endswith("Z")


@pytest.mark.usefixtures("in_request")
@pytest.mark.parametrize("fields", _CASES.values(), ids=_CASES.keys())
def test_a_json_access_line_has_the_chains_keys_in_the_chains_order(
    fields: dict[str, Any],
) -> None:
    """The same object, key for key and in the same order; only the timestamp differs."""
    if fields.get("key_id") == ("tuple", 1):
        fields = {**fields, "key_id": ["tuple", 1]}  # as JSON gives it back either way
    fast, chain = (msgspec.json.decode(line) for line in _both("json", _record(fields)))
    assert list(fast) == list(chain)
    assert {**fast, "timestamp": None} == {**chain, "timestamp": None}


def test_other_lines_and_access_lines_with_a_traceback_go_through_the_chain() -> None:
    """Only plain access lines take the short cut: any other logger's line, and an
    access line carrying an exception, are the chain's own rendering."""
    other = _record(_FIELDS, name="aka.http")
    fast, chain = _both("console", other)
    assert _without_time(fast) == _without_time(chain)
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        failed = logging.getLogger(ACCESS_LOGGER).makeRecord(
            ACCESS_LOGGER, logging.ERROR, __file__, 1, "crash", (), sys.exc_info()
        )
    fast, chain = _both("console", failed)
    assert "RuntimeError: boom" in fast
    assert _without_time(fast) == _without_time(chain)
