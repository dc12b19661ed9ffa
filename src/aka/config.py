"""Settings from the environment. The only module that reads environment variables.

Every setting is documented in README.md's configuration table; a test fails when one
is missing there.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Mapping
from typing import Any, Final, Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from aka.core.rates import parse_rate


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="AKA_", extra="ignore", frozen=True)

    database_url: str = Field(
        default="sqlite:///./aka.db",
        description="Where the graph lives: `sqlite:///path` (embedded), "
        "`postgresql://user@host/db` (several processes) or `memory://` (tests).",
    )
    read_database_url: str = Field(
        default="",
        description="Read replicas of a PostgreSQL `database_url` (streaming replicas): one "
        "or more `postgresql://` URLs separated by commas or spaces. Graph reads (resolve, "
        "history, explain, expansion, the doors' reads) go to them in turn, each to one that "
        "has applied the events the request needs (README's Read replicas); writes and keys "
        "stay on the primary. Unset: everything uses `database_url`. Refused with a SQLite "
        "or memory store.",
    )
    sqlite_synchronous: Literal["normal", "full"] = Field(
        default="normal",
        description="SQLite durability. `normal`: a commit survives a killed process but "
        "the last ones may be lost on power loss or an OS crash. `full`: every commit is "
        "fsynced and survives both, at a cost (README's Durability section). Ignored on "
        "PostgreSQL.",
    )
    host: str = Field(default="127.0.0.1", description="Address `aka serve` listens on.")
    port: int = Field(default=8000, ge=1, le=65535, description="Port `aka serve` listens on.")
    workers: int = Field(
        default=1,
        ge=1,
        le=64,
        description="Server processes `aka serve` starts. Each is stateless; on SQLite they "
        "take turns to write (one writer at a time), on PostgreSQL they write in parallel "
        "across workspaces.",
    )
    admin_key: str | None = Field(
        default=None,
        description="The admin key created for workspace `default` on first start "
        "(else one is generated and printed once).",
    )
    max_body_bytes: int = Field(
        default=1024 * 1024,
        ge=1024,
        description="Largest request body accepted, in bytes; larger bodies get 413.",
    )
    batch_max_operations: int = Field(
        default=10_000,
        ge=1,
        le=100_000,  # the schema's bound too (http/native/schemas.py)
        description="Most operations one `POST /v1/batch` may hold.",
    )
    batch_max_body_bytes: int = Field(
        default=16 * 1024 * 1024,
        ge=1024,
        description="Largest `POST /v1/batch` body, in bytes (10,000 operations of a few "
        "identifiers each fit); larger bodies get 413. Other routes keep `max_body_bytes`.",
    )
    idempotency_ttl_seconds: int = Field(
        default=86_400,
        ge=60,
        description="How long the answer to an `Idempotency-Key` is replayed, in seconds.",
    )
    redis_url: str | None = Field(
        default=None,
        description="Redis for rate-limit counters shared by every process "
        "(`redis://host:6379/0`, `rediss://...`, `unix:///path`). Unset: each process "
        "counts in its own memory. Redis unreachable: requests pass uncounted, with a "
        "warning (fail open, docs/adr/0005).",
    )
    redis_prefix: str = Field(
        default="aka:ratelimit",
        min_length=1,
        description="Prefix of every key aka writes in Redis, so that deployments can share "
        "one Redis without sharing counters.",
    )
    rate_limit_read: str = Field(
        default="6000/minute",
        description="Default limit per key on reads (GET routes, `POST /v1/explain`): "
        "`N/second`, `N/minute` or `N/hour`.",
    )
    rate_limit_write: str = Field(
        default="1200/minute",
        description="Default limit per key on writes (every other route but key and "
        "workspace administration).",
    )
    rate_limit_admin: str = Field(
        default="60/minute",
        description="Default limit per key on routes needing `keys:admin`.",
    )
    rate_limit_cache_seconds: float = Field(
        default=5.0,
        ge=0,
        le=300,
        description="How long a process keeps a workspace's `rate_limits` before reading "
        "them again (a change takes up to this long to apply).",
    )
    dialects: str = Field(
        default="all",
        description="Vendor doors to open: `all`, `none`, or a comma list such as `braze,appizer`.",
    )
    job_lease_seconds: float = Field(
        default=30.0,
        gt=0,
        description="How long a background job (a Coveo batch file) stays claimed by the "
        "process working on it without progress; after that another process (or this one "
        "after a restart) resumes it.",
    )
    housekeeping_seconds: float = Field(
        default=300.0,
        gt=0,
        description="How often each server process removes what has expired in every "
        "workspace (idempotent answers, Mimecast request ids, abandoned uploads).",
    )
    console: bool = Field(
        default=True,
        description="Serve the console (`/console`): pages to search the graph, look at a "
        "profile, its graph and history, and explain two identifiers, behind an API key.",
    )
    console_writes: bool = Field(
        default=False,
        description="Let the console merge and undo merges (each still needs a key with "
        "`identities:merge`). Off: the console only reads, whatever the key may do.",
    )
    console_secret: str | None = Field(
        default=None,
        min_length=32,
        description="Signs console session cookies (32 characters or more). Unset: `aka "
        "serve` draws one at start for all its workers, so sessions end when it restarts; "
        "set it to keep them across restarts and across servers behind one address.",
    )
    console_session_seconds: int = Field(
        default=8 * 3600,
        ge=60,
        le=7 * 86_400,
        description="How long a console login lasts, in seconds (a revoked key ends its "
        "sessions at once).",
    )
    metrics: Literal["off", "open", "key"] = Field(
        default="key",
        description="`GET /metrics` (Prometheus): `key` serves it to an API key with the "
        "`metrics:read` scope, `open` to anyone who can reach the port, `off` measures "
        "nothing and answers 404 (README's Metrics).",
    )
    events_stream_max: int = Field(
        default=100,
        ge=1,
        le=10_000,
        description="Most `GET /v1/events/stream` connections one server process holds open "
        "at once; one more is answered 503 `too_many_streams` (with `Retry-After`).",
    )
    events_stream_heartbeat_seconds: float = Field(
        default=15.0,
        gt=0,
        le=300,
        description="How often an idle event stream sends a `:` comment line, so proxies "
        "and clients see the connection is alive.",
    )
    events_stream_poll_seconds: float = Field(
        default=1.0,
        gt=0,
        le=60,
        description="How often an idle event stream (and the webhook deliverer) looks for "
        "events written by other processes; this process's own writes wake them at once.",
    )
    webhook_batch_max: int = Field(
        default=100,
        ge=1,
        le=1000,
        description="Most events one webhook delivery (one POST) carries.",
    )
    webhook_timeout_seconds: float = Field(
        default=10.0,
        gt=0,
        le=120,
        description="How long a webhook receiver has to answer a delivery before it counts "
        "as failed (and is retried).",
    )
    webhook_retry_first_seconds: float = Field(
        default=1.0,
        gt=0,
        description="The wait before retrying a failed webhook delivery; it doubles with "
        "each failure in a row (with jitter), up to `webhook_retry_max_seconds`.",
    )
    webhook_retry_max_seconds: float = Field(
        default=300.0,
        gt=0,
        description="The longest wait between two attempts of a webhook delivery. Retries "
        "never stop: a receiver down for a day gets every event once it is back.",
    )
    webhook_deliveries_keep_days: float = Field(
        default=7.0,
        gt=0,
        description="How long the record of each webhook delivery attempt is kept "
        "(`GET /v1/webhooks/{id}/deliveries`); the housekeeper removes older ones.",
    )
    log_level: Literal["debug", "info", "warning", "error"] = Field(
        default="info", description="debug, info, warning or error."
    )
    log_format: Literal["console", "json"] = Field(
        default="console",
        description="`console` (human) or `json` (one object per line, the server's own "
        "lines included; a traceback is one formatted string).",
    )

    @field_validator("rate_limit_read", "rate_limit_write", "rate_limit_admin")
    @classmethod
    def _rate(cls, value: str) -> str:
        return str(parse_rate(value))  # ValueError names the format; pydantic names the field

    @field_validator("sqlite_synchronous", "log_level", "log_format", "metrics", mode="before")
    @classmethod
    def _lower(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("redis_url")
    @classmethod
    def _redis(cls, value: str | None) -> str | None:
        if value and not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("must start with redis://, rediss:// or unix://")
        return value or None

    @field_validator("console_secret", mode="before")
    @classmethod
    def _console_secret(cls, value: object) -> object:
        # An empty variable (`AKA_CONSOLE_SECRET=` in a compose file) is no secret: unset.
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("read_database_url")
    @classmethod
    def _read_urls(cls, value: str) -> str:
        for url in _split(value):
            scheme = url.partition("://")[0].lower()
            if scheme not in _POSTGRES_SCHEMES:
                raise ValueError(
                    f"each read replica must be a PostgreSQL URL (postgresql://user@host/db);"
                    f" got scheme {scheme!r}"
                )
        return value

    @model_validator(mode="after")
    def _replicas_need_postgres(self) -> Settings:
        scheme = self.database_url.partition("://")[0].lower()
        if self.read_database_urls and scheme not in _POSTGRES_SCHEMES:
            # Refused rather than ignored: an operator who set replicas believes reads
            # are spread over them.
            raise ValueError(
                "AKA_READ_DATABASE_URL (read replicas) needs a PostgreSQL AKA_DATABASE_URL;"
                f" the store here is {scheme!r}: unset AKA_READ_DATABASE_URL"
            )
        return self

    @property
    def read_database_urls(self) -> list[str]:
        """`read_database_url` as a list (empty: no replicas)."""
        return _split(self.read_database_url)


_POSTGRES_SCHEMES = frozenset({"postgres", "postgresql", "postgresql+psycopg"})


def _split(text: str) -> list[str]:
    return [part for part in text.replace(",", " ").split() if part]


# `AKA_` variables of aka's development tools (the suite, the benchmarks, the fuzzing
# run), which are not settings and must not be warned about.
TOOL_PREFIXES: Final = ("AKA_TEST_", "AKA_BENCH_", "AKA_FUZZ_")


def unknown_variables(environ: Mapping[str, str] | None = None) -> list[str]:
    """One warning for each `AKA_` variable that is no setting (a misspelt one is
    otherwise ignored without a word), naming the setting it probably meant."""
    env = os.environ if environ is None else environ
    known = sorted(f"AKA_{name.upper()}" for name in Settings.model_fields)
    warnings = []
    for name in sorted(env):
        upper = name.upper()  # settings are read case-insensitively
        if not upper.startswith("AKA_") or upper in known or upper.startswith(TOOL_PREFIXES):
            continue
        close = difflib.get_close_matches(upper, known, n=1, cutoff=0.75)
        meant = f"; did you mean {close[0]}?" if close else " (README: Configuration)"
        warnings.append(f"{name} is not an aka setting and is ignored{meant}")
    return warnings


def load(**overrides: Any) -> Settings:
    """The settings from the environment; `overrides` (a command's own options, such as
    `aka serve --workers`) win over it and are validated the same way."""
    return Settings(**{name: value for name, value in overrides.items() if value is not None})
