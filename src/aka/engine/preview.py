"""Dry runs: a unit of work run for real in a write transaction that is rolled back.

A preview (`?dry_run=true`, a batch's `dry_run`, `aka import --dry-run`) must answer
exactly what the real call would: the same commands, the same validation, rules and
guardrails, the same reads of the same snapshot. So it does not simulate anything: it
runs the ordinary write path in a write transaction of its own, reads back the events
that path appended (they are visible inside the transaction), and rolls back. What is
kept is only those events; nothing reaches the graph, the event log or any record
beside them (idempotency answers, jobs), and no sequence number is used up.

This is the one mechanism: `Runtime.preview` (every route) and the CLI's import both
enter `rolled_back`. ADR 0023.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Final

from aka.core.model import Event
from aka.core.ports import Store, Transaction

PAGE: Final = 1000  # events read back per statement once the work is done


class _RolledBack(Exception):  # noqa: N818 - a signal, not an error
    """Raised through the store's transaction so that it rolls back (a write
    transaction commits on a normal exit, ADR 0004); caught right outside it."""


@dataclass(slots=True)
class Rehearsal:
    """A dry run in progress: its transaction, and once it ended, the events its work
    appended, numbered and stamped as the real call would have numbered them."""

    tx: Transaction
    start: int  # the workspace's last seq when the dry run began
    events: list[Event] = field(default_factory=list)

    def appended(self) -> int:
        """How many events the work appended so far (one statement)."""
        return self.tx.last_seq() - self.start


@contextmanager
def rolled_back(store: Store, workspace_id: str, *, read_back: bool = True) -> Iterator[Rehearsal]:
    """A write transaction for a dry run: the block's work runs in it as it would in any
    write transaction (serialised against the workspace's other writers, so it sees
    exactly the graph the real call would), then the events it appended are read back
    into the rehearsal (unless `read_back` is False: an import's million events are
    counted, not listed) and the transaction is rolled back. A block that raises rolls
    back too, and the exception propagates."""
    try:
        with store.transaction(workspace_id, write=True) as tx:
            rehearsal = Rehearsal(tx, tx.last_seq())
            yield rehearsal
            if read_back:
                rehearsal.events = appended_since(tx, rehearsal.start)
            raise _RolledBack
    except _RolledBack:
        return


def appended_since(tx: Transaction, start: int) -> list[Event]:
    """Every event of the transaction after `start`, oldest first."""
    found: list[Event] = []
    while page := tx.events(start, PAGE):
        found.extend(page)
        start = page[-1].seq
    return found
