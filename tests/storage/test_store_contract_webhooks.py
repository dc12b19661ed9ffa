"""Contract: webhooks and their deliveries (`tx.webhooks`), on every backend."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from aka.core.ports import DeliveryRecord, Store, WebhookRecord
from aka.core.settings import WorkspaceSettings

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
LATER = T0 + timedelta(minutes=1)


def a_hook(hook_id: str = "wh_1", **fields: object) -> WebhookRecord:
    base: dict[str, object] = {
        "id": hook_id,
        "url": "https://hooks.example/aka",
        "events": ("profile.merged", "profile.created"),
        "secret": "s" * 32,
        "namespaces": None,
        "created_at": T0,
        "created_by": "key_1",
        "delivered_seq": 0,
    }
    return WebhookRecord(**{**base, **fields})  # type: ignore[arg-type]


def a_delivery(delivery_id: str, hook_id: str = "wh_1", **fields: object) -> DeliveryRecord:
    base: dict[str, object] = {
        "id": delivery_id,
        "webhook_id": hook_id,
        "first_seq": 1,
        "last_seq": 3,
        "events": 2,
        "attempt": 1,
        "status_code": 500,
        "error": None,
        "at": T0,
        "duration_ms": 12,
        "next_attempt_at": LATER,
    }
    return DeliveryRecord(**{**base, **fields})  # type: ignore[arg-type]


def test_a_webhook_round_trips_with_its_limit(store: Store, ws: str) -> None:
    """What is stored is what is read back: the event types in order, the key's limit."""
    limited = a_hook("wh_2", namespaces=("email", "crm_*"), created_at=LATER)
    with store.transaction(ws) as tx:
        tx.webhooks.add(a_hook())
        tx.webhooks.add(limited)
    with store.transaction(ws, write=False) as tx:
        assert tx.webhooks.get("wh_1") == a_hook()
        assert tx.webhooks.get("wh_2") == limited
        assert tx.webhooks.get("nope") is None
        assert [h.id for h in tx.webhooks.all()] == ["wh_1", "wh_2"]


def test_webhooks_belong_to_their_workspace(store: Store, ws: str) -> None:
    """Another workspace neither sees nor deletes them."""
    store.create_workspace("other", WorkspaceSettings())
    with store.transaction(ws) as tx:
        tx.webhooks.add(a_hook())
    with store.transaction("other") as tx:
        assert tx.webhooks.all() == []
        assert tx.webhooks.get("wh_1") is None
        assert tx.webhooks.delete("wh_1") is False
    with store.transaction(ws, write=False) as tx:
        assert tx.webhooks.get("wh_1") is not None


def test_due_webhooks_are_behind_the_log_not_waiting_and_not_leased(store: Store, ws: str) -> None:
    """`due(below, now)`: behind `below`, no retry after `now`, no live lease."""
    with store.transaction(ws) as tx:
        tx.webhooks.add(a_hook("caught_up", delivered_seq=10))
        tx.webhooks.add(a_hook("behind", delivered_seq=4, created_at=T0 + timedelta(seconds=1)))
        tx.webhooks.add(a_hook("waiting", delivered_seq=4, next_attempt_at=LATER))
        tx.webhooks.add(a_hook("retry_now", delivered_seq=4, next_attempt_at=T0))
        tx.webhooks.add(a_hook("leased", delivered_seq=4, lease_until=LATER, lease_owner="p"))
        tx.webhooks.add(a_hook("lapsed", delivered_seq=4, lease_until=T0, lease_owner="p"))
    with store.transaction(ws, write=False) as tx:
        assert sorted(tx.webhooks.due(10, T0)) == ["behind", "lapsed", "retry_now"]
        assert "waiting" in tx.webhooks.due(10, LATER)
        assert "leased" in tx.webhooks.due(10, LATER)
        assert tx.webhooks.due(4, LATER) == []


def test_one_owner_at_a_time_holds_a_webhook(store: Store, ws: str) -> None:
    """A claim succeeds only when no live lease holds; a lapsed lease may be taken over."""
    with store.transaction(ws) as tx:
        tx.webhooks.add(a_hook())
    with store.transaction(ws) as tx:
        first = tx.webhooks.claim("wh_1", "a", T0, LATER)
        assert first is not None
        assert (first.lease_owner, first.lease_until) == ("a", LATER)
    with store.transaction(ws) as tx:
        assert tx.webhooks.claim("wh_1", "b", T0 + timedelta(seconds=30), LATER) is None
        assert tx.webhooks.claim("nope", "b", T0, LATER) is None
    with store.transaction(ws) as tx:
        taken = tx.webhooks.claim("wh_1", "b", LATER, LATER + timedelta(minutes=1))
        assert taken is not None
        assert taken.lease_owner == "b"


def test_settling_saves_progress_and_frees_the_lease_only_for_its_owner(
    store: Store, ws: str
) -> None:
    """The owner's settle moves the cursor and gives the lease up; a lost owner's does
    nothing."""
    with store.transaction(ws) as tx:
        tx.webhooks.add(a_hook())
        tx.webhooks.claim("wh_1", "a", T0, LATER)
    progressed = replace(a_hook(), delivered_seq=7, failures=2, next_attempt_at=LATER)
    with store.transaction(ws) as tx:
        assert tx.webhooks.settle(progressed, "b") is False
        assert tx.webhooks.settle(progressed, "a") is True
    with store.transaction(ws, write=False) as tx:
        saved = tx.webhooks.get("wh_1")
    assert saved is not None
    assert (saved.delivered_seq, saved.failures, saved.next_attempt_at) == (7, 2, LATER)
    assert (saved.lease_owner, saved.lease_until) == (None, None)
    with store.transaction(ws) as tx:
        assert tx.webhooks.settle(replace(progressed, delivered_seq=9), "a") is False
    with store.transaction(ws, write=False) as tx:
        again = tx.webhooks.get("wh_1")
        assert again is not None
        assert again.delivered_seq == 7


def test_deliveries_page_newest_first_and_are_pruned_by_age(store: Store, ws: str) -> None:
    """Ids sort by time: a page is newest first, `before` reads on; the sweep forgets
    attempts older than its cut and nothing else."""
    with store.transaction(ws) as tx:
        tx.webhooks.add(a_hook())
        tx.webhooks.add(a_hook("wh_2"))
        for n in range(5):
            tx.webhooks.add_delivery(
                a_delivery(f"dl_{n:03d}", at=T0 + timedelta(minutes=n), status_code=200 + n)
            )
        tx.webhooks.add_delivery(a_delivery("dl_999", "wh_2"))
    with store.transaction(ws, write=False) as tx:
        first = tx.webhooks.deliveries("wh_1", None, 2)
        assert [d.id for d in first] == ["dl_004", "dl_003"]
        assert first[0] == a_delivery("dl_004", at=T0 + timedelta(minutes=4), status_code=204)
        assert [d.id for d in tx.webhooks.deliveries("wh_1", "dl_003", 10)] == [
            "dl_002",
            "dl_001",
            "dl_000",
        ]
    with store.transaction(ws) as tx:
        assert tx.webhooks.purge_deliveries(T0 + timedelta(minutes=2)) == 3  # 000, 001, 999
    with store.transaction(ws, write=False) as tx:
        assert [d.id for d in tx.webhooks.deliveries("wh_1", None, 10)] == [
            "dl_004",
            "dl_003",
            "dl_002",
        ]


def test_deleting_a_webhook_forgets_its_deliveries(store: Store, ws: str) -> None:
    with store.transaction(ws) as tx:
        tx.webhooks.add(a_hook())
        tx.webhooks.add_delivery(a_delivery("dl_1"))
    with store.transaction(ws) as tx:
        assert tx.webhooks.delete("wh_1") is True
        assert tx.webhooks.delete("wh_1") is False
    with store.transaction(ws, write=False) as tx:
        assert tx.webhooks.get("wh_1") is None
        assert tx.webhooks.deliveries("wh_1", None, 10) == []


def test_a_savepoint_undoes_a_webhook_added_inside_it(store: Store, ws: str) -> None:
    with store.transaction(ws) as tx:
        try:
            with tx.savepoint():
                tx.webhooks.add(a_hook())
                raise RuntimeError("undo")
        except RuntimeError:
            pass
        assert tx.webhooks.get("wh_1") is None
