"""The store port. The docstrings are the contract every backend must keep.

`tests/storage/test_store_contract*.py` run the same tests against each implementation
(memory, SQLite, PostgreSQL). Services talk only to these protocols; only `storage/`
builds SQL.

One small protocol per noun, each in a module of its own (ADR 0015): the graph's reads
and pages (`graph`), the event log (`event_log`), and the records kept beside the graph
(`answers`, `keys`, `door_records`, `jobs`, `files`, `webhooks`). Here: the `Store`, and the
`Transaction` that composes them with what belongs to the unit of work itself
(savepoints, locks, saving settings). Every name is importable from `aka.core.ports`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, TypeVar

from aka.core.ports.answers import Answers, StoredAnswer
from aka.core.ports.door_records import PushRecord, PushRecords, RequestIds
from aka.core.ports.event_log import EventLog, EventLogReads, event_subjects
from aka.core.ports.files import FileRecord, Files
from aka.core.ports.graph import GraphCounts, GraphPages, GraphReads
from aka.core.ports.history import GraphHistory
from aka.core.ports.jobs import JobRecord, Jobs
from aka.core.ports.keys import KeyRecord, Keys, KeysInMemory
from aka.core.ports.webhooks import DeliveryRecord, WebhookRecord, Webhooks
from aka.core.settings import WorkspaceSettings

__all__ = [
    "Answers",
    "DeliveryRecord",
    "EventLog",
    "EventLogReads",
    "FileRecord",
    "Files",
    "GraphCounts",
    "GraphHistory",
    "GraphPages",
    "GraphReads",
    "JobRecord",
    "Jobs",
    "KeyRecord",
    "Keys",
    "KeysInMemory",
    "PushRecord",
    "PushRecords",
    "ReadView",
    "RequestIds",
    "Store",
    "StoredAnswer",
    "Transaction",
    "WebhookRecord",
    "Webhooks",
    "WorkspaceRecord",
    "event_subjects",
]


T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class WorkspaceRecord:
    id: str
    settings: WorkspaceSettings
    created_at: datetime
    last_seq: int


# Protocol inheritance below is typing only: it says what a transaction offers, and a
# backend is checked against it structurally (mypy), never by subclassing. No class
# inherits behaviour from these.


class ReadView(GraphReads, GraphPages, EventLogReads, GraphHistory, Protocol):
    """Everything a transaction offers for reading: the graph, one row or a page at a
    time, and its history (the log, and the graph as it was: `GraphHistory`). Read use
    cases (history, explain, `aka check`) take this, so
    the type checker holds them to reading; every `Transaction` is one."""


class Transaction(ReadView, EventLog, Protocol):
    """One unit of work inside one workspace: `GraphReads` + `GraphPages` + `EventLog`,
    and what belongs to the unit itself. Nothing is visible to others until the boundary
    that opened it commits; an exception rolls everything back."""

    def savepoint(self) -> AbstractContextManager[None]:
        """A nested unit: if the block raises, its changes (events included) are undone
        and the exception propagates; the transaction itself goes on. Batches use it so
        one failing operation leaves the others standing."""

    def lock_profiles(self, profile_ids: Sequence[str]) -> None:
        """Hold these profiles against concurrent writers until the end of the
        transaction, taking the locks in id order (no deadlocks). A no-op where the
        backend already serialises writers."""

    def save_settings(self, settings: WorkspaceSettings) -> None:
        """Store new settings for the workspace (`settings()` reads them)."""

    # --- records beside the graph: one small port per noun (not graph data: no events).
    # Reached as attributes, so a use case names the noun it touches
    # (`tx.jobs.save(job)`), and each backend composes them instead of stacking them.
    @property
    def answers(self) -> Answers:
        """Answers to `Idempotency-Key`s."""

    @property
    def keys(self) -> Keys:
        """This workspace's API keys."""

    @property
    def request_ids(self) -> RequestIds:
        """Signed requests' ids seen lately (Mimecast)."""

    @property
    def push_records(self) -> PushRecords:
        """What each Coveo push wrote."""

    @property
    def jobs(self) -> Jobs:
        """Background jobs."""

    @property
    def files(self) -> Files:
        """File containers and their content."""

    @property
    def webhooks(self) -> Webhooks:
        """Webhooks and their deliveries."""


class Store(Protocol):
    """A backend: opens transactions and keeps workspaces and keys."""

    def transaction(
        self, workspace_id: str, *, write: bool = True
    ) -> AbstractContextManager[Transaction]:
        """A unit of work in one workspace. `write=True` serialises against other
        writers of the workspace; reads never block. Raises AkaError
        WORKSPACE_NOT_FOUND for an unknown workspace."""

    def read(self, workspace_id: str, work: Callable[[ReadView], T], *, several: bool = False) -> T:
        """`work`'s answer on a read-only view of the workspace, as one snapshot: what
        `transaction(write=False)` gives it, or less where less is the same (a backend
        may first try `work` outside a transaction, where one statement is its own
        snapshot, and run it again in a transaction when it needs a second). So `work`
        only reads, and may run twice. `several`: the caller knows `work` makes more
        than one statement, so it goes straight to a transaction. Raises as
        `transaction` does."""

    def migrate(self) -> list[str]:
        """Bring the schema to the newest revision (idempotent) and return the revisions
        this call applied, oldest first: none when the schema was current, another
        process migrated it first, or a later release did (then it is left as it is)."""

    def readiness(self) -> str | None:
        """None when the database answers and the schema is current, or newer (a later
        release's, during a rolling upgrade or after a rollback); else why not."""

    def create_workspace(self, workspace_id: str, settings: WorkspaceSettings) -> WorkspaceRecord:
        """Create a workspace; AkaError WORKSPACE_EXISTS when the id is taken."""

    def workspace(self, workspace_id: str) -> WorkspaceRecord | None:
        """The workspace, or None."""

    def workspaces(self) -> list[WorkspaceRecord]:
        """Every workspace, sorted by id."""

    def create_key(self, key: KeyRecord) -> None:
        """Store a new key record (its hash must be unique)."""

    def key_by_hash(self, secret_hash: str) -> KeyRecord | None:
        """The key (revoked or not) whose secret hashes to this, or None."""

    def keys(self, workspace_id: str) -> list[KeyRecord]:
        """The workspace's keys, revoked ones included, oldest first."""

    def revoke_key(self, workspace_id: str, key_id: str) -> bool:
        """Mark the key revoked now; False when the workspace has no such key."""

    def close(self) -> None:
        """Release connections."""

    def key_by_id(self, key_id: str) -> KeyRecord | None:
        """The key (revoked or not) with this id, in any workspace, or None. Signed
        doors (Mimecast) name their key by id instead of sending a secret."""
