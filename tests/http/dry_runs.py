"""Helpers for the dry-run specs (ADR 0023): what the store holds, and a real call's
answer compared with its preview's."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import httpx

from aka.core.ports import Store

if TYPE_CHECKING:
    from conftest import Api

_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d")


def stored(store: Store, idempotency_keys: tuple[str, ...] = (), ws: str = "default") -> Any:
    """Everything a write could leave behind: the graph, the event log (events and
    last seq) and the answers stored for these idempotency keys."""
    with store.transaction(ws, write=False) as tx:
        now = datetime.now(UTC)
        return (
            tx.graph().snapshot(),
            tx.last_seq(),
            [(e.seq, e.type, e.profile_id, e.payload) for e in tx.all_events()],
            [tx.answers.get(key, now) for key in idempotency_keys],
        )


def canonical(body: Any, known: set[str], since: str) -> Any:
    """`body` with what a call makes afresh given stable names: a profile id the store
    did not hold before (`known`) becomes `new-N` in order of appearance, wherever it
    is (a problem's `detail` quotes it), a time at or after `since` becomes `now`.
    Everything else must match exactly."""
    names: dict[str, str] = {}

    def rename(found: re.Match[str]) -> str:
        uuid = found.group(0)
        return uuid if uuid in known else names.setdefault(uuid, f"new-{len(names)}")

    def walk(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: walk(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [walk(v) for v in value]
        if isinstance(value, str):
            if _TIME.match(value):
                return "now" if value >= since else value
            return _UUID.sub(rename, value)
        return value

    return walk(body)


def answer_of(response: httpx.Response) -> tuple[int, Any]:
    """(status, body) of an answer, its `dry_run` member left out; a previewed 204's
    200 becomes the 204 its member names."""
    body = response.json() if response.content else None
    if isinstance(body, dict) and "dry_run" in body:
        member = body.pop("dry_run")
        if response.status_code == 200 and member["status"] == 204:
            return 204, (body or None)
    return response.status_code, body


def profile_ids(store: Store, ws: str = "default") -> set[str]:
    with store.transaction(ws, write=False) as tx:
        return {p.id for p in tx.graph().profiles.values()}


def this_second() -> str:
    """Now, to the second, as answers write times: `canonical`'s `since` (whole seconds,
    so that a time without a fraction compares as it should)."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S")


def preview_then_real(
    api: Api, method: str, url: str, *, idempotency_key: str | None = None, **request: Any
) -> tuple[dict[str, Any], httpx.Response]:
    """The preview's `dry_run` member, and the real call's answer, after checking that
    the preview wrote nothing and answered what the real call then did."""
    keys = (idempotency_key,) if idempotency_key else ()
    headers = {"Idempotency-Key": idempotency_key} if idempotency_key else {}
    known, before, since = profile_ids(api.store), stored(api.store, keys), this_second()
    params = {**request.pop("params", {})}
    preview = api.client.request(
        method, url, params={**params, "dry_run": "true"}, headers=headers, **request
    )
    assert preview.headers.get("aka-dry-run") == "true", preview.text
    assert "aka-seq" not in preview.headers
    assert stored(api.store, keys) == before, "a dry run wrote"
    member = preview.json().get("dry_run", {})
    real = api.client.request(method, url, params=params, headers=headers, **request)
    assert "aka-dry-run" not in real.headers
    assert canonical(answer_of(preview), known, since) == canonical(answer_of(real), known, since)
    return member, real
