"""Settings from the environment. The only module that reads environment variables.

Every setting is documented in README.md's configuration table; a test fails when one
is missing there.
"""

from __future__ import annotations

from typing import Literal

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

    @field_validator("sqlite_synchronous", "log_level", "log_format", mode="before")
    @classmethod
    def _lower(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("redis_url")
    @classmethod
    def _redis(cls, value: str | None) -> str | None:
        if value and not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("must start with redis://, rediss:// or unix://")
        return value or None

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


def load() -> Settings:
    return Settings()
