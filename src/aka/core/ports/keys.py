"""API keys as a workspace's transaction sees them (the store keeps them too, for
authentication before any workspace is known: `Store.key_by_hash`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol


@dataclass(frozen=True, slots=True)
class KeyRecord:
    """An API key as stored: never the secret, only its SHA-256 hash."""

    id: str
    workspace_id: str
    name: str
    prefix: str  # the first characters of the secret, shown to help people tell keys apart
    secret_hash: str
    scopes: tuple[str, ...]
    created_at: datetime
    revoked_at: datetime | None = None
    extra: dict[str, Any] | None = None  # dialect credentials (e.g. Mimecast app id)
    # The namespaces the key may use (exact names, `prefix*`); None: all (ADR 0026).
    namespaces: tuple[str, ...] | None = None


class Keys(Protocol):
    """This workspace's keys (`tx.keys`), changed in the transaction, so a key created
    under an `Idempotency-Key` commits with its stored answer."""

    def add(self, key: KeyRecord) -> None:
        """Store a new key of this workspace (its hash must be unique: ValueError if
        not)."""

    def revoke(self, key_id: str) -> bool:
        """Mark this workspace's key revoked now (a key revoked before keeps its first
        time); False when it has no such key."""

    def all(self) -> list[KeyRecord]:
        """This workspace's keys, revoked ones included, oldest first."""


class KeysInMemory(Protocol):
    """What a store that keeps keys in memory ahead of a lookup offers besides `Store`
    (PostgreSQL, whose lookup is a round trip): the HTTP layer asks it first and answers
    a kept key on the event loop. A store without it looks keys up (`key_by_hash`)."""

    async def validate_caches(self) -> None:
        """Return once what this process keeps reflects every key and settings change
        committed before the call (by any process); raise if that cannot be known."""

    def cached_key(self, secret_hash: str) -> KeyRecord | None:
        """The key (revoked or not) as kept, as good as the last `validate_caches`;
        None when it is not kept (then ask `key_by_hash`)."""
