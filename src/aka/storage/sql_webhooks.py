"""Webhooks and their deliveries (`Webhooks`) over one connection."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Row

from aka.core.ports import DeliveryRecord, WebhookRecord
from aka.storage.tables import webhook_deliveries as d
from aka.storage.tables import webhooks as t


def _hook(row: Row[Any]) -> WebhookRecord:
    return WebhookRecord(
        id=row.id,
        url=row.url,
        events=tuple(row.events),
        secret=row.secret,
        namespaces=None if row.namespaces is None else tuple(row.namespaces),
        created_at=row.created_at,
        created_by=row.created_by,
        delivered_seq=int(row.delivered_seq),
        failures=int(row.failures),
        next_attempt_at=row.next_attempt_at,
        lease_until=row.lease_until,
        lease_owner=row.lease_owner,
    )


def _delivery(row: Row[Any]) -> DeliveryRecord:
    return DeliveryRecord(
        id=row.id,
        webhook_id=row.webhook_id,
        first_seq=int(row.first_seq),
        last_seq=int(row.last_seq),
        events=int(row.events),
        attempt=int(row.attempt),
        status_code=row.status_code,
        error=row.error,
        at=row.at,
        duration_ms=int(row.duration_ms),
        next_attempt_at=row.next_attempt_at,
    )


@dataclass(frozen=True, slots=True)
class SqlWebhooks:
    """The `Webhooks` of one workspace, in the transaction `conn` is in."""

    conn: Connection
    workspace_id: str

    def _mine(self, hook_id: str) -> sa.ColumnElement[bool]:
        return sa.and_(t.c.workspace_id == self.workspace_id, t.c.id == hook_id)

    def add(self, hook: WebhookRecord) -> None:
        self.conn.execute(
            sa.insert(t).values(
                workspace_id=self.workspace_id,
                id=hook.id,
                url=hook.url,
                events=list(hook.events),
                secret=hook.secret,
                namespaces=None if hook.namespaces is None else list(hook.namespaces),
                created_at=hook.created_at,
                created_by=hook.created_by,
                delivered_seq=hook.delivered_seq,
                failures=hook.failures,
                next_attempt_at=hook.next_attempt_at,
                lease_until=hook.lease_until,
                lease_owner=hook.lease_owner,
            )
        )

    def get(self, hook_id: str) -> WebhookRecord | None:
        row = self.conn.execute(sa.select(t).where(self._mine(hook_id))).one_or_none()
        return None if row is None else _hook(row)

    def all(self) -> list[WebhookRecord]:
        rows = self.conn.execute(
            sa.select(t)
            .where(t.c.workspace_id == self.workspace_id)
            .order_by(t.c.created_at, t.c.id)
        ).all()
        return [_hook(r) for r in rows]

    def delete(self, hook_id: str) -> bool:
        self.conn.execute(
            sa.delete(d).where(d.c.workspace_id == self.workspace_id, d.c.webhook_id == hook_id)
        )
        return self.conn.execute(sa.delete(t).where(self._mine(hook_id))).rowcount > 0

    def due(self, below: int, now: datetime) -> list[str]:
        # A workspace holds a handful of webhooks: no index beyond the primary key.
        rows = self.conn.execute(
            sa.select(t.c.id)
            .where(
                t.c.workspace_id == self.workspace_id,
                t.c.delivered_seq < below,
                sa.or_(t.c.next_attempt_at.is_(None), t.c.next_attempt_at <= now),
                sa.or_(t.c.lease_until.is_(None), t.c.lease_until <= now),
            )
            .order_by(t.c.created_at, t.c.id)
        ).all()
        return [str(r.id) for r in rows]

    def claim(
        self, hook_id: str, owner: str, now: datetime, until: datetime
    ) -> WebhookRecord | None:
        # One conditional UPDATE: on PostgreSQL a second claimer waits on the row lock,
        # then finds the condition false (READ COMMITTED re-reads the row); on SQLite
        # writers take turns. Either way one owner wins.
        taken = self.conn.execute(
            sa.update(t)
            .where(self._mine(hook_id), sa.or_(t.c.lease_until.is_(None), t.c.lease_until <= now))
            .values(lease_owner=owner, lease_until=until)
        ).rowcount
        return self.get(hook_id) if taken else None

    def settle(self, hook: WebhookRecord, owner: str) -> bool:
        saved = self.conn.execute(
            sa.update(t)
            .where(self._mine(hook.id), t.c.lease_owner == owner)
            .values(
                delivered_seq=hook.delivered_seq,
                failures=hook.failures,
                next_attempt_at=hook.next_attempt_at,
                lease_owner=None,
                lease_until=None,
            )
        ).rowcount
        return saved > 0

    def add_delivery(self, delivery: DeliveryRecord) -> None:
        self.conn.execute(
            sa.insert(d).values(
                workspace_id=self.workspace_id,
                webhook_id=delivery.webhook_id,
                id=delivery.id,
                first_seq=delivery.first_seq,
                last_seq=delivery.last_seq,
                events=delivery.events,
                attempt=delivery.attempt,
                status_code=delivery.status_code,
                error=delivery.error,
                at=delivery.at,
                duration_ms=delivery.duration_ms,
                next_attempt_at=delivery.next_attempt_at,
            )
        )

    def deliveries(self, hook_id: str, before: str | None, limit: int) -> list[DeliveryRecord]:
        query = sa.select(d).where(d.c.workspace_id == self.workspace_id, d.c.webhook_id == hook_id)
        if before is not None:
            query = query.where(d.c.id < before)
        rows = self.conn.execute(query.order_by(d.c.id.desc()).limit(limit)).all()
        return [_delivery(r) for r in rows]

    def purge_deliveries(self, before: datetime) -> int:
        return int(
            self.conn.execute(
                sa.delete(d).where(d.c.workspace_id == self.workspace_id, d.c.at < before)
            ).rowcount
        )
