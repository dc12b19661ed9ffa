"""Contract: answers to `Idempotency-Key`s (`tx.answers`), on every backend."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from aka.core.ports import Store, StoredAnswer

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def answer(request_hash: str = "h1", *, ttl: timedelta = timedelta(hours=24)) -> StoredAnswer:
    return StoredAnswer(
        request_hash=request_hash,
        status=201,
        headers=[("content-type", "application/json")],
        body=b'{"id":"p1"}',
        created_at=NOW,
        expires_at=NOW + ttl,
    )


def test_a_stored_answer_comes_back_byte_for_byte_until_it_expires(store: Store, ws: str) -> None:
    """An answer is found under its key with the same status, headers and body, and is
    gone once `now` reaches its expiry."""
    with store.transaction(ws) as tx:
        tx.answers.put("k-1", answer())
    with store.transaction(ws, write=False) as tx:
        found = tx.answers.get("k-1", NOW + timedelta(hours=1))
        assert found is not None
        assert (found.request_hash, found.status, found.body) == ("h1", 201, b'{"id":"p1"}')
        assert found.headers == [("content-type", "application/json")]
        assert found.expires_at == NOW + timedelta(hours=24)
        assert tx.answers.get("k-1", NOW + timedelta(hours=24)) is None
        assert tx.answers.get("k-2", NOW) is None


def test_answers_belong_to_their_workspace(store: Store, ws: str) -> None:
    """The same key in another workspace is another key."""
    from aka.core.settings import WorkspaceSettings  # noqa: PLC0415

    store.create_workspace("other", WorkspaceSettings())
    with store.transaction(ws) as tx:
        tx.answers.put("k-1", answer())
    with store.transaction("other", write=False) as tx:
        assert tx.answers.get("k-1", NOW) is None


def test_an_expired_answer_can_be_replaced_and_purged(store: Store, ws: str) -> None:
    """Storing under an expired key replaces the old answer; purging removes only what
    has expired."""
    with store.transaction(ws) as tx:
        tx.answers.put("old", answer("h-old", ttl=timedelta(minutes=1)))
        tx.answers.put("live", answer("h-live"))
    later = NOW + timedelta(hours=1)
    with store.transaction(ws) as tx:
        tx.answers.put("old", answer("h-new", ttl=timedelta(days=2)))
        assert tx.answers.purge(later) == 0
        replaced = tx.answers.get("old", later)
        assert replaced is not None
        assert replaced.request_hash == "h-new"
    with store.transaction(ws) as tx:
        assert tx.answers.purge(NOW + timedelta(days=1, hours=1)) == 1
        assert tx.answers.get("live", NOW) is None


def test_an_answer_stored_in_a_rolled_back_transaction_is_not_kept(store: Store, ws: str) -> None:
    """The answer commits with the work or not at all."""

    def failing_request() -> None:
        with store.transaction(ws) as tx:
            tx.answers.put("k-1", answer())
            raise RuntimeError("the work failed")

    with pytest.raises(RuntimeError):
        failing_request()
    with store.transaction(ws, write=False) as tx:
        assert tx.answers.get("k-1", NOW) is None
