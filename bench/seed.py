"""A store seeded with raw rows, as aka writes them, for the `check` scenario.

`n` identifiers on `n / 2` identified people, each with an external id, a primary email
and a device: the shape that made `aka check` quadratic (every primary link and every
external id scanned the whole graph). Every 50th person is also a member of one group.
The rows and events are those aka writes for such a person (`profile.created`, two
`identifier.linked`, `membership.added`), loaded straight into aka's tables (COPY,
`executemany`): an API load of 1M identifiers takes minutes, 10M hours. `aka check`
itself proves the seeding faithful: the scenario fails unless the store checks clean.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

from bench.backends import Backend, Database
from bench.data import WORKSPACE

AT: Final = datetime(2026, 12, 1, 12, 0, 0, 123456, tzinfo=UTC)
GROUP: Final = "0190a0b0-0000-7000-9000-000000000000"
MEMBER_EVERY: Final = 50
_CHUNK: Final = 20_000  # people per bulk insert
_CREATED: Final = json.dumps({"external_id": None, "attributes": {}})

PROFILE_COLUMNS: Final = (
    "workspace_id", "id", "external_id", "attributes", "merged_into", "created_at", "updated_at"
)  # fmt: skip
IDENTIFIER_COLUMNS: Final = (
    "workspace_id", "namespace", "value", "profile_id", "kind", "is_primary", "disabled",
    "attributes", "created_at", "seq",
)  # fmt: skip
MEMBERSHIP_COLUMNS: Final = ("workspace_id", "group_id", "member_id", "seq")
EVENT_COLUMNS: Final = (
    "workspace_id", "seq", "type", "profile_id", "other_profile_id", "ref_seq", "actor", "at",
    "payload",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Seeded:
    identifiers: int
    profiles: int
    memberships: int
    events: int


def profile_id(i: int) -> str:
    return f"0190a0b0-0000-7000-8000-{i:012x}"


def _linked(namespace: str, value: str, *, primary: bool) -> str:
    return json.dumps(
        {"namespace": namespace, "value": value, "kind": "USER", "primary": primary,
         "attributes": {}}
    )  # fmt: skip


@dataclass
class _Rows:
    profiles: list[tuple[Any, ...]]
    identifiers: list[tuple[Any, ...]]
    memberships: list[tuple[Any, ...]]
    events: list[tuple[Any, ...]]


def _people(first: int, last: int, seq: int) -> tuple[_Rows, int]:
    """The rows of people `first`..`last - 1`, their events numbered after `seq`."""
    rows = _Rows([], [], [], [])
    ws = WORKSPACE
    for i in range(first, last):
        pid, external_id = profile_id(i), f"user-{i:08d}"
        email, device = f"u{i:08d}@example.com", f"d{i:08d}"
        created = json.dumps({"external_id": external_id, "attributes": {}})
        rows.profiles.append((ws, pid, external_id, "{}", None, AT, AT))
        rows.events.append((ws, seq + 1, "profile.created", pid, None, None, "bench", AT, created))
        for n, (namespace, value, primary) in enumerate(
            (("email", email, True), ("device", device, False)), start=2
        ):
            rows.identifiers.append(
                (ws, namespace, value, pid, "USER", primary, False, "{}", AT, seq + n)
            )
            linked = _linked(namespace, value, primary=primary)
            rows.events.append(
                (ws, seq + n, "identifier.linked", pid, None, None, "bench", AT, linked)
            )
        seq += 3
        if i % MEMBER_EVERY == 0:
            seq += 1
            rows.memberships.append((ws, GROUP, pid, seq))
            payload = json.dumps({"group_id": GROUP, "member_id": pid})
            rows.events.append(
                (ws, seq, "membership.added", GROUP, pid, None, "bench", AT, payload)
            )
    return rows, seq


def seed(backend: Backend, db: Database, identifiers: int) -> Seeded:
    """Fill the store's (empty, migrated) workspace with `identifiers` identifiers."""
    people = max(identifiers // 2, 1)
    backend.bulk_insert(
        db, "profiles", PROFILE_COLUMNS, [(WORKSPACE, GROUP, None, "{}", None, AT, AT)]
    )
    group_created = (WORKSPACE, 1, "profile.created", GROUP, None, None, "bench", AT, _CREATED)
    backend.bulk_insert(db, "events", EVENT_COLUMNS, [group_created])
    seq, edges = 1, 0
    for first in range(0, people, _CHUNK):
        rows, seq = _people(first, min(first + _CHUNK, people), seq)
        backend.bulk_insert(db, "profiles", PROFILE_COLUMNS, rows.profiles)
        backend.bulk_insert(db, "identifiers", IDENTIFIER_COLUMNS, rows.identifiers)
        backend.bulk_insert(db, "memberships", MEMBERSHIP_COLUMNS, rows.memberships)
        backend.bulk_insert(db, "events", EVENT_COLUMNS, rows.events)
        edges += len(rows.memberships)
    backend.set_last_seq(db, WORKSPACE, seq)
    return Seeded(identifiers=2 * people, profiles=people + 1, memberships=edges, events=seq)
