"""Builders for the core's plain objects, with traits instead of hand-made rows.

`a_profile(identified=True)` is a known person, `a_profile(merged_into=x)` a tombstone;
`Log` grows a `GraphState` one event at a time, numbering the events as a store would.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

from aka.core import events as ev
from aka.core.model import Event, Identifier, Kind, Membership, Profile
from aka.core.state import GraphState

_serial = itertools.count(1)
EPOCH = datetime(2025, 1, 1, tzinfo=UTC)


def _next() -> int:
    return next(_serial)


def a_profile(
    profile_id: str | None = None,
    *,
    identified: bool = False,
    external_id: str | None = None,
    merged_into: str | None = None,
    attributes: dict[str, Any] | None = None,
) -> Profile:
    """A profile; `identified=True` gives it a fresh external id."""
    n = _next()
    if identified and external_id is None:
        external_id = f"user-{n}"
    return Profile(
        id=profile_id or f"p{n}",
        external_id=external_id,
        attributes=dict(attributes or {}),
        merged_into=merged_into,
        created_at=EPOCH,
        updated_at=EPOCH,
    )


def an_identifier(
    on: Profile | str,
    namespace: str = "device",
    value: str | None = None,
    *,
    primary: bool = False,
    disabled: bool = False,
    kind: Kind = Kind.USER,
    seq: int = 1,
) -> Identifier:
    """An identifier held by `on` (a profile or its id); a fresh value unless given."""
    return Identifier(
        namespace=namespace,
        value=value if value is not None else f"v{_next()}",
        profile_id=on if isinstance(on, str) else on.id,
        kind=kind,
        primary=primary,
        disabled=disabled,
        created_at=EPOCH,
        seq=seq,
    )


def identifiers(on: Profile, namespace: str, count: int) -> list[Identifier]:
    """`count` distinct identifiers of one namespace held by `on`."""
    return [an_identifier(on, namespace) for _ in range(count)]


def an_edge(group: Profile | str, member: Profile | str, *, seq: int = 1) -> Membership:
    def pid(p: Profile | str) -> str:
        return p if isinstance(p, str) else p.id

    return Membership(pid(group), pid(member), seq)


def an_event(type_: str, *, seq: int = 1, profile_id: str | None = None, **payload: Any) -> Event:
    return Event(
        seq=seq,
        type=type_,
        profile_id=profile_id,
        at=EPOCH + timedelta(seconds=seq),
        actor="test",
        payload=payload,
    )


class Log:
    """A graph that grows only by applying events, numbered 1, 2, 3... like a store's log."""

    def __init__(self) -> None:
        self.state = GraphState()
        self.events: list[Event] = []

    @property
    def next_seq(self) -> int:
        return len(self.events) + 1

    def add(self, type_: str, profile_id: str | None = None, **payload: Any) -> Event:
        event = an_event(type_, seq=self.next_seq, profile_id=profile_id, **payload)
        self.state.apply(event)
        self.events.append(event)
        return event

    def created(
        self, profile_id: str | None = None, *, external_id: str | None = None, **attributes: Any
    ) -> str:
        pid = profile_id or f"p{_next()}"
        self.add(ev.PROFILE_CREATED, pid, external_id=external_id, attributes=attributes)
        return pid

    def linked(
        self, profile_id: str, namespace: str, value: str, *, primary: bool = False
    ) -> Event:
        return self.add(
            ev.IDENTIFIER_LINKED,
            profile_id,
            namespace=namespace,
            value=value,
            kind="USER",
            primary=primary,
            attributes={},
        )

    def member(self, group_id: str, member_id: str) -> Event:
        return self.add(ev.MEMBERSHIP_ADDED, group_id, group_id=group_id, member_id=member_id)


def merge_payload(keep: str, merge: str, **extra: Any) -> dict[str, Any]:
    """A merge event's payload in which nothing moved, with `extra` fields on top."""
    payload: dict[str, Any] = {
        "keep": keep,
        "merge": merge,
        "identifiers": [],
        "demoted": [],
        "memberships": [],
        "tombstones": [],
        "external_id_moved": None,
        "attributes_added": {},
    }
    payload.update(extra)
    return payload


def unmerge_payload(merge_seq: int, keep: str, merge: str, **extra: Any) -> dict[str, Any]:
    """An undo event's payload that restored nothing, with `extra` fields on top."""
    payload: dict[str, Any] = {
        "merge_seq": merge_seq,
        "keep": keep,
        "merge": merge,
        "identifiers": [],
        "promoted": [],
        "memberships_removed": [],
        "memberships_restored": [],
        "tombstones": [],
        "external_id_moved": None,
        "attributes_removed": [],
    }
    payload.update(extra)
    return payload
