"""The memory twins of the records kept beside the graph: answers, keys, door records,
jobs, files and webhooks, each over the dicts of one workspace copy (`memory._Workspace`).

A twin holds its dicts, never a copy: the transaction's savepoint restores them in
place, so what a twin holds stays what the transaction sees.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from aka.core.model import IdentifierKey
from aka.core.ports import (
    DeliveryRecord,
    FileRecord,
    JobRecord,
    KeyRecord,
    PushRecord,
    Store,
    StoredAnswer,
    WebhookRecord,
)
from aka.core.scrub import Scrubber


@dataclass(frozen=True, slots=True)
class MemoryAnswers:
    answers: dict[str, StoredAnswer]

    def get(self, key: str, now: datetime) -> StoredAnswer | None:
        found = self.answers.get(key)
        return found if found is not None and found.expires_at > now else None

    def put(self, key: str, answer: StoredAnswer) -> None:
        self.answers[key] = answer

    def purge(self, now: datetime) -> int:
        expired = [k for k, a in self.answers.items() if a.expires_at <= now]
        for key in expired:
            del self.answers[key]
        return len(expired)

    def scrub(self, scrubber: Scrubber) -> int:
        changed = 0
        for key, answer in list(self.answers.items()):
            if scrubber.names_in_key(key):
                del self.answers[key]
                changed += 1
                continue
            body = scrubber.body(answer.body)
            held = [list(h) for h in answer.headers]
            cleaned = scrubber.document(held)
            headers = answer.headers if cleaned is held else [(n, v) for n, v in cleaned]
            if body is not answer.body or headers is not answer.headers:
                self.answers[key] = replace(answer, body=body, headers=headers)
                changed += 1
        return changed


@dataclass(frozen=True, slots=True)
class MemoryKeys:
    """Keys are kept by the store, outside the copied workspace (they are not graph
    data); a transaction's changes wait in `pending` for the commit, as the SQL stores'
    rows do."""

    store: Store
    workspace_id: str
    pending: list[KeyRecord] = field(default_factory=list)

    def add(self, key: KeyRecord) -> None:
        if self.store.key_by_hash(key.secret_hash) or any(
            k.secret_hash == key.secret_hash for k in self.pending
        ):
            raise ValueError("a key with this hash already exists")
        self.pending.append(key)

    def revoke(self, key_id: str) -> bool:
        for key in self.all():
            if key.id == key_id:
                if key.revoked_at is None:
                    self.pending.append(replace(key, revoked_at=datetime.now(UTC)))
                return True
        return False

    def all(self) -> list[KeyRecord]:
        merged = {k.id: k for k in self.store.keys(self.workspace_id)}
        merged.update({k.id: k for k in self.pending})
        return sorted(merged.values(), key=lambda k: (k.created_at, k.id))


@dataclass(frozen=True, slots=True)
class MemoryRequestIds:
    expiries: dict[str, datetime]  # request id -> when its record expires

    def remember(self, request_id: str, now: datetime, expires_at: datetime) -> bool:
        seen = self.expiries.get(request_id)
        if seen is not None and seen > now:
            return False
        self.expiries[request_id] = expires_at
        return True

    def purge(self, now: datetime) -> int:
        expired = [r for r, at in self.expiries.items() if at <= now]
        for request_id in expired:
            del self.expiries[request_id]
        return len(expired)


@dataclass(frozen=True, slots=True)
class MemoryPushRecords:
    records: dict[IdentifierKey, PushRecord]

    def get(self, key: IdentifierKey) -> PushRecord | None:
        return self.records.get(key)

    def put(self, key: IdentifierKey, record: PushRecord) -> None:
        self.records[key] = record

    def older_than(self, namespace: str, ordering_id: int) -> list[IdentifierKey]:
        return sorted(
            k
            for k, r in self.records.items()
            if k.namespace == namespace and r.ordering_id < ordering_id
        )

    def forget(self, keys: Collection[IdentifierKey]) -> int:
        gone = [k for k in keys if self.records.pop(k, None) is not None]
        return len(gone)


@dataclass(frozen=True, slots=True)
class MemoryJobs:
    jobs: dict[str, JobRecord]

    def add(self, job: JobRecord) -> None:
        self.jobs[job.id] = job

    def get(self, job_id: str) -> JobRecord | None:
        return self.jobs.get(job_id)

    def save(self, job: JobRecord) -> None:
        if job.id in self.jobs:
            self.jobs[job.id] = job

    def runnable(self, now: datetime) -> list[str]:
        found = [
            j
            for j in self.jobs.values()
            if j.status == "queued"
            or (j.status == "running" and j.lease_until is not None and j.lease_until <= now)
        ]
        return [j.id for j in sorted(found, key=lambda j: (j.created_at, j.id))]

    def scrub(self, scrubber: Scrubber) -> int:
        changed = 0
        for job_id, job in list(self.jobs.items()):
            params = scrubber.document(job.params)
            held = list(job.errors)
            errors = scrubber.document(held)
            if params is not job.params or errors is not held:
                self.jobs[job_id] = replace(job, params=params, errors=tuple(errors))
                changed += 1
        return changed


@dataclass(frozen=True, slots=True)
class MemoryFiles:
    files: dict[str, FileRecord]
    chunks: dict[tuple[str, int], bytes]  # (file id, n) -> content

    def add(self, file: FileRecord) -> None:
        self.files[file.id] = file

    def get(self, file_id: str) -> FileRecord | None:
        return self.files.get(file_id)

    def write_chunk(self, file_id: str, n: int, data: bytes) -> None:
        if n == 0:
            self._drop_chunks(file_id)
            if file_id in self.files:
                self.files[file_id] = replace(self.files[file_id], size=None)
        self.chunks[(file_id, n)] = bytes(data)

    def finish(self, file_id: str, size: int) -> None:
        if file_id in self.files:
            self.files[file_id] = replace(self.files[file_id], size=size)

    def chunk(self, file_id: str, n: int) -> bytes | None:
        return self.chunks.get((file_id, n))

    def remove(self, file_id: str) -> None:
        self._drop_chunks(file_id)
        self.files.pop(file_id, None)

    def purge(self, now: datetime) -> int:
        expired = [f.id for f in self.files.values() if f.expires_at <= now]
        for file_id in expired:
            self.remove(file_id)
        return len(expired)

    def _drop_chunks(self, file_id: str) -> None:
        for key in [k for k in self.chunks if k[0] == file_id]:
            del self.chunks[key]


@dataclass(frozen=True, slots=True)
class MemoryWebhooks:
    hooks: dict[str, WebhookRecord]
    deliveries_of: dict[tuple[str, str], DeliveryRecord]  # (webhook id, delivery id)

    def add(self, hook: WebhookRecord) -> None:
        self.hooks[hook.id] = hook

    def get(self, hook_id: str) -> WebhookRecord | None:
        return self.hooks.get(hook_id)

    def all(self) -> list[WebhookRecord]:
        return sorted(self.hooks.values(), key=lambda h: (h.created_at, h.id))

    def delete(self, hook_id: str) -> bool:
        for key in [k for k in self.deliveries_of if k[0] == hook_id]:
            del self.deliveries_of[key]
        return self.hooks.pop(hook_id, None) is not None

    def due(self, below: int, now: datetime) -> list[str]:
        return [
            h.id
            for h in self.all()
            if h.delivered_seq < below
            and (h.next_attempt_at is None or h.next_attempt_at <= now)
            and (h.lease_until is None or h.lease_until <= now)
        ]

    def claim(
        self, hook_id: str, owner: str, now: datetime, until: datetime
    ) -> WebhookRecord | None:
        hook = self.hooks.get(hook_id)
        if hook is None or (hook.lease_until is not None and hook.lease_until > now):
            return None
        self.hooks[hook_id] = replace(hook, lease_owner=owner, lease_until=until)
        return self.hooks[hook_id]

    def settle(self, hook: WebhookRecord, owner: str) -> bool:
        held = self.hooks.get(hook.id)
        if held is None or held.lease_owner != owner:
            return False
        self.hooks[hook.id] = replace(
            held,
            delivered_seq=hook.delivered_seq,
            failures=hook.failures,
            next_attempt_at=hook.next_attempt_at,
            lease_owner=None,
            lease_until=None,
        )
        return True

    def add_delivery(self, delivery: DeliveryRecord) -> None:
        self.deliveries_of[(delivery.webhook_id, delivery.id)] = delivery

    def deliveries(self, hook_id: str, before: str | None, limit: int) -> list[DeliveryRecord]:
        found = [
            r
            for (webhook_id, _), r in self.deliveries_of.items()
            if webhook_id == hook_id and (before is None or r.id < before)
        ]
        return sorted(found, key=lambda r: r.id, reverse=True)[:limit]

    def purge_deliveries(self, before: datetime) -> int:
        old = [k for k, r in self.deliveries_of.items() if r.at < before]
        for key in old:
            del self.deliveries_of[key]
        return len(old)
