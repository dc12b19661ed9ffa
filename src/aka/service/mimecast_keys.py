"""Mimecast credentials: an aka key that signs requests instead of sending a secret.

The key record's id is the Mimecast access key; `extra["mimecast"]` holds the app id,
app key and the base64 secret key. Unlike bearer secrets (stored only as a hash), the
secret key must be kept: verifying an HMAC needs the key itself (docs/dialects/mimecast.md).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from aka.core.ports import KeyRecord, Store
from aka.security.signatures import new_secret_key
from aka.service import admin


@dataclass(frozen=True, slots=True)
class MimecastCredentials:
    access_key: str
    secret_key: str
    app_id: str
    app_key: str


def issue(
    store: Store,
    workspace_id: str,
    *,
    name: Any = "",
    scopes: Any = None,
    namespaces: Any = None,
) -> tuple[KeyRecord, MimecastCredentials]:
    """A new stored key with Mimecast credentials. Its bearer secret is never shown: the
    key works only through signed Mimecast requests."""
    creds = {
        "secret_key": new_secret_key(),
        "app_id": str(uuid.uuid4()),
        "app_key": str(uuid.uuid4()),
    }
    issued = admin.issue_key(
        store,
        workspace_id,
        name=name,
        scopes=scopes,
        extra={"mimecast": creds},
        namespaces=namespaces,
    )
    record = issued.record
    return record, MimecastCredentials(
        record.id, creds["secret_key"], creds["app_id"], creds["app_key"]
    )


def credentials_of(record: KeyRecord) -> MimecastCredentials | None:
    """The Mimecast credentials a key record carries, or None for a plain key."""
    found = (record.extra or {}).get("mimecast")
    if not isinstance(found, dict):
        return None
    try:
        return MimecastCredentials(
            record.id, str(found["secret_key"]), str(found["app_id"]), str(found["app_key"])
        )
    except KeyError:
        return None
