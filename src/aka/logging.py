"""Structured logs (structlog), human-readable on a terminal, JSON lines in production.

One handler on the root logger renders every line: aka's own, the libraries', and the
server's (granian's loggers propagate to it, `logging_config`), so `AKA_LOG_FORMAT=json`
makes every stderr line one JSON object. A line logged while a request is handled
carries that request's id (`request_id`, set by `aka.http.request_log`).
"""

from __future__ import annotations

import logging
import logging.config
from collections.abc import Callable
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any, Final

import msgspec
import structlog
from structlog.types import EventDict, Processor, WrappedLogger

from aka.log_stream import BatchedStreamHandler

FORMATS: Final = ("console", "json")

request_id: ContextVar[str | None] = ContextVar("aka_request_id", default=None)
"""The id of the request being handled in this context (None outside requests)."""

ACCESS_LOGGER: Final = "aka.access"
"""The logger of the one line per request (`aka.http.request_log`)."""

# Fields an access line passes as `extra` (`aka.http.request_log`), kept as fields.
ACCESS_FIELDS: Final = ("method", "route", "door", "status", "duration_ms", "key_id")


def _add_request_id(_logger: WrappedLogger, _name: str, event_dict: EventDict) -> EventDict:
    rid = request_id.get()
    if rid is not None:
        event_dict["request_id"] = rid
    return event_dict


_encoder = msgspec.json.Encoder(enc_hook=repr)  # anything msgspec cannot encode: its repr


def _json(event_dict: EventDict, **_: Any) -> str:
    # msgspec, not the json module: a request's access line is rendered on the request's
    # own path, and msgspec takes a fraction of json.dumps's time (docs/performance.md).
    return _encoder.encode(event_dict).decode()


def _pre_chain() -> list[Processor]:
    """What every line gets before rendering, from structlog or from `logging`."""
    return [
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        _add_request_id,
    ]


def handler(fmt: str = "console", *, batched: bool = False) -> logging.Handler:
    """The one stderr handler, rendering `console` or `json` lines.

    `batched`: lines below WARNING are written a few times a second, many per write,
    instead of one write each (`aka.log_stream`): what a server asks for, where every
    request logs a line.

    JSON lines hold a traceback as its formatted text (`exception`); the console
    renderer formats it itself."""
    if fmt not in FORMATS:
        raise ValueError(f"log format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    final: list[Processor] = [structlog.stdlib.ProcessorFormatter.remove_processors_meta]
    if fmt == "json":
        final += [
            structlog.processors.format_exc_info,
            structlog.processors.JSONRenderer(serializer=_json),
        ]
    else:
        final.append(structlog.dev.ConsoleRenderer(colors=False))
    out = BatchedStreamHandler() if batched else logging.StreamHandler()
    out.setFormatter(
        _Formatter(
            processors=final,
            foreign_pre_chain=[*_pre_chain(), structlog.stdlib.ExtraAdder(ACCESS_FIELDS)],
            access=_json if fmt == "json" else _console_access,
        )
    )
    return out


class _Formatter(structlog.stdlib.ProcessorFormatter):
    """structlog's formatter, except for access lines: one per request, on the request's
    own path, through the chain (a record copy, five processors, the console renderer's
    columns) one cost ~75 us console / ~40 us JSON, a tenth of a single link's CPU
    (docs/performance.md, "Single links"). Those are rendered straight from the record:
    the same fields in the same order, by the JSON renderer's own serializer or by
    `_console_access` (held to structlog's console renderer by tests/test_logging.py)."""

    def __init__(self, *, access: Callable[[dict[str, Any]], str | None], **options: Any) -> None:
        super().__init__(**options)
        self._access = access

    def format(self, record: logging.LogRecord) -> str:
        if record.name == ACCESS_LOGGER and not record.exc_info and not record.stack_info:
            line = self._access(access_event(record))
            if line is not None:
                return line
        return super().format(record)

    def render_access(self, message: str, fields: dict[str, Any]) -> str | None:
        """The line an INFO access record with this message and these fields renders
        to, made without the record (None: only the chain can render it)."""
        return self._access(_access_event(message, "info", fields))


def access_event(record: logging.LogRecord) -> dict[str, Any]:
    """The event dict the chain makes of an access record: event, level, logger,
    timestamp, request id, then the access fields."""
    return _access_event(record.getMessage(), record.levelname.lower(), record.__dict__)


def _access_event(message: str, level: str, fields: dict[str, Any]) -> dict[str, Any]:
    event: dict[str, Any] = {
        "event": message,
        "level": level,
        "logger": ACCESS_LOGGER,
        # As `TimeStamper(fmt="iso", utc=True)` writes it.
        "timestamp": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
    }
    rid = request_id.get()
    if rid is not None:
        event["request_id"] = rid
    for name in ACCESS_FIELDS:
        if name in fields:
            event[name] = fields[name]
    return event


_access_log = logging.getLogger(ACCESS_LOGGER)


def log_access(message: str, fields: dict[str, Any]) -> None:
    """Write one access line (INFO, logger `aka.access`; `fields` from ACCESS_FIELDS).

    When aka's batched handler on the root is the only place the line can go (the
    configuration every server runs), the line is rendered and handed to it directly:
    a `LogRecord`, the logger's caller lookup and the handler chain cost about half of
    an access line, which is written for every request (docs/performance.md, "Resolve
    (issue 15)"). Any other configuration (another handler, a filter, a test's capture)
    gets the ordinary record, rendered to the very same line."""
    if not _access_log.isEnabledFor(logging.INFO):
        return
    direct = _direct_handler()
    if direct is not None:
        formatter = direct.formatter
        assert isinstance(formatter, _Formatter)  # checked by `_direct_handler`
        line = formatter.render_access(message, fields)
        if line is not None:
            direct.write_line(line)
            return
    _access_log.info("%s", message, extra=fields)


def _direct_handler() -> BatchedStreamHandler | None:
    """aka's batched handler when every access record would reach it, and it alone,
    unfiltered, at INFO."""
    if _access_log.handlers or _access_log.filters or not _access_log.propagate:
        return None
    parent = _access_log.parent
    while parent is not None and parent is not logging.root:
        if parent.handlers or parent.filters or not parent.propagate:
            return None
        parent = parent.parent
    root = logging.root
    if len(root.handlers) != 1 or root.filters:
        return None
    (only,) = root.handlers
    if (
        type(only) is not BatchedStreamHandler
        or only.filters
        or only.level > logging.INFO
        or type(only.formatter) is not _Formatter
    ):
        return None
    return only


_EVENT_WIDTH: Final = 30  # ConsoleRenderer's `pad_event_to`
_LEVEL_WIDTH: Final = 9  # ConsoleRenderer pads a level to its longest name, "exception"
_QUOTED: Final = frozenset(" \t=\r\n\"'")  # a value holding one is shown as its repr


def _console_access(event: dict[str, Any]) -> str | None:
    """`ConsoleRenderer(colors=False)`'s line for an access event (None for a value it
    would show otherwise than as below: the formatter then asks the renderer itself)."""
    head = (
        f"{event.pop('timestamp')} [{event.pop('level'):<{_LEVEL_WIDTH}}] "
        f"{event.pop('event'):<{_EVENT_WIDTH}} [{event.pop('logger')}]"
    )
    pairs = []
    for key in sorted(event):
        value = event[key]
        if isinstance(value, str):
            shown = repr(value) if _QUOTED.intersection(value) else value
        elif value is None or type(value) in (int, float):
            shown = repr(value)
        else:
            return None
        pairs.append(f"{key}={shown}")
    return f"{head} {' '.join(pairs)}" if pairs else head


def logging_config(
    level: str = "info", fmt: str = "console", *, batched: bool = False
) -> dict[str, Any]:
    """The `logging.config.dictConfig` of every aka process: `handler(fmt)` on the root,
    and granian's loggers (its server lines and access log) sent there too.

    `aka serve` hands it to granian, which applies it in its main process and in each
    worker before the app is loaded, so the server's own lines share the format."""
    root_level = level.upper()
    return {
        "version": 1,
        "disable_existing_loggers": False,
        # granian merges this into its own config key by key: these replace its
        # stdout handlers and formatters (`granian.log.LOGGING_CONFIG`).
        "formatters": {},
        "handlers": {"aka": {"()": "aka.logging.handler", "fmt": fmt, "batched": batched}},
        "root": {"handlers": ["aka"], "level": root_level},
        "loggers": {
            "_granian": {"handlers": [], "propagate": True, "level": root_level},
            "granian.access": {"handlers": [], "propagate": True},
            # Alembic narrates every migration check at INFO; only its warnings matter.
            "alembic": {"level": max(logging.WARNING, logging.getLevelName(root_level))},
        },
    }


def configure_logging(level: str = "info", fmt: str = "console", *, batched: bool = False) -> None:
    logging.config.dictConfig(logging_config(level, fmt, batched=batched))
    structlog.configure(
        processors=[*_pre_chain(), structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        cache_logger_on_first_use=True,
    )
