"""The graph as it was: identifiers after any event, and the event at a moment
(ADR 0025). Kept by every backend in the transaction of the event itself
(`core/history.py` says what is kept; SQL: `identifier_spans`)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Protocol

from aka.core.model import Event, Identifier, IdentifierKey


class GraphHistory(Protocol):
    """The identifier history of the workspace."""

    def identifier_at(self, key: IdentifierKey, seq: int) -> Identifier | None:
        """The identifier as it was just after event `seq` (its profile then, its
        primary flag, attributes...), or None when nobody held it then or it was erased
        since (an erased identifier has no past)."""

    def identifiers_at(self, profile_id: str, seq: int) -> list[Identifier]:
        """The identifiers this profile held just after event `seq`, as they were then,
        sorted by (namespace, value); erased ones are never among them."""

    def profile_events(self, profile_id: str, seq: int) -> list[Event]:
        """The events about this profile (its own, and those naming it as the other
        profile: merges, unmerges, memberships) up to event `seq`, in seq order: what
        its fields then are folded from (`core.history.profile_at`)."""

    def holders_ever(self, keys: Collection[IdentifierKey]) -> set[str]:
        """Every profile that held one of these identifiers at some moment the history
        still keeps (erasure: whose events may still quote the values)."""

    def seq_at(self, at: datetime) -> int:
        """The seq of the last event at or before `at` (by time, the later seq of two
        at the same time), or 0 when none is."""
