"""The memory twin of the SQL stores: the same contract, kept in dicts, for fast tests.

Each workspace's graph is a `GraphState` that changes only through `apply`, so this
store is the reference reading of every event. A transaction works on a deep copy and
swaps it in on commit, which gives all-or-nothing without any undo bookkeeping.
"""

from __future__ import annotations

import bisect
import copy
import threading
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, TypeVar

from aka.core.errors import AkaError, Code
from aka.core.events import Change
from aka.core.history import IdentifierHistory
from aka.core.history import step as history_step
from aka.core.model import Event, Identifier, IdentifierKey, Membership, Profile
from aka.core.ports import (
    DeliveryRecord,
    FileRecord,
    GraphCounts,
    JobRecord,
    KeyRecord,
    PushRecord,
    ReadView,
    StoredAnswer,
    WebhookRecord,
    WorkspaceRecord,
    event_subjects,
)
from aka.core.settings import WorkspaceSettings
from aka.core.state import GraphState
from aka.storage.memory_records import (
    MemoryAnswers,
    MemoryFiles,
    MemoryJobs,
    MemoryKeys,
    MemoryPushRecords,
    MemoryRequestIds,
    MemoryWebhooks,
)

T = TypeVar("T")


@dataclass
class _Workspace:
    record: WorkspaceRecord
    graph: GraphState = field(default_factory=GraphState)
    history: IdentifierHistory = field(default_factory=IdentifierHistory)
    events: list[Event] = field(default_factory=list)
    answers: dict[str, StoredAnswer] = field(default_factory=dict)
    requests: dict[str, datetime] = field(default_factory=dict)  # request id -> expiry
    pushes: dict[IdentifierKey, PushRecord] = field(default_factory=dict)
    jobs: dict[str, JobRecord] = field(default_factory=dict)
    files: dict[str, FileRecord] = field(default_factory=dict)
    chunks: dict[tuple[str, int], bytes] = field(default_factory=dict)
    hooks: dict[str, WebhookRecord] = field(default_factory=dict)
    deliveries: dict[tuple[str, str], DeliveryRecord] = field(default_factory=dict)

    def books(self) -> tuple[dict[Any, Any], ...]:
        """The records kept beside the graph (what a savepoint saves besides it)."""
        return (
            *(self.answers, self.requests, self.pushes, self.jobs, self.files, self.chunks),
            *(self.hooks, self.deliveries),
        )


class MemoryTransaction:
    def __init__(self, workspace: _Workspace, store: MemoryStore) -> None:
        self.workspace_id = workspace.record.id
        self._ws = workspace
        self.answers = MemoryAnswers(workspace.answers)
        self.keys = MemoryKeys(store, self.workspace_id)
        self.request_ids = MemoryRequestIds(workspace.requests)
        self.push_records = MemoryPushRecords(workspace.pushes)
        self.jobs = MemoryJobs(workspace.jobs)
        self.files = MemoryFiles(workspace.files, workspace.chunks)
        self.webhooks = MemoryWebhooks(workspace.hooks, workspace.deliveries)

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        saved = (
            copy.deepcopy(self._ws.graph),
            copy.deepcopy(self._ws.history),
            list(self._ws.events),
            self._ws.record,
        )
        # The record twins hold these very dicts and list: they are restored in place.
        books = self._ws.books()
        saved_books = [dict(book) for book in books]
        saved_keys = list(self.keys.pending)
        try:
            yield
        except BaseException:
            self._ws.graph, self._ws.history, self._ws.events, self._ws.record = saved
            for book, before in zip(books, saved_books, strict=True):
                book.clear()
                book.update(before)
            self.keys.pending[:] = saved_keys
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
        profiles = self._ws.graph.profiles
        return {
            ext: profiles[holders[0]] for ext in external_ids if (holders := profiles.holders(ext))
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
        graph = self._ws.graph
        journal = graph.journal()
        mark, undone = journal.mark(), dict(graph.undone)
        try:
            steps = [history_step(graph, event) for event in written]
        except BaseException:
            journal.undo_to(mark)
            graph.undone = undone
            raise
        journal.forget()  # a savepoint here copies the graph instead
        for done in steps:  # the identifier history, once every event applied
            self._ws.history.take(done)
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

    # the graph as it was (GraphHistory)
    def identifier_at(self, key: IdentifierKey, seq: int) -> Identifier | None:
        return self._ws.history.at(key, seq)

    def identifiers_at(self, profile_id: str, seq: int) -> list[Identifier]:
        return self._ws.history.of_profile(profile_id, seq)

    def profile_events(self, profile_id: str, seq: int) -> list[Event]:
        return [e for e in self.events_about([profile_id]) if e.seq <= seq]

    def holders_ever(self, keys: Collection[IdentifierKey]) -> set[str]:
        return self._ws.history.holders(keys)

    def seq_at(self, at: datetime) -> int:
        found = [e for e in self._ws.events if e.at <= at]
        return max(found, key=lambda e: (e.at, e.seq)).seq if found else 0

    def graph(self) -> GraphState:
        return copy.deepcopy(self._ws.graph)

    # identifiers in a domain (Mimecast's users)
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

    def profiles_with_field(self, name: str, value: str, limit: int) -> list[Profile]:
        found = sorted(
            (
                p
                for p in self._ws.graph.profiles.values()
                if p.merged_into is None
                and p.attributes.get(name) == value
                and isinstance(p.attributes.get(name), str)
            ),
            key=lambda p: p.id,
        )
        return found[:limit]

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

    def read(self, workspace_id: str, work: Callable[[ReadView], T], *, several: bool = False) -> T:
        del several  # one lock either way
        with self.transaction(workspace_id, write=False) as tx:
            return work(tx)

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
                for key in tx.keys.pending:
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

    def migrate(self) -> list[str]:
        """Nothing to migrate in memory."""
        return []

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
