"""Contract: what erasure cleans outside the event log (stored answers, job errors,
expired uploads), on every backend. Deciding what a value looks like is
`core.scrub`'s; the store's part is to find every record that holds one (whatever its
encoding: bytes, JSON, JSONB), change exactly those, and keep their other fields."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from aka.core import events as ev
from aka.core.ports import FileRecord, Store, StoredAnswer
from aka.core.scrub import Scrubber

from .test_store_contract_jobs import a_job

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
X = ev.REDACTED_PREFIX
SCRUB = Scrubber.for_deletion(9, {"zoë@x.io": f"{X}9:0", "u-zoe": f"{X}9:x0"}, {"Zo"}, {"p_zz1"})


def answer(
    body: object, *, status: int = 201, location: str = "/v1/profiles/p_zz1"
) -> StoredAnswer:
    return StoredAnswer(
        request_hash="h",
        status=status,
        headers=[("content-type", "application/json"), ("location", location)],
        body=json.dumps(body, ensure_ascii=False).encode(),
        created_at=NOW,
        expires_at=NOW + timedelta(hours=24),
    )


def test_stored_answers_holding_a_value_are_cleaned_and_still_replay(store: Store, ws: str) -> None:
    """The answer keeps its key, status and request hash (a retry replays it), with the
    values in its body and headers replaced; other answers are untouched."""
    mine = answer({"id": "p_zz1", "external_id": "u-zoe", "identifiers": ["zoë@x.io"],
                   "attributes": {"nick": "Zo"}})  # fmt: skip
    other = answer({"id": "p_bob", "attributes": {"nick": "Zo"}}, location="/v1/profiles/p_bob")
    with store.transaction(ws) as tx:
        tx.answers.put("k-mine", mine)
        tx.answers.put("k-other", other)
    with store.transaction(ws) as tx:
        assert tx.answers.scrub(SCRUB) == 1
    with store.transaction(ws, write=False) as tx:
        cleaned = tx.answers.get("k-mine", NOW)
        kept = tx.answers.get("k-other", NOW)
    assert cleaned is not None
    assert (cleaned.request_hash, cleaned.status) == ("h", 201)
    assert json.loads(cleaned.body) == {
        "id": "p_zz1",
        "external_id": f"{X}9:x0",
        "identifiers": [f"{X}9:0"],
        "attributes": {"nick": SCRUB.attribute_placeholder},
    }
    assert b"zo\xc3\xab@x.io" not in cleaned.body
    assert kept == other


def test_an_answer_whose_key_holds_a_value_is_removed(store: Store, ws: str) -> None:
    """A key is no place to rewrite: the answer goes (its retry would run anew)."""
    with store.transaction(ws) as tx:
        tx.answers.put("create-u-zoe", answer({"ok": True}))
    with store.transaction(ws) as tx:
        assert tx.answers.scrub(SCRUB) == 1
    with store.transaction(ws, write=False) as tx:
        assert tx.answers.get("create-u-zoe", NOW) is None


def test_expired_answers_are_scrubbed_too(store: Store, ws: str) -> None:
    """Until purged an expired answer is still in the table: it is cleaned as well."""
    stale = replace(answer({"external_id": "u-zoe"}), expires_at=NOW - timedelta(seconds=1))
    with store.transaction(ws) as tx:
        tx.answers.put("k-stale", stale)
        assert tx.answers.scrub(SCRUB) == 1
        assert tx.answers.scrub(SCRUB) == 0  # nothing left to clean


def test_jobs_errors_and_params_are_cleaned(store: Store, ws: str) -> None:
    """A per-item error quoting a value is rewritten; other jobs are untouched."""
    errors = ({"item": 1, "code": "email_invalid", "message": "name 'zoë@x.io' is no email"},)
    with store.transaction(ws) as tx:
        tx.jobs.add(a_job("j-zoe", errors=errors, params={"file_id": "f1", "note": "u-zoe"}))
        tx.jobs.add(a_job("j-bob", errors=({"item": 0, "code": "x", "message": "'bob'"},)))
    with store.transaction(ws) as tx:
        assert tx.jobs.scrub(SCRUB) == 1
    with store.transaction(ws, write=False) as tx:
        cleaned, kept = tx.jobs.get("j-zoe"), tx.jobs.get("j-bob")
    assert cleaned is not None
    assert kept is not None
    assert cleaned.errors[0]["message"] == f"name '{X}9:0' is no email"
    assert cleaned.params == {"file_id": "f1", "note": f"{X}9:x0"}
    assert kept.errors == ({"item": 0, "code": "x", "message": "'bob'"},)


def test_expired_file_containers_are_purged_with_their_content(store: Store, ws: str) -> None:
    """Only expired ones, chunks included."""
    with store.transaction(ws) as tx:
        tx.files.add(FileRecord("f-old", "h", NOW - timedelta(hours=2), NOW - timedelta(hours=1)))
        tx.files.add(FileRecord("f-live", "h", NOW, NOW + timedelta(hours=1)))
        tx.files.write_chunk("f-old", 0, b"zoe's data")
        tx.files.write_chunk("f-live", 0, b"live")
    with store.transaction(ws) as tx:
        assert tx.files.purge(NOW) == 1
    with store.transaction(ws, write=False) as tx:
        assert tx.files.get("f-old") is None
        assert tx.files.chunk("f-old", 0) is None
        assert tx.files.chunk("f-live", 0) == b"live"
