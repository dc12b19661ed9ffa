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
