"""Forgetting what has expired: answers kept for `Idempotency-Key`, Mimecast request ids,
upload containers nobody applied and the record of old webhook deliveries.

Each is also purged lazily where it is written, but only when something is written
again; a workspace that goes quiet would keep its last day of answers (and the
personal data they quote) and its abandoned uploads for ever. The job worker runs
`sweep` for every workspace every few minutes, so nothing outlives its expiry by more.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from aka.core.ports import Transaction


@dataclass(frozen=True, slots=True)
class Swept:
    answers: int
    requests: int
    files: int
    deliveries: int = 0


DELIVERIES_KEPT = timedelta(days=7)
"""How long a webhook delivery's record is kept by default (`webhook_deliveries_keep_days`)."""


def sweep(tx: Transaction, now: datetime, deliveries_kept: timedelta = DELIVERIES_KEPT) -> Swept:
    """Remove everything of this workspace that expired by `now`; webhook deliveries
    made more than `deliveries_kept` before it."""
    return Swept(
        tx.answers.purge(now),
        tx.request_ids.purge(now),
        tx.files.purge(now),
        tx.webhooks.purge_deliveries(now - deliveries_kept),
    )
