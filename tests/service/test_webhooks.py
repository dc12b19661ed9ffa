"""What a webhook's next delivery holds and when a failed one is retried (ADR 0030)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from aka.core.events import PROFILE_CREATED, Change
from aka.core.ports import Store
from aka.service import webhooks
from tests.storage.changes import linked
from tests.storage.test_store_contract_webhooks import a_hook

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


@pytest.fixture
def logged(store: Store) -> Store:
    """Workspace `default` with one profile and 20 events: a creation, then 19 links."""
    with store.transaction("default") as tx:
        tx.append(Change(PROFILE_CREATED, "p", {"external_id": None, "attributes": {}}))
        for n in range(19):
            tx.append(linked("p", f"e{n}@x.io"))
    return store


def test_a_batch_is_the_next_matching_events_at_most_batch_max(logged: Store) -> None:
    """In seq order after the cursor; what does not match is passed over with it."""
    hook = a_hook(events=("identifier.linked",), delivered_seq=0)
    with logged.transaction("default", write=False) as tx:
        batch = webhooks.next_batch(tx, hook, 5)
        assert [e.seq for e in batch.events] == [2, 3, 4, 5, 6]
        assert batch.through == 6
        rest = webhooks.next_batch(tx, a_hook(events=("identifier.linked",), delivered_seq=17), 5)
        assert ([e.seq for e in rest.events], rest.through) == ([18, 19, 20], 20)


def test_a_batch_with_nothing_wanted_moves_the_cursor_past_what_it_read(logged: Store) -> None:
    with logged.transaction("default", write=False) as tx:
        batch = webhooks.next_batch(tx, a_hook(events=("profile.merged",)), 5)
    assert (batch.events, batch.through) == ([], 20)


def test_a_limited_webhook_gets_its_events_redacted(logged: Store) -> None:
    hook = a_hook(events=("identifier.linked",), namespaces=("device",))
    with logged.transaction("default", write=False) as tx:
        batch = webhooks.next_batch(tx, hook, 3)
    assert [e.seq for e in batch.events] == [2, 3, 4]  # each event stays, its cursor too
    assert all("e0@x.io" not in str(e.payload) for e in batch.events)


def test_success_moves_the_cursor_and_failure_backs_off_without_moving_it() -> None:
    hook = a_hook(delivered_seq=3)
    batch = webhooks.Batch([], through=9)
    done = webhooks.after_attempt(hook, batch, ok=True, now=NOW, first=1, most=60)
    assert (done.delivered_seq, done.failures, done.next_attempt_at) == (9, 0, None)
    failed = webhooks.after_attempt(hook, batch, ok=False, now=NOW, first=1, most=60)
    assert (failed.delivered_seq, failed.failures) == (3, 1)
    assert failed.next_attempt_at is not None
    assert NOW + timedelta(seconds=0.5) <= failed.next_attempt_at <= NOW + timedelta(seconds=1)


@pytest.mark.parametrize(("failures", "ceiling"), [(1, 1), (2, 2), (5, 16), (7, 60), (500, 60)])
def test_the_retry_delay_doubles_with_jitter_up_to_the_cap(failures: int, ceiling: float) -> None:
    for _ in range(50):
        assert ceiling / 2 <= webhooks.retry_delay(failures, 1, 60) <= ceiling
