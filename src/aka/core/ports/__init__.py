"""The store port. The docstrings are the contract every backend must keep.

`tests/storage/test_store_contract*.py` run the same tests against each implementation
(memory, SQLite, PostgreSQL). Services talk only to these protocols; only `storage/`
builds SQL.

Here: the `Store`, and the `Transaction` with the graph, its event log and settings. The
records kept beside the graph have one small protocol each, in a module of its own
(`answers`, `keys`, `door_records`, `jobs`, `files`), which a transaction offers as an
attribute (ADR 0015). Every name is importable from `aka.core.ports`.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from aka.core.events import Change
from aka.core.model import Event, Identifier, IdentifierKey, Membership, Profile
from aka.core.ports.answers import Answers, StoredAnswer
from aka.core.ports.door_records import PushRecord, PushRecords, RequestIds
from aka.core.ports.files import FileRecord, Files
from aka.core.ports.jobs import JobRecord, Jobs
from aka.core.ports.keys import KeyRecord, Keys
from aka.core.settings import WorkspaceSettings
from aka.core.state import GraphState

__all__ = [
    "Answers",
    "FileRecord",
    "Files",
    "GraphCounts",
    "GraphPages",
    "JobRecord",
    "Jobs",
    "KeyRecord",
    "Keys",
    "PushRecord",
    "PushRecords",
    "RequestIds",
    "Store",
    "StoredAnswer",
    "Transaction",
    "WorkspaceRecord",
    "event_subjects",
]


@dataclass(frozen=True, slots=True)
class WorkspaceRecord:
    id: str
    settings: WorkspaceSettings
    created_at: datetime
    last_seq: int


def event_subjects(change: Change) -> tuple[str | None, str | None, int | None]:
    """(profile_id, other_profile_id, ref_seq) as stored and indexed for one event.

    `other_profile_id` lets history find a merge from either side; `ref_seq` links an
    unmerge to the merge it undid.
    """
    payload = change.payload
    other = payload.get("merge") or payload.get("member_id")
    ref = payload.get("merge_seq")
    return change.profile_id, other, int(ref) if ref is not None else None


@dataclass(frozen=True, slots=True)
class GraphCounts:
    """How many rows a workspace's graph holds (tombstones count as profiles)."""

    profiles: int
    identifiers: int
    memberships: int


class GraphPages(Protocol):
    """The whole graph of a workspace, read a page at a time (`aka export`, `aka check`).

    Keyset pages: each starts after the last key the previous one ended with, so every
    page costs what the first did and a reader holds one page, never the graph. Inside
    one transaction every page comes from the same snapshot."""

    def profiles_page(
        self, after_id: str | None, limit: int, *, tombstones: bool = False
    ) -> list[Profile]:
        """Up to `limit` live profiles (and tombstones too when `tombstones`) with
        id > `after_id` (all when None), in id order. Paging with the last id seen visits
        each profile once. (aka's ids are lower-case UUIDs, which every backend orders
        alike.)"""

    def identifiers_page(self, after: IdentifierKey | None, limit: int) -> list[Identifier]:
        """Up to `limit` identifiers, on live profiles and tombstones alike, with
        (namespace, value) after `after` (all when None), in (namespace, value) order.
        Paging with the last key seen visits each identifier once. The order is the
        database's: code points on SQLite and in memory, the columns' collation on
        PostgreSQL (the same for ASCII keys)."""

    def memberships_page(self, after: tuple[str, str] | None, limit: int) -> list[Membership]:
        """Up to `limit` edges with (group_id, member_id) > `after` (all when None), in
        (group_id, member_id) order."""

    def undone_merges(self) -> dict[int, int]:
        """Each undone merge's seq -> the seq of the latest unmerge that undid it (what
        replay leaves in `GraphState.undone`)."""

    def graph_counts(self) -> GraphCounts:
        """How many profiles, identifiers and memberships the workspace holds."""


class Transaction(GraphPages, Protocol):
    """One unit of work inside one workspace. Nothing is visible to others until the
    boundary that opened it commits; an exception rolls everything back."""

    workspace_id: str

    def savepoint(self) -> AbstractContextManager[None]:
        """A nested unit: if the block raises, its changes (events included) are undone
        and the exception propagates; the transaction itself goes on. Batches use it so
        one failing operation leaves the others standing."""

    # --- profiles ----------------------------------------------------------------
    def profile(self, profile_id: str) -> Profile | None:
        """The profile with this id, live or tombstone, or None."""

    def profile_by_external_id(self, external_id: str) -> Profile | None:
        """The profile (live or tombstone) holding this external id, or None."""

    def tombstones_of(self, profile_id: str) -> list[str]:
        """Ids of the tombstones that forward to this profile, sorted."""

    def lock_profiles(self, profile_ids: Sequence[str]) -> None:
        """Hold these profiles against concurrent writers until the end of the
        transaction, taking the locks in id order (no deadlocks). A no-op where the
        backend already serialises writers."""

    # --- identifiers -------------------------------------------------------------
    def identifier(self, key: IdentifierKey) -> Identifier | None:
        """The identifier with this normalised key, or None."""

    def identifiers_of(self, profile_id: str) -> list[Identifier]:
        """Every identifier the profile holds, sorted by (namespace, value)."""

    def identifiers_of_many(self, profile_ids: Collection[str]) -> list[Identifier]:
        """Every identifier held by any of these profiles, sorted by (namespace, value)."""

    def count_in_namespace(self, profile_id: str, namespace: str) -> int:
        """How many identifiers of this namespace the profile holds."""

    def identifiers_in_domain(self, namespace: str, domain: str, limit: int) -> list[Identifier]:
        """Up to `limit` identifiers of the namespace whose value ends with `@domain`
        (exactly, as stored), sorted by value."""

    # --- many at once (bulk paths: one statement per chunk, never one per item) -------
    def identifiers_by_keys(
        self, keys: Collection[IdentifierKey]
    ) -> dict[IdentifierKey, Identifier]:
        """The stored identifiers among these keys; absent keys are simply not in the map."""

    def profiles_by_ids(self, profile_ids: Collection[str]) -> dict[str, Profile]:
        """The profiles (live or tombstone) among these ids."""

    def profiles_by_external_ids(self, external_ids: Collection[str]) -> dict[str, Profile]:
        """The profiles (live or tombstone) holding these external ids, by external id."""

    # --- memberships -------------------------------------------------------------
    def memberships_touching(self, profile_id: str) -> list[Membership]:
        """Every edge where the profile is the group or the member, sorted."""

    def groups_of(self, member_ids: Collection[str]) -> list[Membership]:
        """Every edge whose member is one of these profiles, sorted."""

    # --- the event log -----------------------------------------------------------
    def append(self, change: Change) -> Event:
        """Record `change` as the workspace's next event (seq = last + 1, at = now, UTC,
        actor = change.actor)
        and apply its effect to the stored graph exactly as `GraphState.apply` does,
        in this transaction. Returns the event as stored."""

    def append_many(self, changes: Sequence[Change], at: datetime) -> list[Event]:
        """Exactly `append` of each change in order, all stamped `at`, as one unit: if
        any is refused (ReplayError), none is applied and no seq is used. Backends write
        the rows with multi-row statements; only `profile.created` and
        `identifier.linked` are guaranteed a fast path, other types may be appended one
        by one."""

    def last_seq(self) -> int:
        """The seq of the workspace's newest event (0 when there is none)."""

    def event(self, seq: int) -> Event | None:
        """The event with this sequence number, or None."""

    def events(self, after: int, limit: int) -> list[Event]:
        """Up to `limit` events with seq > after, in seq order (the change feed)."""

    def events_about(self, profile_ids: Collection[str]) -> list[Event]:
        """Events whose profile or other profile is one of these ids, in seq order."""

    def unmerge_of(self, merge_seq: int) -> int | None:
        """The seq of the event that undid this merge, or None."""

    def rewrite_payload(self, seq: int, payload: dict[str, Any]) -> None:
        """Replace one event's payload (only for redaction after a delete)."""

    def all_events(self) -> Iterator[Event]:
        """Every event of the workspace in seq order, read a page at a time."""

    def graph(self) -> GraphState:
        """The whole stored graph of the workspace at once (tests; `aka check` reads
        it in pages, `GraphPages`)."""

    # --- settings ----------------------------------------------------------------
    def settings(self) -> WorkspaceSettings:
        """The workspace's settings (defaults where never set)."""

    def save_settings(self, settings: WorkspaceSettings) -> None:
        """Store new settings for the workspace."""

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


class Store(Protocol):
    """A backend: opens transactions and keeps workspaces and keys."""

    def transaction(
        self, workspace_id: str, *, write: bool = True
    ) -> AbstractContextManager[Transaction]:
        """A unit of work in one workspace. `write=True` serialises against other
        writers of the workspace; reads never block. Raises AkaError
        WORKSPACE_NOT_FOUND for an unknown workspace."""

    def migrate(self) -> None:
        """Bring the schema to the newest revision (idempotent)."""

    def readiness(self) -> str | None:
        """None when the database answers and the schema is current; else why not."""

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
