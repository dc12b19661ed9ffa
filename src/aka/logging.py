"""Structured logs (structlog), human-readable on a terminal, JSON lines in production.

One handler on the root logger renders every line: aka's own, the libraries', and the
server's (granian's loggers propagate to it, `logging_config`), so `AKA_LOG_FORMAT=json`
makes every stderr line one JSON object. A line logged while a request is handled
carries that request's id (`request_id`, set by `aka.http.request_log`).
"""

from __future__ import annotations

import logging
import logging.config
from contextvars import ContextVar
from typing import Any, Final

import msgspec
import structlog
from structlog.types import EventDict, Processor, WrappedLogger

FORMATS: Final = ("console", "json")

request_id: ContextVar[str | None] = ContextVar("aka_request_id", default=None)
"""The id of the request being handled in this context (None outside requests)."""

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


def handler(fmt: str = "console") -> logging.Handler:
    """The one stderr handler, rendering `console` or `json` lines.

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
    out = logging.StreamHandler()
    out.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            processors=final,
            foreign_pre_chain=[*_pre_chain(), structlog.stdlib.ExtraAdder(ACCESS_FIELDS)],
        )
    )
    return out


def logging_config(level: str = "info", fmt: str = "console") -> dict[str, Any]:
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
        "handlers": {"aka": {"()": "aka.logging.handler", "fmt": fmt}},
        "root": {"handlers": ["aka"], "level": root_level},
        "loggers": {
            "_granian": {"handlers": [], "propagate": True, "level": root_level},
            "granian.access": {"handlers": [], "propagate": True},
            # Alembic narrates every migration check at INFO; only its warnings matter.
            "alembic": {"level": max(logging.WARNING, logging.getLevelName(root_level))},
        },
    }


def configure_logging(level: str = "info", fmt: str = "console") -> None:
    logging.config.dictConfig(logging_config(level, fmt))
    structlog.configure(
        processors=[*_pre_chain(), structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        cache_logger_on_first_use=True,
    )
