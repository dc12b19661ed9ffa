"""The memory twin of the SQL stores: the same contract, kept in dicts, for fast tests.

Each workspace's graph is a `GraphState` that changes only through `apply`, so this
store is the reference reading of every event. A transaction works on a deep copy and
swaps it in on commit, which gives all-or-nothing without any undo bookkeeping.
"""

from __future__ import annotations

import bisect
import copy
import threading
from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from aka.core.errors import AkaError, Code
from aka.core.events import Change
from aka.core.model import Event, Identifier, IdentifierKey, Membership, Profile
from aka.core.ports import (
    FileRecord,
    GraphCounts,
    JobRecord,
    KeyRecord,
    PushRecord,
    StoredAnswer,
    WorkspaceRecord,
    event_subjects,
)
from aka.core.scrub import Scrubber
from aka.core.settings import WorkspaceSettings
from aka.core.state import GraphState


@dataclass
class _Workspace:
    record: WorkspaceRecord
    graph: GraphState = field(default_factory=GraphState)
    events: list[Event] = field(default_factory=list)
    answers: dict[str, StoredAnswer] = field(default_factory=dict)
    requests: dict[str, datetime] = field(default_factory=dict)  # request id -> expiry
    pushes: dict[IdentifierKey, PushRecord] = field(default_factory=dict)
    jobs: dict[str, JobRecord] = field(default_factory=dict)
    files: dict[str, FileRecord] = field(default_factory=dict)
    chunks: dict[tuple[str, int], bytes] = field(default_factory=dict)


class MemoryTransaction:
    def __init__(self, workspace: _Workspace, store: MemoryStore) -> None:
        self.workspace_id = workspace.record.id
        self._ws = workspace
        self._store = store
        # Key changes wait for the commit, as the SQL stores' rows do.
        self.pending_keys: list[KeyRecord] = []

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        saved = (copy.deepcopy(self._ws.graph), list(self._ws.events), self._ws.record)
        saved_answers, saved_keys = dict(self._ws.answers), list(self.pending_keys)
        saved_books = (dict(self._ws.requests), dict(self._ws.pushes))
        saved_jobs = (dict(self._ws.jobs), dict(self._ws.files), dict(self._ws.chunks))
        try:
            yield
        except BaseException:
            self._ws.graph, self._ws.events, self._ws.record = saved
            self._ws.answers, self.pending_keys = saved_answers, saved_keys
            self._ws.requests, self._ws.pushes = saved_books
            self._ws.jobs, self._ws.files, self._ws.chunks = saved_jobs
            raise

    # profiles
    def profile(self, profile_id: str) -> Profile | None:
        return self._ws.graph.profiles.get(profile_id)

    def profile_by_external_id(self, external_id: str) -> Profile | None:
        for profile in self._ws.graph.profiles.values():
            if profile.external_id == external_id:
                return profile
        return None

    def tombstones_of(self, profile_id: str) -> list[str]:
        return self._ws.graph.tombstones_of(profile_id)

    def lock_profiles(self, profile_ids: Sequence[str]) -> None:
        """Writers are serialised by the store lock already."""

    # identifiers
    def identifier(self, key: IdentifierKey) -> Identifier | None:
        return self._ws.graph.identifiers.get(key)

    def identifiers_of(self, profile_id: str) -> list[Identifier]:
        return self._ws.graph.identifiers_of(profile_id)

    def identifiers_of_many(self, profile_ids: Collection[str]) -> list[Identifier]:
        wanted = set(profile_ids)
        return sorted(
            (i for i in self._ws.graph.identifiers.values() if i.profile_id in wanted),
            key=lambda i: (i.namespace, i.value),
        )

    def count_in_namespace(self, profile_id: str, namespace: str) -> int:
        return sum(
            1
            for i in self._ws.graph.identifiers.values()
            if i.profile_id == profile_id and i.namespace == namespace
        )

    def identifiers_by_keys(
        self, keys: Collection[IdentifierKey]
    ) -> dict[IdentifierKey, Identifier]:
        found = self._ws.graph.identifiers
        return {key: found[key] for key in keys if key in found}

    def profiles_by_ids(self, profile_ids: Collection[str]) -> dict[str, Profile]:
        found = self._ws.graph.profiles
        return {pid: found[pid] for pid in profile_ids if pid in found}

    def profiles_by_external_ids(self, external_ids: Collection[str]) -> dict[str, Profile]:
        wanted = set(external_ids)
        return {
            p.external_id: p
            for p in self._ws.graph.profiles.values()
            if p.external_id is not None and p.external_id in wanted
        }

    # memberships
    def memberships_touching(self, profile_id: str) -> list[Membership]:
        return self._ws.graph.edges_touching(profile_id)

    def groups_of(self, member_ids: Collection[str]) -> list[Membership]:
        wanted = set(member_ids)
        return sorted(
            Membership(g, m, seq)
            for (g, m), seq in self._ws.graph.memberships.items()
            if m in wanted
        )

    # event log
    def append(self, change: Change) -> Event:
        return self.append_many([change], datetime.now(UTC))[0]

    def append_many(self, changes: Sequence[Change], at: datetime) -> list[Event]:
        first = self._ws.record.last_seq + 1
        written = [
            Event(
                seq=seq,
                type=change.type,
                profile_id=change.profile_id,
                at=at,
                actor=change.actor,
                payload=copy.deepcopy(change.payload),
            )
            for seq, change in enumerate(changes, start=first)
        ]
        # All or nothing: a refused event must leave no trace and no seq gap, as the SQL
        # stores' savepointed append does.
        self._ws.graph.apply_or_refuse(written)
        self._ws.graph.journal().forget()  # a savepoint here copies the graph instead
        self._ws.record = replace(self._ws.record, last_seq=first + len(written) - 1)
        self._ws.events.extend(written)
        return written

    def last_seq(self) -> int:
        return self._ws.record.last_seq

    def event(self, seq: int) -> Event | None:
        if 1 <= seq <= len(self._ws.events):
            return self._ws.events[seq - 1]
        return None

    def events(self, after: int, limit: int) -> list[Event]:
        # By seq, not by position: a log with a gap (an event removed behind the store's
        # back, as `aka check`'s specs do) must still page without skipping any.
        start = bisect.bisect_right(self._ws.events, after, key=lambda e: e.seq)
        return self._ws.events[start : start + limit]

    def events_about(self, profile_ids: Collection[str]) -> list[Event]:
        wanted = set(profile_ids)
        found = []
        for event in self._ws.events:
            profile_id, other, _ = event_subjects(
                Change(event.type, event.profile_id, event.payload)
            )
            if profile_id in wanted or other in wanted:
                found.append(event)
        return found

    def unmerge_of(self, merge_seq: int) -> int | None:
        return self._ws.graph.undone.get(merge_seq)

    def rewrite_payload(self, seq: int, payload: dict[str, Any]) -> None:
        event = self._ws.events[seq - 1]
        self._ws.events[seq - 1] = replace(event, payload=copy.deepcopy(payload))

    def all_events(self) -> Iterator[Event]:
        return iter(list(self._ws.events))

    def graph(self) -> GraphState:
        return copy.deepcopy(self._ws.graph)

    # idempotency
    def stored_answer(self, key: str, now: datetime) -> StoredAnswer | None:
        found = self._ws.answers.get(key)
        return found if found is not None and found.expires_at > now else None

    def store_answer(self, key: str, answer: StoredAnswer) -> None:
        self._ws.answers[key] = answer

    def purge_answers(self, now: datetime) -> int:
        expired = [k for k, a in self._ws.answers.items() if a.expires_at <= now]
        for key in expired:
            del self._ws.answers[key]
        return len(expired)

    def scrub_answers(self, scrubber: Scrubber) -> int:
        changed = 0
        for key, answer in list(self._ws.answers.items()):
            if scrubber.names_in_key(key):
                del self._ws.answers[key]
                changed += 1
                continue
            body = scrubber.body(answer.body)
            held = [list(h) for h in answer.headers]
            cleaned = scrubber.document(held)
            headers = answer.headers if cleaned is held else [(n, v) for n, v in cleaned]
            if body is not answer.body or headers is not answer.headers:
                self._ws.answers[key] = replace(answer, body=body, headers=headers)
                changed += 1
        return changed

    # dialect bookkeeping
    def remember_request(self, request_id: str, now: datetime, expires_at: datetime) -> bool:
        seen = self._ws.requests.get(request_id)
        if seen is not None and seen > now:
            return False
        self._ws.requests[request_id] = expires_at
        return True

    def purge_requests(self, now: datetime) -> int:
        expired = [r for r, at in self._ws.requests.items() if at <= now]
        for request_id in expired:
            del self._ws.requests[request_id]
        return len(expired)

    def push_record(self, key: IdentifierKey) -> PushRecord | None:
        return self._ws.pushes.get(key)

    def save_push_record(self, key: IdentifierKey, record: PushRecord) -> None:
        self._ws.pushes[key] = record

    def forget_push_records(self, keys: Collection[IdentifierKey]) -> int:
        gone = [k for k in keys if self._ws.pushes.pop(k, None) is not None]
        return len(gone)

    def pushed_before(self, namespace: str, ordering_id: int) -> list[IdentifierKey]:
        return sorted(
            k
            for k, r in self._ws.pushes.items()
            if k.namespace == namespace and r.ordering_id < ordering_id
        )

    def identifiers_in_domain(self, namespace: str, domain: str, limit: int) -> list[Identifier]:
        suffix = "@" + domain
        found = sorted(
            (
                i
                for k, i in self._ws.graph.identifiers.items()
                if k.namespace == namespace and k.value.endswith(suffix)
            ),
            key=lambda i: i.value,
        )
        return found[:limit]

    # jobs and files
    def add_job(self, job: JobRecord) -> None:
        self._ws.jobs[job.id] = job

    def job(self, job_id: str) -> JobRecord | None:
        return self._ws.jobs.get(job_id)

    def save_job(self, job: JobRecord) -> None:
        if job.id in self._ws.jobs:
            self._ws.jobs[job.id] = job

    def scrub_jobs(self, scrubber: Scrubber) -> int:
        changed = 0
        for job_id, job in list(self._ws.jobs.items()):
            params = scrubber.document(job.params)
            held = list(job.errors)
            errors = scrubber.document(held)
            if params is not job.params or errors is not held:
                self._ws.jobs[job_id] = replace(job, params=params, errors=tuple(errors))
                changed += 1
        return changed

    def runnable_jobs(self, now: datetime) -> list[str]:
        found = [
            j
            for j in self._ws.jobs.values()
            if j.status == "queued"
            or (j.status == "running" and j.lease_until is not None and j.lease_until <= now)
        ]
        return [j.id for j in sorted(found, key=lambda j: (j.created_at, j.id))]

    def add_file(self, file: FileRecord) -> None:
        self._ws.files[file.id] = file

    def file(self, file_id: str) -> FileRecord | None:
        return self._ws.files.get(file_id)

    def write_file_chunk(self, file_id: str, n: int, data: bytes) -> None:
        if n == 0:
            for key in [k for k in self._ws.chunks if k[0] == file_id]:
                del self._ws.chunks[key]
            if file_id in self._ws.files:
                self._ws.files[file_id] = replace(self._ws.files[file_id], size=None)
        self._ws.chunks[(file_id, n)] = bytes(data)

    def finish_file(self, file_id: str, size: int) -> None:
        if file_id in self._ws.files:
            self._ws.files[file_id] = replace(self._ws.files[file_id], size=size)

    def file_chunk(self, file_id: str, n: int) -> bytes | None:
        return self._ws.chunks.get((file_id, n))

    def purge_files(self, now: datetime) -> int:
        expired = [f.id for f in self._ws.files.values() if f.expires_at <= now]
        for file_id in expired:
            self.remove_file(file_id)
        return len(expired)

    def remove_file(self, file_id: str) -> None:
        for key in [k for k in self._ws.chunks if k[0] == file_id]:
            del self._ws.chunks[key]
        self._ws.files.pop(file_id, None)

    # keys (kept by the store, outside the copied workspace: they are not graph data)
    def add_key(self, key: KeyRecord) -> None:
        if self._store.key_by_hash(key.secret_hash) or any(
            k.secret_hash == key.secret_hash for k in self.pending_keys
        ):
            raise ValueError("a key with this hash already exists")
        self.pending_keys.append(key)

    def remove_key(self, key_id: str) -> bool:
        for key in self.workspace_keys():
            if key.id == key_id:
                if key.revoked_at is None:
                    self.pending_keys.append(replace(key, revoked_at=datetime.now(UTC)))
                return True
        return False

    def workspace_keys(self) -> list[KeyRecord]:
        merged = {k.id: k for k in self._store.keys(self.workspace_id)}
        merged.update({k.id: k for k in self.pending_keys})
        return sorted(merged.values(), key=lambda k: (k.created_at, k.id))

    # settings
    def settings(self) -> WorkspaceSettings:
        return self._ws.record.settings

    def save_settings(self, settings: WorkspaceSettings) -> None:
        self._ws.record = replace(self._ws.record, settings=settings)

    # the whole graph in pages (GraphPages)
    def profiles_page(
        self, after_id: str | None, limit: int, *, tombstones: bool = False
    ) -> list[Profile]:
        found = sorted(
            (
                p
                for p in self._ws.graph.profiles.values()
                if (tombstones or p.merged_into is None) and (after_id is None or p.id > after_id)
            ),
            key=lambda p: p.id,
        )
        return found[:limit]

    def identifiers_page(self, after: IdentifierKey | None, limit: int) -> list[Identifier]:
        keys = sorted(k for k in self._ws.graph.identifiers if after is None or k > after)
        return [self._ws.graph.identifiers[k] for k in keys[:limit]]

    def memberships_page(self, after: tuple[str, str] | None, limit: int) -> list[Membership]:
        edges = sorted(
            Membership(g, m, seq)
            for (g, m), seq in self._ws.graph.memberships.items()
            if after is None or (g, m) > after
        )
        return edges[:limit]

    def undone_merges(self) -> dict[int, int]:
        return dict(self._ws.graph.undone)

    def graph_counts(self) -> GraphCounts:
        graph = self._ws.graph
        return GraphCounts(len(graph.profiles), len(graph.identifiers), len(graph.memberships))


class MemoryStore:
    """Everything in process memory; gone when the process ends."""

    def __init__(self) -> None:
        self._workspaces: dict[str, _Workspace] = {}
        self._keys: dict[str, KeyRecord] = {}
        # A transaction mutates a private copy. `_lock` keeps a copy or a swap from
        # interleaving with another swap (held briefly); `_writers` lets one writer at
        # a time work (held for the whole transaction, as SQLite's write lock is).
        self._lock = threading.RLock()
        self._writers = threading.RLock()

    @contextmanager
    def transaction(self, workspace_id: str, *, write: bool = True) -> Iterator[MemoryTransaction]:
        if not write:
            # A reader works on its own snapshot: it does not wait for a writer that is
            # still working (a heavy one runs in a worker thread), as in WAL or MVCC.
            with self._lock:
                snapshot = self._copy(workspace_id)
            yield MemoryTransaction(snapshot, self)
            return
        with self._writers:
            with self._lock:
                working = self._copy(workspace_id)
            tx = MemoryTransaction(working, self)
            yield tx
            with self._lock:
                self._workspaces[workspace_id] = working
                for key in tx.pending_keys:
                    self._keys[key.id] = key

    def _copy(self, workspace_id: str) -> _Workspace:
        current = self._workspaces.get(workspace_id)
        if current is None:
            raise AkaError(
                Code.WORKSPACE_NOT_FOUND,
                f"workspace {workspace_id!r} does not exist",
                field="workspace",
            )
        return copy.deepcopy(current)

    def migrate(self) -> None:
        """Nothing to migrate in memory."""

    def readiness(self) -> str | None:
        return None

    def create_workspace(self, workspace_id: str, settings: WorkspaceSettings) -> WorkspaceRecord:
        with self._lock:
            if workspace_id in self._workspaces:
                raise AkaError(
                    Code.WORKSPACE_EXISTS,
                    f"workspace {workspace_id!r} already exists",
                    field="id",
                )
            record = WorkspaceRecord(workspace_id, settings, datetime.now(UTC), 0)
            self._workspaces[workspace_id] = _Workspace(record)
            return record

    def workspace(self, workspace_id: str) -> WorkspaceRecord | None:
        found = self._workspaces.get(workspace_id)
        return found.record if found else None

    def workspaces(self) -> list[WorkspaceRecord]:
        return [w.record for _, w in sorted(self._workspaces.items())]

    def create_key(self, key: KeyRecord) -> None:
        with self._lock:
            if any(k.secret_hash == key.secret_hash for k in self._keys.values()):
                raise ValueError("a key with this hash already exists")
            self._keys[key.id] = key

    def key_by_hash(self, secret_hash: str) -> KeyRecord | None:
        return next((k for k in self._keys.values() if k.secret_hash == secret_hash), None)

    def key_by_id(self, key_id: str) -> KeyRecord | None:
        return self._keys.get(key_id)

    def keys(self, workspace_id: str) -> list[KeyRecord]:
        found = [k for k in self._keys.values() if k.workspace_id == workspace_id]
        return sorted(found, key=lambda k: (k.created_at, k.id))

    def revoke_key(self, workspace_id: str, key_id: str) -> bool:
        with self._lock:
            key = self._keys.get(key_id)
            if key is None or key.workspace_id != workspace_id:
                return False
            if key.revoked_at is None:
                self._keys[key_id] = replace(key, revoked_at=datetime.now(UTC))
            return True

    def close(self) -> None:
        """Nothing to release."""
