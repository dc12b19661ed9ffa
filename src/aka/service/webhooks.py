"""Webhooks (ADR 0030): the rules for making one, and what each delivery carries.

The event log is the outbox: a webhook keeps a durable cursor (`delivered_seq`), made
at the log's last seq when the webhook is created (it delivers what happens after),
and moved only once the receiver acknowledged a batch (2xx). A batch is the next
matching events after the cursor, in seq order, at most `batch_max`; events that do not
match are passed over with it. Nothing is written per event, so a bulk load pays
nothing for its webhooks, and a failed batch is retried as the next batch until it
goes through: at least once, in order.
"""

from __future__ import annotations

import os
import random
import secrets
import time
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Final
from urllib.parse import urlsplit

from aka.core import events as ev
from aka.core.errors import AkaError, Code
from aka.core.model import Event
from aka.core.namespace_scope import NamespaceScope
from aka.core.ports import DeliveryRecord, EventLogReads, Transaction, WebhookRecord

URL_MAX: Final = 2048
SECRET_MIN: Final = 16
SECRET_MAX: Final = 256
WEBHOOKS_MAX: Final = 100
"""Webhooks one workspace may hold: each is a delivery loop, not a table of rows."""
DELIVERIES_PAGE_MAX: Final = 100
SCAN_PAGES: Final = 10
"""Pages of the log one batch looks through for matching events; past them, what was
looked at and did not match is passed over, and the next batch goes on from there."""
SCAN_PAGE: Final = 1000


def new_id() -> str:
    return "wh_" + secrets.token_hex(8)


def delivery_id(now: datetime) -> str:
    """Sorts by time (microseconds since the epoch, zero-padded), then at random: a
    page of deliveries is newest first by id alone."""
    micros = int(now.timestamp() * 1_000_000)
    return f"dl_{micros:017d}{secrets.token_hex(4)}"


def check_url(url: str) -> str:
    if not 1 <= len(url) <= URL_MAX:
        raise AkaError(
            Code.INVALID_INPUT,
            f"url must be 1 to {URL_MAX} characters; it has {len(url)}",
            field="url",
            details={"limit": URL_MAX, "actual": len(url)},
        )
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise AkaError(
            Code.INVALID_INPUT,
            "url must be an absolute http:// or https:// URL with a host",
            field="url",
        )
    if any(c.isspace() or not c.isprintable() for c in url):
        raise AkaError(
            Code.INVALID_INPUT, "url must not hold spaces or control characters", field="url"
        )
    return url


def check_events(types: list[str]) -> tuple[str, ...]:
    if not types:
        raise AkaError(
            Code.INVALID_INPUT,
            "events must name at least one event type: " + ", ".join(ev.ALL_TYPES),
            field="events",
        )
    for n, name in enumerate(types):
        if name not in ev.ALL_TYPES:
            raise AkaError(
                Code.INVALID_INPUT,
                f"events[{n}]: {name!r} is not an event type; known: " + ", ".join(ev.ALL_TYPES),
                field=f"events[{n}]",
            )
    return tuple(dict.fromkeys(types))


def check_secret(secret: str) -> str:
    if not SECRET_MIN <= len(secret) <= SECRET_MAX or not secret.isprintable():
        raise AkaError(
            Code.INVALID_INPUT,
            f"secret must be {SECRET_MIN} to {SECRET_MAX} printable characters "
            f"(it has {len(secret)}); use a random one, e.g. 32 bytes of hex",
            field="secret",
            details={"min": SECRET_MIN, "max": SECRET_MAX, "actual": len(secret)},
        )
    return secret


def create(
    tx: Transaction,
    *,
    url: str,
    types: list[str],
    secret: str,
    scope: NamespaceScope,
    actor: str | None,
    now: datetime,
) -> WebhookRecord:
    """A new webhook delivering the events committed after this transaction's last
    one, seen as `scope` (the creating key's namespace limit) sees them."""
    hook = WebhookRecord(
        id=new_id(),
        url=check_url(url),
        events=check_events(types),
        secret=check_secret(secret),
        namespaces=None if scope.patterns is None else scope.patterns,
        created_at=now,
        created_by=actor,
        delivered_seq=tx.last_seq(),
    )
    if len(tx.webhooks.all()) >= WEBHOOKS_MAX:
        raise AkaError(
            Code.WEBHOOK_LIMIT,
            f"this workspace holds {WEBHOOKS_MAX} webhooks, the most it may; delete one first",
            details={"limit": WEBHOOKS_MAX},
        )
    tx.webhooks.add(hook)
    return hook


def get(tx: Transaction, hook_id: str) -> WebhookRecord:
    hook = tx.webhooks.get(hook_id)
    if hook is None:
        raise AkaError(
            Code.WEBHOOK_NOT_FOUND, f"no webhook {hook_id!r} in this workspace", field="id"
        )
    return hook


def delete(tx: Transaction, hook_id: str) -> None:
    if not tx.webhooks.delete(hook_id):
        raise AkaError(
            Code.WEBHOOK_NOT_FOUND, f"no webhook {hook_id!r} in this workspace", field="id"
        )


def deliveries(
    tx: Transaction, hook_id: str, before: str | None, limit: int
) -> list[DeliveryRecord]:
    """A page of the webhook's delivery attempts, newest first."""
    get(tx, hook_id)
    if not 1 <= limit <= DELIVERIES_PAGE_MAX:
        raise AkaError(
            Code.INVALID_INPUT, f"limit must be from 1 to {DELIVERIES_PAGE_MAX}", field="limit"
        )
    return tx.webhooks.deliveries(hook_id, before, limit)


@dataclass(frozen=True, slots=True)
class Batch:
    """The events of the next delivery (redacted for the webhook's key), and the seq
    through which the log was looked at: the cursor once they are delivered."""

    events: list[Event]
    through: int


def next_batch(log: EventLogReads, hook: WebhookRecord, batch_max: int) -> Batch:
    """The next matching events after the webhook's cursor (module doc)."""
    wanted = frozenset(hook.events)
    found: list[Event] = []
    through = hook.delivered_seq
    for _ in range(SCAN_PAGES):
        page = log.events(through, SCAN_PAGE)
        for event in page:
            if event.type in wanted:
                found.append(event)
            through = event.seq
            if len(found) == batch_max:
                return Batch(_seen_by(hook, found), through)
        if len(page) < SCAN_PAGE:
            break
    return Batch(_seen_by(hook, found), through)


def _seen_by(hook: WebhookRecord, found: list[Event]) -> list[Event]:
    scope = NamespaceScope.of(hook.namespaces)
    return list(scope.redact(found)) if scope.limited else found


def retry_delay(failures: int, first: float, most: float) -> float:
    """Seconds before the next attempt after `failures` in a row: doubling from
    `first`, at most `most`, each drawn between half and all of it (jitter: receivers
    coming back are not hit by every webhook at once)."""
    ceiling = min(most, first * 2.0 ** min(failures - 1, 62))
    return ceiling * (0.5 + random.random() / 2)  # noqa: S311 -- jitter, not a secret


def after_attempt(
    hook: WebhookRecord,
    batch: Batch,
    *,
    ok: bool,
    now: datetime,
    first: float,
    most: float,
) -> WebhookRecord:
    """The webhook once an attempt at `batch` succeeded (the cursor moves past it) or
    failed (the same events are tried again after a back-off)."""
    if ok:
        return replace(hook, delivered_seq=batch.through, failures=0, next_attempt_at=None)
    failures = hook.failures + 1
    wait = timedelta(seconds=retry_delay(failures, first, most))
    return replace(hook, failures=failures, next_attempt_at=now + wait)


def worker_name() -> str:
    """This process's name as a lease owner: enough to tell processes apart in a row."""
    return f"{os.uname().nodename[:32]}:{os.getpid()}:{secrets.token_hex(4)}"


def monotonic_ms(since: float) -> int:
    return int((time.monotonic() - since) * 1000)
