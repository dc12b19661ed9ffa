"""Housekeeping: what has expired is removed, whatever kind of record it is."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from aka.core.ports import FileRecord, Store, StoredAnswer
from aka.service import housekeeping
from tests.storage.test_store_contract_webhooks import a_delivery, a_hook

NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
BEFORE = NOW - timedelta(seconds=1)
AFTER = NOW + timedelta(hours=1)


def an_answer(expires_at: datetime) -> StoredAnswer:
    return StoredAnswer("h", 201, [], b"{}", NOW - timedelta(days=1), expires_at)


def test_a_sweep_removes_expired_answers_request_ids_and_uploads(store: Store) -> None:
    """Each kind expired by `now` goes, each live one stays, and the sweep says how many."""
    with store.transaction("default") as tx:
        tx.answers.put("old", an_answer(BEFORE))
        tx.answers.put("live", an_answer(AFTER))
        tx.request_ids.remember("r-old", BEFORE - timedelta(minutes=15), BEFORE)
        tx.request_ids.remember("r-live", NOW, AFTER)
        tx.files.add(FileRecord("f-old", "t", BEFORE - timedelta(hours=1), BEFORE))
        tx.files.write_chunk("f-old", 0, b"abandoned upload")
        tx.files.add(FileRecord("f-live", "t", NOW, AFTER))

    with store.transaction("default") as tx:
        swept = housekeeping.sweep(tx, NOW)

    assert swept == housekeeping.Swept(answers=1, requests=1, files=1)
    with store.transaction("default") as tx:
        assert tx.answers.get("live", NOW) is not None
        assert tx.files.get("f-old") is None
        assert tx.files.chunk("f-old", 0) is None
        assert tx.files.get("f-live") is not None
        assert tx.request_ids.remember("r-live", NOW, AFTER) is False  # still remembered
        assert housekeeping.sweep(tx, NOW) == housekeeping.Swept(0, 0, 0)


def test_a_sweep_forgets_webhook_deliveries_older_than_kept(store: Store) -> None:
    """Delivery records older than `deliveries_kept` go; newer ones and the webhook stay."""
    with store.transaction("default") as tx:
        tx.webhooks.add(a_hook())
        tx.webhooks.add_delivery(a_delivery("dl_old", at=NOW - timedelta(days=8)))
        tx.webhooks.add_delivery(a_delivery("dl_new", at=NOW - timedelta(days=6)))
    with store.transaction("default") as tx:
        swept = housekeeping.sweep(tx, NOW, timedelta(days=7))
    assert swept.deliveries == 1
    with store.transaction("default", write=False) as tx:
        assert [d.id for d in tx.webhooks.deliveries("wh_1", None, 10)] == ["dl_new"]
        assert tx.webhooks.get("wh_1") is not None
