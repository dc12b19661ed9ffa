"""Rows <-> model records, for statements built with SQLAlchemy Core (whose column
types have already decoded each value), and chunking of long `IN (...)` lists.

(Rows read on the driver's cursor are decoded by `PlainSql`, `sql_plain.py`.)
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any, Final

from sqlalchemy.engine import Row

from aka.core.model import Event, Identifier, Kind, Membership, Profile
from aka.core.ports import KeyRecord, WorkspaceRecord
from aka.core.settings import WorkspaceSettings

# Keeps `IN (...)` lists under SQLite's bound-parameter limit and PostgreSQL plans small.
CHUNK: Final = 500


def chunks(items: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def to_profile(row: Row[Any]) -> Profile:
    return Profile(
        id=row.id,
        external_id=row.external_id,
        attributes=dict(row.attributes),
        merged_into=row.merged_into,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def to_identifier(row: Row[Any]) -> Identifier:
    return Identifier(
        namespace=row.namespace,
        value=row.value,
        profile_id=row.profile_id,
        kind=Kind(row.kind),
        primary=bool(row.is_primary),
        disabled=bool(row.disabled),
        attributes=dict(row.attributes),
        created_at=row.created_at,
        seq=int(row.seq),
        deprecated=bool(row.deprecated),
    )


def to_event(row: Row[Any]) -> Event:
    return Event(
        seq=int(row.seq),
        type=row.type,
        profile_id=row.profile_id,
        at=row.at,
        actor=row.actor,
        payload=dict(row.payload),
    )


def to_workspace(row: Row[Any]) -> WorkspaceRecord:
    return WorkspaceRecord(
        id=row.id,
        settings=WorkspaceSettings.from_json(row.settings or {}),
        created_at=row.created_at,
        last_seq=int(row.last_seq),
    )


def to_key(row: Row[Any]) -> KeyRecord:
    return KeyRecord(
        id=row.id,
        workspace_id=row.workspace_id,
        name=row.name,
        prefix=row.prefix,
        secret_hash=row.secret_hash,
        scopes=tuple(row.scopes),
        created_at=row.created_at,
        revoked_at=row.revoked_at,
        extra=None if row.extra is None else dict(row.extra),
        namespaces=None if row.namespaces is None else tuple(row.namespaces),
    )


def key_row(key: KeyRecord) -> dict[str, Any]:
    return {
        "id": key.id,
        "workspace_id": key.workspace_id,
        "name": key.name,
        "prefix": key.prefix,
        "secret_hash": key.secret_hash,
        "scopes": list(key.scopes),
        "extra": key.extra,
        "namespaces": None if key.namespaces is None else list(key.namespaces),
        "created_at": key.created_at,
        "revoked_at": key.revoked_at,
    }


def memberships_sorted(rows: Iterable[Row[Any]]) -> list[Membership]:
    return sorted(Membership(r.group_id, r.member_id, int(r.seq)) for r in rows)


def by_key(identifier: Identifier) -> tuple[str, str]:
    """The sort key of identifiers: (namespace, value)."""
    return (identifier.namespace, identifier.value)
