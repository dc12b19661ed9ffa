"""Workspaces, API keys and first-start bootstrap."""

from __future__ import annotations

import pytest

from aka.core.errors import AkaError, Code
from aka.core.ports import Store
from aka.core.settings import MergePolicy
from aka.security.keys import ALL_SCOPES, DEFAULT_SCOPES, hash_secret
from aka.service import admin


def test_bootstrap_creates_default_and_an_admin_key_once(empty_store: Store) -> None:
    """First start: workspace `default` and a key with every scope but `metrics:read`
    (given only when named); later starts: nothing."""
    issued = admin.bootstrap(empty_store, None)
    assert issued is not None
    assert [w.id for w in empty_store.workspaces()] == ["default"]
    assert issued.record.workspace_id == "default"
    assert issued.record.scopes == DEFAULT_SCOPES
    assert set(ALL_SCOPES) - set(DEFAULT_SCOPES) == {"metrics:read"}
    assert issued.secret.startswith("aka_")
    assert empty_store.key_by_hash(hash_secret(issued.secret)) == issued.record
    assert admin.bootstrap(empty_store, None) is None
    assert len(empty_store.keys("default")) == 1


def test_keys_are_stored_only_as_a_hash(empty_store: Store) -> None:
    """The record holds the hash and a short prefix to tell keys apart, never the secret."""
    issued = admin.bootstrap(empty_store, None)
    assert issued is not None
    record = empty_store.keys("default")[0]
    assert issued.secret not in repr(record)
    assert record.secret_hash == hash_secret(issued.secret)
    assert issued.secret.startswith(record.prefix)
    assert len(record.prefix) < len(issued.secret)


def test_bootstrap_honours_a_given_admin_secret(empty_store: Store) -> None:
    """AKA_ADMIN_KEY: the operator's chosen secret is the admin key."""
    issued = admin.bootstrap(empty_store, "aka_operator-chosen")
    assert issued is not None
    assert issued.secret == "aka_operator-chosen"
    found = empty_store.key_by_hash(hash_secret("aka_operator-chosen"))
    assert found is not None
    assert found.workspace_id == "default"


def test_a_new_admin_secret_is_added_to_an_existing_store_once(empty_store: Store) -> None:
    """Setting AKA_ADMIN_KEY on a running installation makes that key work."""
    first = admin.bootstrap(empty_store, None)
    assert first is not None
    added = admin.bootstrap(empty_store, "aka_set-later")
    assert added is not None
    assert added.secret == "aka_set-later"
    assert admin.bootstrap(empty_store, "aka_set-later") is None
    assert len(empty_store.keys("default")) == 2
    assert [w.id for w in empty_store.workspaces()] == ["default"]


def test_create_workspace_validates_the_id_and_the_settings(empty_store: Store) -> None:
    """Slug ids only; taken ids and invalid settings are refused."""
    record = admin.create_workspace(empty_store, "acme-eu_1", {"merge_policy": "auto"})
    assert record.settings.merge_policy is MergePolicy.AUTO
    assert empty_store.workspace("acme-eu_1") is not None
    for bad in ("", "Acme", "-acme", "a" * 64, "a b", 7):
        with pytest.raises(AkaError) as caught:
            admin.create_workspace(empty_store, bad)
        assert (caught.value.code, caught.value.field) == (Code.INVALID_INPUT, "id")
    with pytest.raises(AkaError) as caught:
        admin.create_workspace(empty_store, "acme-eu_1")
    assert caught.value.code is Code.WORKSPACE_EXISTS
    with pytest.raises(AkaError) as caught:
        admin.create_workspace(empty_store, "other", {"merge_policy": "never"})
    assert (caught.value.code, caught.value.field) == (Code.SETTINGS_INVALID, "merge_policy")


def test_keys_carry_the_scopes_asked_for(store: Store) -> None:
    """Repeated scopes are stored once."""
    issued = admin.issue_key(
        store, "default", name="reader", scopes=["identities:read", "identities:read"]
    )
    assert issued.record.scopes == ("identities:read",)
    assert issued.record.name == "reader"


@pytest.mark.parametrize(
    ("scopes", "field"),
    [
        (["identities:read", "identities:everything"], "scopes[1]"),
        ([], "scopes"),
        ("identities:read", "scopes"),
        ([1], "scopes"),
    ],
)
def test_scopes_are_validated(store: Store, scopes: object, field: str) -> None:
    """Unknown, empty or malformed scopes are refused, naming the field; nothing is stored."""
    with pytest.raises(AkaError) as caught:
        admin.issue_key(store, "default", scopes=scopes)
    assert (caught.value.code, caught.value.field) == (Code.INVALID_INPUT, field)
    assert store.keys("default") == []


def test_an_unknown_scope_error_lists_the_known_ones(store: Store) -> None:
    """The message tells the caller what would have been accepted."""
    with pytest.raises(AkaError) as caught:
        admin.check_scopes(["nope"])
    for scope in ALL_SCOPES:
        assert scope in caught.value.message


def test_keys_need_an_existing_workspace_and_a_short_name(store: Store) -> None:
    """No key for a workspace that does not exist; names are at most 200 characters."""
    with pytest.raises(AkaError) as caught:
        admin.issue_key(store, "nowhere")
    assert caught.value.code is Code.WORKSPACE_NOT_FOUND
    with pytest.raises(AkaError) as caught:
        admin.issue_key(store, "default", name="n" * 201)
    assert (caught.value.code, caught.value.field) == (Code.INVALID_INPUT, "name")


def test_revoking_a_key_marks_it_and_only_in_its_workspace(store: Store) -> None:
    """Revoking is idempotent and cannot reach across workspaces."""
    admin.create_workspace(store, "other")
    issued = admin.issue_key(store, "default")
    with pytest.raises(AkaError) as caught:
        admin.revoke_key(store, "other", issued.record.id)
    assert caught.value.code is Code.KEY_NOT_FOUND
    admin.revoke_key(store, "default", issued.record.id)
    found = store.key_by_hash(hash_secret(issued.secret))
    assert found is not None
    assert found.revoked_at is not None
    admin.revoke_key(store, "default", issued.record.id)  # idempotent
