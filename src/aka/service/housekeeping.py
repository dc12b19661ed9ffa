"""Forgetting what has expired: answers kept for `Idempotency-Key`, Mimecast request ids
and upload containers nobody applied.

Each is also purged lazily where it is written, but only when something is written
again; a workspace that goes quiet would keep its last day of answers (and the
personal data they quote) and its abandoned uploads for ever. The job worker runs
`sweep` for every workspace every few minutes, so nothing outlives its expiry by more.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from aka.core.ports import Transaction


@dataclass(frozen=True, slots=True)
class Swept:
    answers: int
    requests: int
    files: int


def sweep(tx: Transaction, now: datetime) -> Swept:
    """Remove everything of this workspace that expired by `now`."""
    return Swept(tx.answers.purge(now), tx.request_ids.purge(now), tx.files.purge(now))
