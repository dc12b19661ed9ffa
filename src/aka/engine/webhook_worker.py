"""The webhook deliverer inside `aka serve` (ADR 0030): one task per process.

Each round it finds the webhooks with events to deliver (`Webhooks.due`), leases each
(`claim`: one process at a time delivers a webhook, whatever the number of workers or
replicas, so its batches go out in order), reads its next batch from the log
(`service.webhooks.next_batch`), POSTs it signed (`core.webhook_signature`), and in
one transaction records the attempt and moves the cursor (2xx) or schedules the
retry (anything else, or no answer within `webhook_timeout_seconds`). A process that
dies holding a lease leaves it to lapse: the batch is delivered again by whoever
takes it next (at least once).

It wakes at once after this process commits (`Runtime.commits`), and otherwise every
`events_stream_poll_seconds` for other processes' writes; store failures back off as
the job worker's do (`engine.background.Backoff`).
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Final

import httpx
import msgspec

from aka.config import Settings
from aka.core import webhook_signature
from aka.core.ports import DeliveryRecord, Transaction, WebhookRecord
from aka.engine.background import Backoff
from aka.engine.commits import first_of
from aka.engine.runtime import Runtime
from aka.service import webhooks
from aka.service.webhooks import Batch

log = logging.getLogger("aka.webhooks")
# httpx logs every request at INFO, URL included (a receiver's URL may carry a token);
# each attempt is in the deliveries table instead.
logging.getLogger("httpx").setLevel(logging.WARNING)

AT_ONCE: Final = 8
"""Webhooks delivered side by side in one round (each still one batch at a time)."""
LEASE_MARGIN_SECONDS: Final = 30.0
"""A lease outlives the receiver's timeout by this much: the attempt is recorded
before anyone else may take the webhook over."""
ERROR_MAX: Final = 1024

_encode = msgspec.json.Encoder().encode


class WebhookWorker:
    def __init__(
        self,
        rt: Runtime,
        *,
        batch_max: int,
        timeout: float,
        retry_first: float,
        retry_most: float,
        poll_seconds: float,
    ) -> None:
        self.rt = rt
        self.batch_max, self.timeout = batch_max, timeout
        self.retry_first, self.retry_most = retry_first, retry_most
        self.poll_seconds = poll_seconds
        self.owner = webhooks.worker_name()
        self.backoff = Backoff(log, "webhook deliveries", poll_seconds, 30.0)
        self._stopping: asyncio.Event | None = None
        self._done: asyncio.Event | None = None

    @classmethod
    def from_settings(cls, rt: Runtime, settings: Settings) -> WebhookWorker:
        return cls(
            rt,
            batch_max=settings.webhook_batch_max,
            timeout=settings.webhook_timeout_seconds,
            retry_first=settings.webhook_retry_first_seconds,
            retry_most=settings.webhook_retry_max_seconds,
            poll_seconds=settings.events_stream_poll_seconds,
        )

    async def run(self) -> None:
        """Deliver until `stop`."""
        self._stopping, self._done = asyncio.Event(), asyncio.Event()
        http = _LazyClient(self.timeout)
        try:
            while not self._stopping.is_set():
                wake = self.rt.commits.any_ticket()  # before looking: no gap
                try:
                    worked = await self.round(http)
                except Exception as error:  # logged by `Backoff`, then retried
                    await first_of(self._stopping, timeout=self.backoff.failed(error))
                    continue
                self.backoff.succeeded()
                if not worked:
                    await first_of(wake, self._stopping, timeout=self.poll_seconds)
        finally:
            await http.aclose()
            self._done.set()

    async def stop(self) -> None:
        """Let the round under way finish (a delivery takes at most the timeout)."""
        if self._stopping is not None and self._done is not None:
            self._stopping.set()
            await self._done.wait()

    async def round(self, http: _LazyClient) -> bool:
        """One batch for each webhook that has events to deliver; whether any had."""
        now = datetime.now(UTC)
        due: list[tuple[str, str]] = []
        for workspace in await self.rt.call(self.rt.store.workspaces):
            ids = await self.rt.read(
                workspace.id,
                lambda tx: tx.webhooks.due(tx.last_seq(), now),
                primary=True,
                several=True,
            )
            due.extend((workspace.id, hook_id) for hook_id in ids)
        if not due:
            return False
        places = asyncio.Semaphore(AT_ONCE)
        failures: list[Exception] = []

        async def one(workspace_id: str, hook_id: str) -> None:
            # One webhook's failure (a busy store) must not cancel the others' attempts
            # half way: each finishes, and the round then fails as a whole (`Backoff`).
            async with places:
                try:
                    await self.deliver(http.get(), workspace_id, hook_id)
                except Exception as error:  # re-raised after the round
                    failures.append(error)

        async with asyncio.TaskGroup() as group:
            for workspace_id, hook_id in due:
                group.create_task(one(workspace_id, hook_id))
        if failures:
            raise failures[0]
        return True

    async def deliver(self, http: httpx.AsyncClient, workspace_id: str, hook_id: str) -> None:
        """Lease the webhook, send its next batch, record the attempt and settle."""
        now = datetime.now(UTC)
        until = now + timedelta(seconds=self.timeout + LEASE_MARGIN_SECONDS)
        hook = await self.rt.write_unit(
            workspace_id, lambda tx: tx.webhooks.claim(hook_id, self.owner, now, until)
        )
        if hook is None:
            return  # another process delivers it
        batch = await self.rt.read(
            workspace_id,
            lambda tx: webhooks.next_batch(tx, hook, self.batch_max),
            primary=True,
            several=True,
        )
        if not batch.events:  # nothing it wants: pass over what was looked at
            passed = webhooks.after_attempt(
                hook, batch, ok=True, now=now, first=self.retry_first, most=self.retry_most
            )
            await self.rt.write_unit(
                workspace_id, lambda tx: tx.webhooks.settle(passed, self.owner)
            )
            return
        attempt = await self._post(http, hook, batch)
        settled = webhooks.after_attempt(
            hook,
            batch,
            ok=attempt.status_code is not None and 200 <= attempt.status_code < 300,
            now=attempt.at,
            first=self.retry_first,
            most=self.retry_most,
        )
        record = replace(attempt, next_attempt_at=settled.next_attempt_at)

        def save(tx: Transaction) -> bool:
            if not tx.webhooks.settle(settled, self.owner):
                return False  # deleted meanwhile, or the lease lapsed: another owner
            tx.webhooks.add_delivery(record)
            return True

        if not await self.rt.write_unit(workspace_id, save):
            log.warning("webhook %s: lease lost during a delivery; not recorded", hook_id)

    async def _post(
        self, http: httpx.AsyncClient, hook: WebhookRecord, batch: Batch
    ) -> DeliveryRecord:
        at = datetime.now(UTC)
        delivery_id = webhooks.delivery_id(at)
        body = _encode({"webhook_id": hook.id, "delivery_id": delivery_id, "events": batch.events})
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "aka-webhooks",
            webhook_signature.HEADER: webhook_signature.signature(
                hook.secret, int(time.time()), body
            ),
            "Aka-Webhook-Id": hook.id,
            "Aka-Delivery-Id": delivery_id,
        }
        started = time.monotonic()
        status: int | None = None
        error: str | None = None
        try:
            answer = await http.post(hook.url, content=body, headers=headers)
            status = answer.status_code
        except httpx.TimeoutException:
            error = f"no answer within {self.timeout:g} s"
        except httpx.HTTPError as failed:
            error = f"{type(failed).__name__}: {failed}"[:ERROR_MAX]
        return DeliveryRecord(
            id=delivery_id,
            webhook_id=hook.id,
            first_seq=batch.events[0].seq,
            last_seq=batch.events[-1].seq,
            events=len(batch.events),
            attempt=hook.failures + 1,
            status_code=status,
            error=error,
            at=at,
            duration_ms=webhooks.monotonic_ms(started),
        )


class _LazyClient:
    """The deliverer's HTTP client, made at its first delivery: most servers have no
    webhook, and making one costs ~25 ms (its TLS context loads the CA bundle), paid
    by every app start, every test's included."""

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        self._client: httpx.AsyncClient | None = None

    def get(self) -> httpx.AsyncClient:
        if self._client is None:
            # Redirects are not followed: a receiver's URL is what was registered.
            self._client = httpx.AsyncClient(timeout=self.timeout, follow_redirects=False)
        return self._client

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
