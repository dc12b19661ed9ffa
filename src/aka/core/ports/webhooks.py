"""Webhooks (ADR 0030): where to push the workspace's events, how far each has got, and
the record of each delivery attempt."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True, slots=True)
class WebhookRecord:
    """A webhook of one workspace. `delivered_seq`: every event up to it was delivered
    or did not match (the durable cursor into the log, its outbox); `failures`: failed
    attempts in a row of the batch after it, retried at `next_attempt_at`. `namespaces`:
    the namespace limit of the key that made it (ADR 0026), None for none. The lease
    (`lease_owner` until `lease_until`) lets one process at a time deliver it."""

    id: str
    url: str
    events: tuple[str, ...]
    secret: str
    namespaces: tuple[str, ...] | None
    created_at: datetime
    created_by: str | None
    delivered_seq: int
    failures: int = 0
    next_attempt_at: datetime | None = None
    lease_until: datetime | None = None
    lease_owner: str | None = None


@dataclass(frozen=True, slots=True)
class DeliveryRecord:
    """One attempt to deliver events `first_seq`..`last_seq` (`events` of them) to a
    webhook: the receiver's status code, or the error that stopped it (a timeout, a
    refused connection), and when the next attempt is due when it failed."""

    id: str
    webhook_id: str
    first_seq: int
    last_seq: int
    events: int
    attempt: int
    status_code: int | None
    error: str | None
    at: datetime
    duration_ms: int
    next_attempt_at: datetime | None = None


class Webhooks(Protocol):
    """The workspace's webhooks and their deliveries (`tx.webhooks`)."""

    def add(self, hook: WebhookRecord) -> None:
        """Store a new webhook of this workspace."""

    def get(self, hook_id: str) -> WebhookRecord | None:
        """This workspace's webhook with this id, or None."""

    def all(self) -> list[WebhookRecord]:
        """Every webhook of this workspace, oldest first (then by id)."""

    def delete(self, hook_id: str) -> bool:
        """Remove the webhook and the record of its deliveries; False when there was
        no such webhook."""

    def due(self, below: int, now: datetime) -> list[str]:
        """Ids of webhooks with events to deliver: `delivered_seq` below `below` (the
        log's last seq), no retry pending after `now` and no lease held past `now`;
        oldest first."""

    def claim(
        self, hook_id: str, owner: str, now: datetime, until: datetime
    ) -> WebhookRecord | None:
        """Lease the webhook to `owner` until `until` if no other lease holds at `now`;
        the leased webhook, or None when another owner holds it (or it is gone)."""

    def settle(self, hook: WebhookRecord, owner: str) -> bool:
        """Save `hook`'s progress (`delivered_seq`, `failures`, `next_attempt_at`) and
        give the lease up, if `owner` still holds it; False (nothing saved) when the
        lease was lost or the webhook deleted meanwhile."""

    def add_delivery(self, delivery: DeliveryRecord) -> None:
        """Record one delivery attempt."""

    def deliveries(self, hook_id: str, before: str | None, limit: int) -> list[DeliveryRecord]:
        """Up to `limit` attempts of the webhook, newest first, with ids below `before`
        when given (the page's cursor)."""

    def purge_deliveries(self, before: datetime) -> int:
        """Forget attempts made before `before`; how many were removed."""
