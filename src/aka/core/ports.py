"""The store port. The docstrings are the contract every backend must keep.

`tests/storage/test_store_contract.py` runs the same tests against each implementation
(memory, SQLite, PostgreSQL). Services talk only to these protocols; only `storage/`
builds SQL.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from aka.core.events import Change
from aka.core.model import Event, Identifier, IdentifierKey, Membership, Profile
from aka.core.scrub import Scrubber
from aka.core.settings import WorkspaceSettings
from aka.core.state import GraphState


@dataclass(frozen=True, slots=True)
class WorkspaceRecord:
    id: str
    settings: WorkspaceSettings
    created_at: datetime
    last_seq: int


@dataclass(frozen=True, slots=True)
class KeyRecord:
    """An API key as stored: never the secret, only its SHA-256 hash."""

    id: str
    workspace_id: str
    name: str
    prefix: str  # the first characters of the secret, shown to help people tell keys apart
    secret_hash: str
    scopes: tuple[str, ...]
    created_at: datetime
    revoked_at: datetime | None = None
    extra: dict[str, Any] | None = None  # dialect credentials (e.g. Mimecast app id)


@dataclass(frozen=True, slots=True)
class StoredAnswer:
    """The first answer given to an `Idempotency-Key`, replayed to its retries."""

    request_hash: str  # what the first request was; a different one may not reuse the key
    status: int
    headers: list[tuple[str, str]]
    body: bytes
    created_at: datetime
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class PushRecord:
    """What the last Coveo push applied to one identity wrote: its `orderingId`, and the
    groups its `wellKnowns` granted (sorted), which the next push replaces."""

    ordering_id: int
    granted: tuple[IdentifierKey, ...] = ()


@dataclass(frozen=True, slots=True)
class JobRecord:
    """A background job of one workspace. `done` items are applied (the resume point);
    `errors` keeps the first failures, each `{"item": n, "code", "message"}`."""

    id: str
    kind: str
    status: str  # queued, running, done, failed
    params: dict[str, Any]
    created_at: datetime
    updated_at: datetime
    done: int = 0
    failed: int = 0
    total: int | None = None  # known once the whole input was read
    errors: tuple[dict[str, Any], ...] = ()
    lease_until: datetime | None = None  # a running job whose lease passed is resumed


@dataclass(frozen=True, slots=True)
class FileRecord:
    """A file container: written through an upload URL holding the token whose hash is
    kept here, until `expires_at`. `size` is None until an upload completed."""

    id: str
    token_hash: str
    created_at: datetime
    expires_at: datetime
    size: int | None = None


def event_subjects(change: Change) -> tuple[str | None, str | None, int | None]:
    """(profile_id, other_profile_id, ref_seq) as stored and indexed for one event.

    `other_profile_id` lets history find a merge from either side; `ref_seq` links an
    unmerge to the merge it undid.
    """
    payload = change.payload
    other = payload.get("merge") or payload.get("member_id")
    ref = payload.get("merge_seq")
    return change.profile_id, other, int(ref) if ref is not None else None


class Transaction(Protocol):
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
        """Every event of the workspace in seq order (for replay checks)."""

    def graph(self) -> GraphState:
        """The whole stored graph of the workspace, for invariant checks."""

    # --- idempotency ---------------------------------------------------------------
    def stored_answer(self, key: str, now: datetime) -> StoredAnswer | None:
        """The answer stored under this idempotency key, unless it expired by `now`."""

    def store_answer(self, key: str, answer: StoredAnswer) -> None:
        """Store the answer to an idempotency key (replacing an expired one)."""

    def purge_answers(self, now: datetime) -> int:
        """Forget answers that expired by `now`; how many were removed."""

    def scrub_answers(self, scrubber: Scrubber) -> int:
        """Erasure: every stored answer of this workspace (expired or not) that holds one
        of the person's values keeps its key, status and request hash, with its body and
        headers cleaned by `scrubber` (a retry still replays, never redoes, the work); an
        answer whose key itself holds a value is removed. How many were changed."""

    # --- keys of this workspace ----------------------------------------------------
    def add_key(self, key: KeyRecord) -> None:
        """Store a new key of this workspace (its hash must be unique)."""

    def remove_key(self, key_id: str) -> bool:
        """Mark this workspace's key revoked now; False when it has no such key."""

    def workspace_keys(self) -> list[KeyRecord]:
        """This workspace's keys, revoked ones included, oldest first."""

    # --- settings ----------------------------------------------------------------
    def settings(self) -> WorkspaceSettings:
        """The workspace's settings (defaults where never set)."""

    def save_settings(self, settings: WorkspaceSettings) -> None:
        """Store new settings for the workspace."""

    # --- dialect bookkeeping (not graph data: no events) -----------------------------
    def remember_request(self, request_id: str, now: datetime, expires_at: datetime) -> bool:
        """Record a signed request's id until `expires_at`. True when the id is new (or
        its earlier record expired by `now`); False when it is still remembered: a
        replay. Of two transactions recording one id at once, exactly one gets True."""

    def purge_requests(self, now: datetime) -> int:
        """Forget request ids whose record expired by `now`; how many were removed."""

    def push_record(self, key: IdentifierKey) -> PushRecord | None:
        """What the last Coveo push wrote for this identity, or None."""

    def save_push_record(self, key: IdentifierKey, record: PushRecord) -> None:
        """Record (replacing) what the push just applied to this identity wrote."""

    def pushed_before(self, namespace: str, ordering_id: int) -> list[IdentifierKey]:
        """Keys of the namespace whose push record's ordering id is below `ordering_id`,
        sorted by value."""

    def forget_push_records(self, keys: Collection[IdentifierKey]) -> int:
        """Remove the push records of these identities (erasure); how many were removed."""

    def identifiers_in_domain(self, namespace: str, domain: str, limit: int) -> list[Identifier]:
        """Up to `limit` identifiers of the namespace whose value ends with `@domain`
        (exactly, as stored), sorted by value."""

    # --- background jobs ---------------------------------------------------------------
    def add_job(self, job: JobRecord) -> None:
        """Store a new job of this workspace."""

    def job(self, job_id: str) -> JobRecord | None:
        """This workspace's job with this id, or None."""

    def save_job(self, job: JobRecord) -> None:
        """Replace the stored job with this id by `job` (progress, status, lease)."""

    def runnable_jobs(self, now: datetime) -> list[str]:
        """Ids of jobs that are queued, or running with a lease that passed by `now`,
        oldest first."""

    def scrub_jobs(self, scrubber: Scrubber) -> int:
        """Erasure: clean the params and per-item errors of every job of this workspace
        that holds one of the person's values. How many jobs were changed."""

    # --- file containers -----------------------------------------------------------------
    def add_file(self, file: FileRecord) -> None:
        """Store a new, empty file container of this workspace."""

    def file(self, file_id: str) -> FileRecord | None:
        """This workspace's file container, or None."""

    def write_file_chunk(self, file_id: str, n: int, data: bytes) -> None:
        """Store chunk `n` (0, 1, ...) of the container's content; chunk 0 first drops
        whatever an earlier upload left."""

    def finish_file(self, file_id: str, size: int) -> None:
        """Mark the container's upload complete with `size` bytes."""

    def file_chunk(self, file_id: str, n: int) -> bytes | None:
        """Chunk `n` of the container's content, or None past the last one."""

    def remove_file(self, file_id: str) -> None:
        """Forget the container and its content."""

    def purge_files(self, now: datetime) -> int:
        """Remove every container of this workspace expired at `now`, with its content
        (an expired upload is never applied). How many were removed."""

    # --- paging through the live graph (export) ---------------------------------------
    def profiles_page(self, after_id: str | None, limit: int) -> list[Profile]:
        """Up to `limit` live profiles (no tombstones) with id > `after_id` (all when
        None), in id order. Paging with the last id seen visits each live profile once.
        (aka's ids are lower-case UUIDs, which every backend orders alike.)"""

    def memberships_page(self, after: tuple[str, str] | None, limit: int) -> list[Membership]:
        """Up to `limit` edges with (group_id, member_id) > `after` (all when None), in
        (group_id, member_id) order."""


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
