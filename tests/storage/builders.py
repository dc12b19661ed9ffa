"""Builders for the rows the storage tests store, with traits instead of hand-made rows."""

from __future__ import annotations

from datetime import UTC, datetime

from aka.core.ports import KeyRecord

from .conftest import WORKSPACE


def key_record(
    key_id: str = "k1",
    *,
    secret_hash: str | None = None,
    workspace_id: str = WORKSPACE,
    scopes: tuple[str, ...] = ("identities:read", "identities:write"),
    created_at: datetime | None = None,
    revoked: bool = False,
    extra: dict[str, object] | None = None,
) -> KeyRecord:
    """Key `key_id` (secret hash `hash-of-{key_id}` unless given), made now unless a
    time is given; `revoked` stamps it revoked at that same time."""
    made = created_at or datetime.now(UTC)
    return KeyRecord(
        id=key_id,
        workspace_id=workspace_id,
        name=f"key {key_id}",
        prefix=f"aka_{key_id}",
        secret_hash=secret_hash or f"hash-of-{key_id}",
        scopes=scopes,
        created_at=made,
        revoked_at=made if revoked else None,
        extra=extra,
    )
