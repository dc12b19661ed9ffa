"""Bookkeeping the vendor doors need: seen Mimecast request ids, Coveo push records.

Not graph data (no events): which request ids were used and which Coveo update is the
newest are facts about the transport, so replaying the event log need not rebuild them.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from aka.core.model import IdentifierKey


class RequestIds(Protocol):
    """Signed requests' ids seen lately (`tx.request_ids`): Mimecast's replay guard."""

    def remember(self, request_id: str, now: datetime, expires_at: datetime) -> bool:
        """Record a signed request's id until `expires_at`. True when the id is new (or
        its earlier record expired by `now`); False when it is still remembered: a
        replay, which leaves the transaction usable. Of two transactions recording one id
        at once, exactly one gets True."""

    def purge(self, now: datetime) -> int:
        """Forget request ids whose record expired by `now`; how many were removed."""


@dataclass(frozen=True, slots=True)
class PushRecord:
    """What the last Coveo push applied to one identity wrote: its `orderingId`, and the
    groups its `wellKnowns` granted (sorted), which the next push replaces."""

    ordering_id: int
    granted: tuple[IdentifierKey, ...] = ()


class PushRecords(Protocol):
    """What each Coveo push wrote, by identity (`tx.push_records`)."""

    def get(self, key: IdentifierKey) -> PushRecord | None:
        """What the last Coveo push wrote for this identity, or None."""

    def put(self, key: IdentifierKey, record: PushRecord) -> None:
        """Record (replacing) what the push just applied to this identity wrote."""

    def older_than(self, namespace: str, ordering_id: int) -> list[IdentifierKey]:
        """Keys of the namespace whose push record's ordering id is below `ordering_id`,
        sorted by value."""

    def forget(self, keys: Collection[IdentifierKey]) -> int:
        """Remove the push records of these identities (erasure); how many were removed."""
