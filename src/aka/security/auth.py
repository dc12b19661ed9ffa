"""Who is calling: an API key bound to one workspace, carrying scopes."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from aka.core.errors import AkaError, Code
from aka.core.ports import Store
from aka.core.rates import Rate, parse_limits
from aka.security.keys import hash_secret

log = logging.getLogger("aka.security")
_warned_keys: set[str] = set()  # keys whose bad stored limits were logged once already


@dataclass(frozen=True, slots=True)
class Principal:
    key_id: str
    workspace_id: str
    scopes: frozenset[str]
    # The key's own rate limits per endpoint group (`KeyRecord.extra["rate_limits"]`),
    # which win over the workspace's and the server's.
    rate_limits: Mapping[str, Rate] = field(default_factory=dict, hash=False)


def bearer_token(authorization: str | None) -> str | None:
    """The token of an `Authorization: Bearer <token>` header, or None."""
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def authenticate_secret(store: Store, secret: str | None) -> Principal:
    """The principal behind a key's secret; 401 for a missing, unknown or revoked key."""
    if not secret:
        raise AkaError(
            Code.UNAUTHENTICATED,
            "an API key is required: send 'Authorization: Bearer <key>'",
            field="Authorization",
        )
    record = store.key_by_hash(hash_secret(secret))
    if record is None or record.revoked_at is not None:
        raise AkaError(
            Code.UNAUTHENTICATED, "the API key is unknown or revoked", field="Authorization"
        )
    limits = _key_limits(record.id, record.extra)
    return Principal(record.id, record.workspace_id, frozenset(record.scopes), limits)


def _key_limits(key_id: str, extra: dict[str, Any] | None) -> Mapping[str, Rate]:
    raw = (extra or {}).get("rate_limits")
    if not raw:
        return {}
    try:
        return parse_limits(raw, where="rate_limits", code=Code.INVALID_INPUT)
    except AkaError as error:
        # Checked when the key was made; a record edited by hand (or a group a later
        # version dropped) must not lock its key out, so the server's limits apply.
        if key_id not in _warned_keys:
            _warned_keys.add(key_id)
            log.warning("key %s: ignoring its stored rate limits: %s", key_id, error.message)
        return {}


def require_scopes(principal: Principal, scopes: Iterable[str]) -> None:
    """403 naming the first scope the key lacks."""
    for scope in scopes:
        if scope not in principal.scopes:
            # str(): routes pass `Scope` members, whose repr would leak into the message.
            name = str(scope)
            raise AkaError(
                Code.FORBIDDEN,
                f"this key lacks the scope {name!r}",
                field="Authorization",
                details={"required_scope": name},
            )
