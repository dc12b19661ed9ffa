"""The event log: every change to a workspace's graph, in order (`seq`), each with a
payload that can redo it on an empty graph (invariant 4).

`EventLogReads` is what history, explain, the change feed and `aka check` read;
`EventLog` adds the writes: the append, which also applies each event's effect to the
stored graph, and the one rewrite erasure makes.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from datetime import datetime
from typing import Any, Protocol

from aka.core.events import Change
from aka.core.model import Event


def event_subjects(change: Change) -> tuple[str | None, str | None, int | None]:
    """(profile_id, other_profile_id, ref_seq) as stored and indexed for one event.

    `other_profile_id` lets history find a merge from either side; `ref_seq` links an
    unmerge to the merge it undid.
    """
    payload = change.payload
    other = payload.get("merge") or payload.get("member_id")
    ref = payload.get("merge_seq")
    return change.profile_id, other, int(ref) if ref is not None else None


class EventLogReads(Protocol):
    """The workspace's events as its transaction sees them."""

    def last_seq(self) -> int:
        """The seq of the workspace's newest event (0 when there is none)."""

    def event(self, seq: int) -> Event | None:
        """The event with this sequence number, or None."""

    def events(self, after: int, limit: int) -> list[Event]:
        """Up to `limit` events with seq > after, in seq order (the change feed)."""

    def events_about(self, profile_ids: Collection[str]) -> list[Event]:
        """Events whose profile or other profile is one of these ids, in seq order."""

    def unmerge_of(self, merge_seq: int) -> int | None:
        """The seq of the event that undid this merge, or None."""

    def all_events(self) -> Iterator[Event]:
        """Every event of the workspace in seq order, read a page at a time."""


class EventLog(EventLogReads, Protocol):
    """The event log, read and written."""

    def append(self, change: Change) -> Event:
        """Record `change` as the workspace's next event (seq = last + 1, at = now, UTC,
        actor = change.actor)
        and apply its effect to the stored graph exactly as `GraphState.apply` does,
        in this transaction. Returns the event as stored."""

    def append_many(self, changes: Sequence[Change], at: datetime) -> list[Event]:
        """Exactly `append` of each change in order, all stamped `at`, as one unit: if
        any is refused (ReplayError), none is applied and no seq is used. Backends write
        the rows with multi-row statements; only `profile.created` and
        `identifier.linked` are guaranteed a fast path, other types may be appended one
        by one."""

    def rewrite_payload(self, seq: int, payload: dict[str, Any]) -> None:
        """Replace one event's payload (only for redaction after a delete)."""
