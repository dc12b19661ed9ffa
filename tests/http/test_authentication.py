"""Every door authenticates a request through `principal_of`: a key the store holds in
memory (PostgreSQL, once `validate_caches` found it current) is answered without a store
call, so without a worker-thread hop; anything else is looked up, on every backend, and a
revocation made through any process is refused by the next request either way
(ADR 0021)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.backends import backend_params, backend_url, open_backend, sql_backend_params

from aka.config import Settings
from aka.core.errors import AkaError, Code
from aka.core.ports import KeyRecord, Store
from aka.engine.runtime import Runtime
from aka.http.authentication import principal_of
from aka.service import admin
from aka.storage import open_store
from aka.storage.postgres import PostgresStore

pytestmark = pytest.mark.anyio


class LookupCountingStore:
    """A real store that counts its key lookups (`key_by_hash`)."""

    def __init__(self, inner: Store) -> None:
        self.inner = inner
        self.lookups = 0

    def key_by_hash(self, secret_hash: str) -> KeyRecord | None:
        self.lookups += 1
        return self.inner.key_by_hash(secret_hash)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


@pytest.fixture(params=backend_params())
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[LookupCountingStore]:
    inner = open_backend(request.param, tmp_path)
    admin.create_workspace(inner, "acme")
    yield LookupCountingStore(inner)
    inner.close()


def _runtime(store: LookupCountingStore) -> Runtime:
    networked = isinstance(store.inner, PostgresStore)
    return Runtime(store, Settings(database_url="memory://"), offload=networked)  # type: ignore[arg-type]


async def test_a_key_held_in_memory_is_answered_without_a_lookup(
    store: LookupCountingStore,
) -> None:
    """The second request of a key looks it up again where the lookup is a local read
    (SQLite, which checks the file and then answers from its memory; the memory twin);
    PostgreSQL answers it from memory after one shared round trip."""
    rt = _runtime(store)
    issued = admin.issue_key(store.inner, "acme", scopes=["identities:write"])
    first = await principal_of(rt, issued.secret)
    assert (first.key_id, first.workspace_id) == (issued.record.id, "acme")
    assert store.lookups == 1
    again = await principal_of(rt, issued.secret)
    assert again == first
    keeps_keys = hasattr(store.inner, "cached_key")
    assert store.lookups == (1 if keeps_keys else 2)


async def test_a_key_revoked_through_this_process_is_refused_at_once(
    store: LookupCountingStore,
) -> None:
    """Even right after it was answered from memory."""
    rt = _runtime(store)
    issued = admin.issue_key(store.inner, "acme")
    await principal_of(rt, issued.secret)
    await principal_of(rt, issued.secret)
    admin.revoke_key(store.inner, "acme", issued.record.id)
    with pytest.raises(AkaError) as refused:
        await principal_of(rt, issued.secret)
    assert refused.value.code is Code.UNAUTHENTICATED


@pytest.mark.parametrize("backend", sql_backend_params())
async def test_a_key_revoked_through_another_process_is_refused_by_the_next_request(
    backend: str, tmp_path: Path
) -> None:
    """Another store on the same database stands for another process (a server, the
    CLI): its revocation reaches this process's very next request, however warm."""
    url = backend_url(backend, tmp_path)
    here, elsewhere = open_store(url), open_store(url)
    try:
        admin.create_workspace(here, "acme")
        rt = _runtime(LookupCountingStore(here))
        issued = admin.issue_key(elsewhere, "acme")
        for _ in range(3):
            await principal_of(rt, issued.secret)
        admin.revoke_key(elsewhere, "acme", issued.record.id)
        with pytest.raises(AkaError) as refused:
            await principal_of(rt, issued.secret)
        assert refused.value.code is Code.UNAUTHENTICATED
    finally:
        here.close()
        elsewhere.close()


@pytest.mark.parametrize("secret", [None, "", "aka_not_a_key"])
async def test_a_missing_or_unknown_secret_is_refused(
    store: LookupCountingStore, secret: str | None
) -> None:
    with pytest.raises(AkaError) as refused:
        await principal_of(_runtime(store), secret)
    assert refused.value.code is Code.UNAUTHENTICATED
