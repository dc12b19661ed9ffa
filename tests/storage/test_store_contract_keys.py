"""Contract: a workspace's API keys as its transactions see them (`tx.keys`), and the
store's own look-ups, on every backend."""

from __future__ import annotations

from dataclasses import replace

import pytest

from aka.core.ports import Store
from aka.core.settings import WorkspaceSettings
from aka.service import admin
from aka.service.admin import new_key


def test_keys_can_be_managed_inside_a_transaction(store: Store, ws: str) -> None:
    """A key added in a transaction is found by its hash after commit, listed for its
    workspace, and revoked in a later transaction; revoking an unknown key is False."""
    issued = new_key(ws, name="ci")
    with store.transaction(ws) as tx:
        tx.keys.add(issued.record)
    found = store.key_by_hash(issued.record.secret_hash)
    assert found is not None
    assert found.id == issued.record.id
    with store.transaction(ws) as tx:
        assert [k.id for k in tx.keys.all()] == [issued.record.id]
        assert tx.keys.revoke(issued.record.id) is True
        assert tx.keys.revoke("key_missing") is False
    revoked = store.key_by_hash(issued.record.secret_hash)
    assert revoked is not None
    assert revoked.revoked_at is not None


def test_a_key_added_in_a_rolled_back_transaction_is_not_kept(store: Store, ws: str) -> None:
    """Keys commit with the transaction that made them, or not at all."""
    issued = new_key(ws)

    def failing_request() -> None:
        with store.transaction(ws) as tx:
            tx.keys.add(issued.record)
            raise RuntimeError("the request failed")

    with pytest.raises(RuntimeError):
        failing_request()
    assert store.key_by_hash(issued.record.secret_hash) is None


def test_a_transaction_sees_its_own_key_changes_and_keeps_the_first_revocation(
    store: Store, ws: str
) -> None:
    """A key added in a transaction is listed by it before the commit; revoking a
    revoked key is True and keeps the time it was first revoked; another workspace's
    transaction neither lists nor revokes it."""
    issued = new_key(ws, name="ci")
    with store.transaction(ws) as tx:
        tx.keys.add(issued.record)
        assert [k.id for k in tx.keys.all()] == [issued.record.id]
    with store.transaction(ws) as tx:
        assert tx.keys.revoke(issued.record.id) is True
    first = store.key_by_hash(issued.record.secret_hash)
    assert first is not None
    assert first.revoked_at is not None
    with store.transaction(ws) as tx:
        assert tx.keys.revoke(issued.record.id) is True
    assert store.key_by_hash(issued.record.secret_hash) == first
    store.create_workspace("other", WorkspaceSettings())
    with store.transaction("other") as tx:
        assert tx.keys.all() == []
        assert tx.keys.revoke(issued.record.id) is False


def test_a_key_whose_hash_is_taken_is_refused(store: Store, ws: str) -> None:
    """Secret hashes are unique across workspaces: adding a second key with a stored
    hash is a ValueError, and the transaction goes on without it."""
    first = new_key(ws).record
    with store.transaction(ws) as tx:
        tx.keys.add(first)
    twin = replace(new_key(ws).record, secret_hash=first.secret_hash)
    with store.transaction(ws) as tx:
        with pytest.raises(ValueError, match="key"):
            tx.keys.add(twin)
        assert [k.id for k in tx.keys.all()] == [first.id]


def test_key_by_id_finds_a_key_in_any_workspace(store: Store, ws: str) -> None:
    """The signed doors name their key by id: found whatever its workspace."""
    issued = admin.issue_key(store, ws, name="k")
    assert store.key_by_id(issued.record.id) == issued.record
    assert store.key_by_id("key_nope") is None


def test_a_keys_namespace_limit_is_stored_with_it_and_read_back_by_every_lookup(
    store: Store, ws: str
) -> None:
    """A key's `namespaces` (ADR 0026) come back as stored from every way a key is read
    (by hash, the lookup of every request, kept in memory per ADR 0021; by id; listed),
    and a key without a limit reads back as None, not an empty list."""
    limited = new_key(ws, name="crm", namespaces=["email", "crm_*"]).record
    plain = new_key(ws, name="all").record
    with store.transaction(ws) as tx:
        tx.keys.add(limited)
        tx.keys.add(plain)
    for _ in range(2):  # the second lookup may answer from what the store kept
        by_hash = store.key_by_hash(limited.secret_hash)
        assert by_hash is not None
        assert by_hash.namespaces == ("email", "crm_*")
        unlimited = store.key_by_hash(plain.secret_hash)
        assert unlimited is not None
        assert unlimited.namespaces is None
    by_id = store.key_by_id(limited.id)
    assert by_id is not None
    assert by_id.namespaces == ("email", "crm_*")
    listed = {k.id: k.namespaces for k in store.keys(ws)}
    assert listed == {limited.id: ("email", "crm_*"), plain.id: None}
    with store.transaction(ws) as tx:
        assert {k.id: k.namespaces for k in tx.keys.all()} == listed
