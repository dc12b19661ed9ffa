"""Workspaces and API keys: creating, listing, revoking, and first-start bootstrap."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import uuid_utils

from aka.core.errors import AkaError, Code
from aka.core.namespace_scope import UNLIMITED, NamespaceScope
from aka.core.ports import KeyRecord, Store, Transaction, WorkspaceRecord
from aka.core.rates import limits_json, parse_limits
from aka.core.settings import WorkspaceSettings
from aka.security.keys import ALL_SCOPES, DEFAULT_SCOPES, hash_secret, new_secret, shown_prefix
from aka.security.permissions import vendor_permissions

DEFAULT_WORKSPACE = "default"
WORKSPACE_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")
KEY_NAME_MAX = 200


@dataclass(frozen=True, slots=True)
class IssuedKey:
    """A new key: the record as stored plus the secret, which is never shown again."""

    record: KeyRecord
    secret: str


def create_workspace(
    store: Store, workspace_id: Any, settings: dict[str, Any] | None = None
) -> WorkspaceRecord:
    if not isinstance(workspace_id, str) or not WORKSPACE_ID.match(workspace_id):
        raise AkaError(
            Code.INVALID_INPUT,
            "workspace id must be 1-63 characters of a-z, 0-9, '-' and '_', starting with a "
            "letter or digit",
            field="id",
        )
    return store.create_workspace(workspace_id, WorkspaceSettings.from_json(settings or {}))


def new_key(
    workspace_id: str,
    *,
    name: Any = "",
    scopes: Any = None,
    secret: str | None = None,
    extra: dict[str, Any] | None = None,
    rate_limits: Any = None,
    namespaces: Any = None,
    within: NamespaceScope = UNLIMITED,
) -> IssuedKey:
    """A new key record (not stored yet) and its secret; scopes default to all but
    those given only when asked for (`metrics:read`).
    `rate_limits` (`{group: "N/minute"}`) are the key's own, kept in `extra`;
    `namespaces` (`["email", "crm_*"]`) limit what it may see and write (ADR 0026);
    `within`: the limit of the key asking, which the new key cannot exceed (left out,
    the new key takes it)."""
    if not isinstance(name, str) or len(name) > KEY_NAME_MAX:
        raise AkaError(
            Code.INVALID_INPUT,
            f"name must be a string of at most {KEY_NAME_MAX} characters",
            field="name",
        )
    chosen = check_scopes(DEFAULT_SCOPES if scopes is None else scopes)
    limit = within if namespaces is None else NamespaceScope.parse(namespaces)
    if not within.covers(limit):
        raise AkaError(
            Code.NAMESPACE_NOT_ALLOWED,
            "a key limited to the namespaces "
            f"{', '.join(within.patterns or ())} can only make keys within them",
            field="namespaces",
            details={"allowed_namespaces": within.to_json()},
        )
    if rate_limits:
        limits = parse_limits(rate_limits, where="rate_limits", code=Code.INVALID_INPUT)
        extra = {**(extra or {}), "rate_limits": limits_json(limits)}
    value = secret or new_secret()
    record = KeyRecord(
        id=f"key_{uuid_utils.uuid7().hex}",
        workspace_id=workspace_id,
        name=name,
        prefix=shown_prefix(value),
        secret_hash=hash_secret(value),
        scopes=chosen,
        created_at=datetime.now(UTC),
        extra=extra,
        namespaces=limit.patterns,
    )
    return IssuedKey(record, value)


def issue_key(
    store: Store,
    workspace_id: str,
    *,
    name: Any = "",
    scopes: Any = None,
    secret: str | None = None,
    extra: dict[str, Any] | None = None,
    rate_limits: Any = None,
    namespaces: Any = None,
) -> IssuedKey:
    """Create and store a key for an existing workspace."""
    if store.workspace(workspace_id) is None:
        raise AkaError(
            Code.WORKSPACE_NOT_FOUND,
            f"workspace {workspace_id!r} does not exist",
            field="workspace",
        )
    issued = new_key(
        workspace_id,
        name=name,
        scopes=scopes,
        secret=secret,
        extra=extra,
        rate_limits=rate_limits,
        namespaces=namespaces,
    )
    store.create_key(issued.record)
    return issued


def known_scopes() -> tuple[str, ...]:
    """aka's scopes, then every vendor permission name a dialect maps onto them."""
    return ALL_SCOPES + tuple(sorted(vendor_permissions()))


def check_scopes(scopes: Any, *, known: tuple[str, ...] | None = None) -> tuple[str, ...]:
    known = known_scopes() if known is None else known
    if not isinstance(scopes, list | tuple) or not all(isinstance(s, str) for s in scopes):
        raise AkaError(Code.INVALID_INPUT, "scopes must be a list of strings", field="scopes")
    for n, scope in enumerate(scopes):
        if scope not in known:
            raise AkaError(
                Code.INVALID_INPUT,
                f"unknown scope {scope!r}; known scopes: {', '.join(known)}",
                field=f"scopes[{n}]",
            )
    if not scopes:
        raise AkaError(Code.INVALID_INPUT, "a key needs at least one scope", field="scopes")
    return tuple(dict.fromkeys(scopes))


def keys_within(keys: list[KeyRecord], scope: NamespaceScope) -> list[KeyRecord]:
    """The keys a key limited to `scope` administers (lists, revokes): those within its
    own limit (ADR 0026); every key for a key without a limit."""
    if not scope.limited:
        return keys
    return [k for k in keys if scope.covers(NamespaceScope.of(k.namespaces))]


def revoke_within(tx: Transaction, key_id: str, scope: NamespaceScope) -> bool:
    """Revoke a key the caller administers; False (as for no such key) otherwise."""
    if scope.limited and key_id not in {k.id for k in keys_within(tx.keys.all(), scope)}:
        return False
    return tx.keys.revoke(key_id)


def require_unlimited_for_settings(scope: NamespaceScope) -> None:
    """Workspace settings hold rules of every namespace: a limited key changes none."""
    if scope.limited:
        raise AkaError(
            Code.NAMESPACE_NOT_ALLOWED,
            "the workspace's settings apply to every namespace: changing them needs a key "
            f"without a namespace limit (this key is limited to {', '.join(scope.patterns or ())})",
            details={"allowed_namespaces": scope.to_json()},
        )


def revoke_key(store: Store, workspace_id: str, key_id: str) -> None:
    if not store.revoke_key(workspace_id, key_id):
        raise AkaError(Code.KEY_NOT_FOUND, f"no key {key_id!r} in this workspace", field="id")


def bootstrap(store: Store, admin_secret: str | None) -> IssuedKey | None:
    """On an empty store: create workspace `default` and an admin key (the given secret,
    else a generated one). Returns the key when one was made, None when the store
    already had workspaces. With a given secret that is not stored yet, it is added
    to `default` so that `AKA_ADMIN_KEY` always works.

    Several server processes may start on one empty store at the same moment: the
    database lets exactly one create the workspace (and store a given secret); the
    others find the work done and return None.
    """
    first_start = False
    if not store.workspaces():
        try:
            store.create_workspace(DEFAULT_WORKSPACE, WorkspaceSettings())
            first_start = True
        except AkaError as exc:
            if exc.code is not Code.WORKSPACE_EXISTS:
                raise
    wanted = first_start or (
        admin_secret is not None
        and store.key_by_hash(hash_secret(admin_secret)) is None
        and store.workspace(DEFAULT_WORKSPACE) is not None
    )
    if not wanted:
        return None
    name = "admin" if first_start else "admin (AKA_ADMIN_KEY)"
    try:
        return issue_key(store, DEFAULT_WORKSPACE, name=name, secret=admin_secret)
    except ValueError:
        return None  # another process stored this very secret a moment ago
