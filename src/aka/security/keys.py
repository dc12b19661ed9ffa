"""API keys: random secrets shown once, stored only as a SHA-256 hash.

A key is 32 random bytes, so a fast hash is enough: there is no password to guess,
and lookups by hash stay one indexed read per request.
"""

from __future__ import annotations

import hashlib
import secrets
from enum import StrEnum

KEY_PREFIX = "aka_"


class Scope(StrEnum):
    READ = "identities:read"
    WRITE = "identities:write"
    MERGE = "identities:merge"
    DELETE = "identities:delete"
    KEYS_ADMIN = "keys:admin"
    METRICS_READ = "metrics:read"


ALL_SCOPES: tuple[str, ...] = tuple(s.value for s in Scope)
ASKED_FOR_ONLY: frozenset[str] = frozenset({Scope.METRICS_READ})
"""Scopes a key gets only when they are named: `metrics:read` reads the whole server's
figures (every workspace's, summed), which a workspace's key has no need of (ADR 0028)."""
DEFAULT_SCOPES: tuple[str, ...] = tuple(s for s in ALL_SCOPES if s not in ASKED_FOR_ONLY)
"""What a key created without `scopes` gets."""


def new_secret() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def shown_prefix(secret: str) -> str:
    """Enough of the secret to tell keys apart in a list, not enough to use it."""
    return secret[: len(KEY_PREFIX) + 6]
