"""Who is calling: an API key bound to one workspace, carrying scopes."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from aka.core.errors import AkaError, Code
from aka.core.ports import Store
from aka.security.keys import hash_secret


@dataclass(frozen=True, slots=True)
class Principal:
    key_id: str
    workspace_id: str
    scopes: frozenset[str]


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
    return Principal(record.id, record.workspace_id, frozenset(record.scopes))


def require_scopes(principal: Principal, scopes: Iterable[str]) -> None:
    """403 naming the first scope the key lacks."""
    for scope in scopes:
        if scope not in principal.scopes:
            raise AkaError(
                Code.FORBIDDEN,
                f"this key lacks the scope {scope!r}",
                field="Authorization",
                details={"required_scope": scope},
            )
