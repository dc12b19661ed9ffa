"""Authentication reuses what it derived from a key record, never past a change to it,
and answers without the store only where the store keeps keys in memory (PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from aka.core.errors import AkaError, Code
from aka.core.ports import Store
from aka.security.auth import authenticate_secret, cached_principal
from aka.service import admin
from tests.backends import backend_params, open_backend


@pytest.fixture(params=backend_params())
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    store = open_backend(request.param, tmp_path)
    admin.create_workspace(store, "acme")
    yield store
    store.close()


def test_the_same_key_authenticates_as_the_same_principal_until_revoked(store: Store) -> None:
    issued = admin.issue_key(store, "acme", scopes=["identities:read"])
    first = authenticate_secret(store, issued.secret)
    again = authenticate_secret(store, issued.secret)
    assert again == first
    assert (again.key_id, again.workspace_id, again.scopes) == (
        issued.record.id,
        "acme",
        frozenset({"identities:read"}),
    )
    admin.revoke_key(store, "acme", issued.record.id)
    with pytest.raises(AkaError) as refused:
        authenticate_secret(store, issued.secret)
    assert refused.value.code is Code.UNAUTHENTICATED
    assert cached_principal(store, issued.secret) is None


def test_only_a_store_that_keeps_keys_in_memory_answers_without_asking(store: Store) -> None:
    """SQLite's lookup is a local read (it checks the file, then answers from memory),
    so nothing is offered ahead of it; PostgreSQL offers a key it read, as good as its
    last `validate_caches` (which a request awaits first)."""
    issued = admin.issue_key(store, "acme")
    assert cached_principal(store, issued.secret) is None
    principal = authenticate_secret(store, issued.secret)
    keeps_keys = hasattr(store, "cached_key")
    assert cached_principal(store, issued.secret) == (principal if keeps_keys else None)
    assert cached_principal(store, None) is None
    assert cached_principal(store, "aka_not_a_key") is None


def test_a_key_read_again_is_still_answered_without_asking(tmp_path: Path) -> None:
    """PostgreSQL reads a key's row again at each lookup: an equal record, not the same
    object. The principal made from the first must keep being answered from memory (it
    was not: every request after a second lookup took a worker-thread hop)."""
    from aka.storage.postgres import PostgresStore  # noqa: PLC0415
    from tests.backends import backend_url  # noqa: PLC0415

    store = PostgresStore(backend_url("postgres", tmp_path))
    try:
        admin.create_workspace(store, "acme")
        issued = admin.issue_key(store, "acme")
        principal = authenticate_secret(store, issued.secret)
        assert authenticate_secret(store, issued.secret) == principal  # read again
        assert cached_principal(store, issued.secret) == principal
    finally:
        store.close()
