"""Who is calling: an API key bound to one workspace, carrying scopes."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from aka.core.errors import AkaError, Code
from aka.core.namespace_scope import UNLIMITED, NamespaceScope
from aka.core.ports import KeyRecord, Store
from aka.core.rates import Rate, parse_limits
from aka.security.keys import hash_secret

log = logging.getLogger("aka.security")
_warned_keys: set[str] = set()  # keys whose bad stored limits were logged once already
# Principals by secret hash, with the record each was made from (`authenticate_secret`).
_principals: dict[str, tuple[KeyRecord, Principal]] = {}
_PRINCIPALS_MAX = 4096


@dataclass(frozen=True, slots=True)
class Principal:
    key_id: str
    workspace_id: str
    scopes: frozenset[str]
    # The key's own rate limits per endpoint group (`KeyRecord.extra["rate_limits"]`),
    # which win over the workspace's and the server's.
    rate_limits: Mapping[str, Rate] = field(default_factory=dict, hash=False)
    # The namespaces the key may use (`KeyRecord.namespaces`, ADR 0026).
    namespaces: NamespaceScope = UNLIMITED


def bearer_token(authorization: str | None) -> str | None:
    """The token of an `Authorization: Bearer <token>` header, or None."""
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def cached_principal(store: Store, secret: str | None) -> Principal | None:
    """The principal behind `secret` when the store's memory already knows it: a store
    that keeps keys (`KeysInMemory`, PostgreSQL) holds the key, not revoked, as good as
    its last validation (`validate_caches`: the caller awaits that first). None: "ask"
    (`authenticate_secret`, which may block on the network); so does a store that keeps
    no keys ahead of a lookup, such as SQLite, whose lookup is a local read.

    Lets the HTTP layer skip the worker-thread hop a networked lookup needs."""
    peek = getattr(store, "cached_key", None)
    if peek is None or not secret:
        return None
    secret_hash = hash_secret(secret)
    record = peek(secret_hash)
    if record is None or record.revoked_at is not None:
        return None
    made = _principals.get(secret_hash)
    if made is not None and made[0] is record:
        return made[1]
    return None


def authenticate_secret(store: Store, secret: str | None) -> Principal:
    """The principal behind a key's secret; 401 for a missing, unknown or revoked key."""
    if not secret:
        raise AkaError(
            Code.UNAUTHENTICATED,
            "an API key is required: send 'Authorization: Bearer <key>'",
            field="Authorization",
        )
    secret_hash = hash_secret(secret)
    record = store.key_by_hash(secret_hash)
    if record is None or record.revoked_at is not None:
        raise AkaError(
            Code.UNAUTHENTICATED, "the API key is unknown or revoked", field="Authorization"
        )
    # The principal is derived from the record alone: made again only when the store
    # hands back a different record (revoked, or another key with this hash).
    made = _principals.get(secret_hash)
    if made is not None and (made[0] is record or made[0] == record):
        if made[0] is not record:  # the same key read again: `cached_principal` matches it
            _principals[secret_hash] = (record, made[1])
        return made[1]
    principal = principal_for(record)
    if len(_principals) >= _PRINCIPALS_MAX:
        _principals.clear()
    _principals[secret_hash] = (record, principal)
    return principal


def principal_for(record: KeyRecord) -> Principal:
    """The principal a stored key acts as (whoever checked that it may: a secret's
    hash, a signed request, a console session)."""
    return Principal(
        record.id,
        record.workspace_id,
        frozenset(record.scopes),
        _key_limits(record.id, record.extra),
        NamespaceScope.of(record.namespaces),
    )


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
