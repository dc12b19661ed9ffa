"""Workspaces and API keys: creating, listing, revoking, and first-start bootstrap."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import uuid_utils

from aka.core.errors import AkaError, Code
from aka.core.ports import KeyRecord, Store, WorkspaceRecord
from aka.core.settings import WorkspaceSettings
from aka.security.keys import ALL_SCOPES, hash_secret, new_secret, shown_prefix

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


def issue_key(
    store: Store,
    workspace_id: str,
    *,
    name: Any = "",
    scopes: Any = None,
    secret: str | None = None,
    extra: dict[str, Any] | None = None,
) -> IssuedKey:
    """A new key for the workspace with these scopes (default: all of them)."""
    if store.workspace(workspace_id) is None:
        raise AkaError(
            Code.WORKSPACE_NOT_FOUND,
            f"workspace {workspace_id!r} does not exist",
            field="workspace",
        )
    if not isinstance(name, str) or len(name) > KEY_NAME_MAX:
        raise AkaError(
            Code.INVALID_INPUT,
            f"name must be a string of at most {KEY_NAME_MAX} characters",
            field="name",
        )
    chosen = check_scopes(ALL_SCOPES if scopes is None else scopes)
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
    )
    store.create_key(record)
    return IssuedKey(record, value)


def check_scopes(scopes: Any, *, known: tuple[str, ...] = ALL_SCOPES) -> tuple[str, ...]:
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


def revoke_key(store: Store, workspace_id: str, key_id: str) -> None:
    if not store.revoke_key(workspace_id, key_id):
        raise AkaError(Code.KEY_NOT_FOUND, f"no key {key_id!r} in this workspace", field="id")


def bootstrap(store: Store, admin_secret: str | None) -> IssuedKey | None:
    """On an empty store: create workspace `default` and an admin key (the given secret,
    else a generated one). Returns the key when one was made, None when the store
    already had workspaces. With a given secret that is not stored yet, it is added
    to `default` so that `AKA_ADMIN_KEY` always works."""
    if not store.workspaces():
        store.create_workspace(DEFAULT_WORKSPACE, WorkspaceSettings())
        return issue_key(store, DEFAULT_WORKSPACE, name="admin", secret=admin_secret)
    if (
        admin_secret
        and store.key_by_hash(hash_secret(admin_secret)) is None
        and store.workspace(DEFAULT_WORKSPACE)
    ):
        return issue_key(
            store, DEFAULT_WORKSPACE, name="admin (AKA_ADMIN_KEY)", secret=admin_secret
        )
    return None
