"""The store contract for workspaces, API keys and schema status, on every backend."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from aka.core.errors import AkaError, Code
from aka.core.ports import KeyRecord, Store
from aka.core.settings import MergePolicy, WorkspaceSettings

from .builders import key_record

T0 = datetime(2025, 3, 1, 12, 0, 0, 123456, tzinfo=UTC)


def a_key(key_id: str = "k1", **traits: Any) -> KeyRecord:
    """A key made at T0 unless told otherwise (`builders.key_record`)."""
    return key_record(key_id, **{"created_at": T0, **traits})


# --- workspaces -------------------------------------------------------------------------


def test_create_workspace_returns_the_new_record(store: Store) -> None:
    """A new workspace has no events yet, the given settings and a UTC creation time,
    and reads back as created."""
    record = store.create_workspace("acme", WorkspaceSettings(merge_policy=MergePolicy.AUTO))
    assert (record.id, record.last_seq) == ("acme", 0)
    assert record.settings.merge_policy is MergePolicy.AUTO
    assert record.created_at.tzinfo is not None
    assert store.workspace("acme") == record


def test_a_workspace_id_is_taken_once(store: Store) -> None:
    """Creating a workspace whose id exists is refused with WORKSPACE_EXISTS."""
    store.create_workspace("acme", WorkspaceSettings())
    with pytest.raises(AkaError) as caught:
        store.create_workspace("acme", WorkspaceSettings(merge_policy=MergePolicy.AUTO))
    assert caught.value.code is Code.WORKSPACE_EXISTS
    record = store.workspace("acme")
    assert record is not None
    assert record.settings.merge_policy is MergePolicy.REFUSE


def test_workspaces_are_listed_by_id(store: Store) -> None:
    """`workspaces()` lists every workspace sorted by id; an unknown id reads None."""
    for name in ("zeta", "acme", "mid"):
        store.create_workspace(name, WorkspaceSettings())
    assert [w.id for w in store.workspaces()] == ["acme", "mid", "zeta"]
    assert store.workspace("nope") is None


# --- keys -------------------------------------------------------------------------------


def test_a_key_is_found_by_its_hash(store: Store, ws: str) -> None:
    """A stored key reads back whole by the hash of its secret, revoked or not."""
    key = a_key(extra={"app_id": "m-1"})
    store.create_key(key)
    assert store.key_by_hash(key.secret_hash) == key
    assert store.key_by_hash("unknown") is None


def test_a_key_hash_is_stored_once(store: Store, ws: str) -> None:
    """A second key with the same hash is refused (a programming error: ValueError)."""
    store.create_key(a_key("k1", secret_hash="same"))
    with pytest.raises(ValueError, match="key"):
        store.create_key(a_key("k2", secret_hash="same"))
    assert [k.id for k in store.keys(ws)] == ["k1"]


def test_keys_are_listed_oldest_first_per_workspace(store: Store, ws: str) -> None:
    """`keys(workspace)` holds that workspace's keys only, oldest first."""
    store.create_workspace("other", WorkspaceSettings())
    store.create_key(a_key("late", created_at=T0 + timedelta(minutes=1)))
    store.create_key(a_key("early"))
    store.create_key(a_key("theirs", workspace_id="other"))
    assert [k.id for k in store.keys(ws)] == ["early", "late"]
    assert [k.id for k in store.keys("other")] == ["theirs"]
    assert store.keys("nope") == []


def test_revoking_a_key_marks_it_once(store: Store, ws: str) -> None:
    """Revoking stamps the time (a second revoke keeps the first stamp); a key of
    another workspace, or no key at all, is not revoked (False)."""
    store.create_workspace("other", WorkspaceSettings())
    store.create_key(a_key("k1"))
    assert store.revoke_key("other", "k1") is False
    assert store.revoke_key(ws, "nope") is False
    before = datetime.now(UTC)
    assert store.revoke_key(ws, "k1") is True
    revoked = store.key_by_hash("hash-of-k1")
    assert revoked is not None
    assert revoked.revoked_at is not None
    assert revoked.revoked_at >= before
    assert store.revoke_key(ws, "k1") is True
    again = store.key_by_hash("hash-of-k1")
    assert again is not None
    assert again.revoked_at == revoked.revoked_at
    assert store.keys(ws) == [again]


# --- schema status ----------------------------------------------------------------------


def test_migrate_is_idempotent_and_makes_the_store_ready(unmigrated_store: Store) -> None:
    """After `migrate()` (once or twice) the store is ready: readiness() is None."""
    unmigrated_store.migrate()
    unmigrated_store.migrate()
    assert unmigrated_store.readiness() is None


def test_a_store_behind_its_schema_says_why_it_is_not_ready(
    unmigrated_store: Store, backend: str
) -> None:
    """Before `migrate()`, readiness() is a sentence naming what to do."""
    if backend == "memory":
        pytest.skip("the memory twin has no schema to be behind")
    reason = unmigrated_store.readiness()
    assert reason is not None
    assert "migrate" in reason
