"""Settings from the environment. The only module that reads environment variables.

Every setting is documented in README.md's configuration table; a test fails when one
is missing there.
"""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="AKA_", extra="ignore", frozen=True)

    database_url: str = Field(
        default="sqlite:///./aka.db",
        description="Where the graph lives: `sqlite:///path` (embedded) or `memory://` (tests).",
    )
    host: str = Field(default="127.0.0.1", description="Address `aka serve` listens on.")
    port: int = Field(default=8000, ge=1, le=65535, description="Port `aka serve` listens on.")
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
        default=1000, ge=1, le=100_000, description="Most operations one `POST /v1/batch` may hold."
    )
    log_level: str = Field(default="info", description="debug, info, warning or error.")
    log_format: str = Field(
        default="console", description="`console` (human) or `json` (one object per line)."
    )


def load() -> Settings:
    return Settings()
