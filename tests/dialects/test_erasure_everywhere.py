"""Erasure is complete: after `DELETE /v1/profiles/{id}` no stored copy of the person's
values survives anywhere, whichever door wrote them.

One person is written through every door (the native API with `Idempotency-Key`,
Braze, Appizer, Coveo including a batch file applied by a job, Mimecast), then deleted.
The scan is generic over the schema: every column of every table the database has
(read from the database itself, so a table added later is covered), and on SQLite the
database file itself after a checkpoint (deleted rows must not linger in free pages).
The memory store is scanned by walking everything it holds.
"""

from __future__ import annotations

import dataclasses
import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from starlette.testclient import TestClient

from aka.config import Settings
from aka.core.ports import Store
from aka.storage.memory import MemoryStore
from tests.backends import reflected
from tests.dialects.coveo.conftest import ORG, group, user
from tests.dialects.coveo.test_batch import new_container, upload, wait_for
from tests.dialects.mimecast.conftest import issue, signed_headers
from tests.http.conftest import ADMIN_KEY, bearer

EXTERNAL_ID = "zed-ext-7731"
EMAIL = "zed.quux@example.org"
# Every value of the person: none may be found anywhere after the deletion.
VALUES = (
    EXTERNAL_ID,
    EMAIL,
    "dev-zed-5521",  # a device id (native create)
    "Zeddy-Quux-4418",  # a profile attribute (native create)
    "crm-zed-9912",  # linked through the native API
    "zed-source-6650",  # that identifier's attribute
    "zed-braze-3391",  # a Braze alias
    "zed-teal-4410",  # a Braze custom attribute
    "zed-appz-2287",  # an Appizer alias
    "zed-coveo-8823",  # a Coveo identity, mapped onto the email
    "zed-batch-5519",  # a Coveo identity from a batch file
    "zed.alt@example.org",  # a Mimecast alias
    "+14155550199",  # a Braze phone: a shared value, stored as the user's field (ADR 0018)
    "zed.shared@example.org",  # a Braze email, shared with no one yet: a field too
    "Zedediah-7780",  # a Braze standard field (first_name)
    "Zedton-5512",  # another (home_city), set on the user the phone names
)
P = "Directory"


def _native(client: TestClient, method: str, path: str, key: str, **kw: Any) -> Any:
    headers = {**bearer(ADMIN_KEY), "Idempotency-Key": key}
    r = client.request(method, path, headers=headers, **kw)
    assert r.status_code in (200, 201, 204), r.text
    return r.json() if r.content else None


def _write_the_person(client: TestClient, store: Store) -> str:
    """Zed, through every door; the id of the one profile that holds all of it."""
    auth = bearer(ADMIN_KEY)
    created = _native(
        client,
        "POST",
        "/v1/profiles",
        "idem-create",
        json={
            "external_id": EXTERNAL_ID,
            "identifiers": [
                {"namespace": "email", "value": EMAIL, "primary": True},
                {"namespace": "device", "value": "dev-zed-5521"},
            ],
            "attributes": {"nickname": "Zeddy-Quux-4418"},
        },
    )
    pid = created["id"]
    _native(
        client,
        "POST",
        f"/v1/profiles/{pid}/identifiers",
        "idem-link",
        json={
            "namespace": "crm",
            "value": "crm-zed-9912",
            "attributes": {"src": "zed-source-6650"},
        },
    )
    braze = [
        ("/users/alias/new", {"user_aliases": [
            {"external_id": EXTERNAL_ID, "alias_label": "braze", "alias_name": "zed-braze-3391"}
        ]}),
        ("/users/track", {"attributes": [{"external_id": EXTERNAL_ID, "fav": "zed-teal-4410"}]}),
        ("/users/track", {"attributes": [{
            "external_id": EXTERNAL_ID, "phone": "(415) 555-0199", "first_name": "Zedediah-7780",
            "email": "Zed.Shared@example.org",
        }]}),
        # Named by the phone alone: the same user (the one holding it).
        ("/users/track", {"attributes": [
            {"phone": "+1 415 555 0199", "home_city": "Zedton-5512"}
        ]}),
    ]  # fmt: skip
    for path, body in braze:
        r = client.post(path, json=body, headers=auth)
        assert r.status_code == 201, r.text
    r = client.post(
        "/v1/users/aliases",
        json={"user_id": EXTERNAL_ID, "alias_id": "zed-appz-2287"},
        headers=auth,
    )
    assert r.status_code == 201, r.text
    coveo = f"/push/v1/organizations/{ORG}/providers/{P}"
    r = client.put(
        f"{coveo}/mappings",
        json={
            "identity": user("zed-coveo-8823"),
            "mappings": [user(EMAIL, provider="email")],
            "wellKnowns": [group("Everyone")],
        },
        headers=auth,
    )
    assert r.status_code == 202, r.text
    client.headers.update(auth)
    container = new_container(client)
    document = {
        "mappings": [
            {"identity": user("zed-batch-5519"), "mappings": [user(EMAIL, provider="email")]},
            # Refused, naming the value (not an email): the job's per-item error holds it.
            {
                "identity": user("zed-batch-5519"),
                "mappings": [user("zed-batch-5519", provider="email")],
            },
        ]
    }
    assert upload(client, container, json.dumps(document).encode()).status_code == 200
    r = client.put(f"{coveo}/permissions/batch", params={"fileId": container["fileId"]})
    assert r.status_code == 202, r.text
    job = wait_for(client, r.headers["location"])
    assert (job["status"], job["failed"]) == ("done", 1), job
    creds = issue(store)
    path = "/api/user/update-alias"
    r = client.post(
        path,
        json={"data": [{"aliasFor": EMAIL, "alias": "zed.alt@example.org"}]},
        headers=signed_headers(creds, path),
    )
    assert r.status_code == 200, r.text
    assert r.json()["fail"] == [], r.text
    owner = client.get("/v1/resolve", params={"namespace": "email", "value": EMAIL})
    assert owner.status_code == 200, owner.text
    held = {i["value"] for i in owner.json()["identifiers"]}
    assert held >= {EMAIL, "dev-zed-5521", "crm-zed-9912", "zed-braze-3391", "zed-appz-2287",
                    "zed-coveo-8823", "zed-batch-5519", "zed.alt@example.org"}  # fmt: skip
    return str(owner.json()["id"])


def _found_in(text: bytes) -> set[str]:
    return {v for v in VALUES if v.encode() in text}


def _as_bytes(value: Any) -> bytes:
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value)
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False).encode()
    return str(value).encode()


def _sql_leftovers(url: str) -> dict[str, set[str]]:
    """`{"table.column": {values found}}` over every column of every table."""
    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    found: dict[str, set[str]] = {}
    try:
        with engine.connect() as conn:
            schema = reflected(conn)
            assert {"idempotency_keys", "jobs", "file_chunks"} <= set(schema.tables)
            for table in schema.sorted_tables:
                for row in conn.execute(sa.select(table)).mappings():
                    for column, value in row.items():
                        if value is not None and (hits := _found_in(_as_bytes(value))):
                            found.setdefault(f"{table.name}.{column}", set()).update(hits)
    finally:
        engine.dispose()
    return found


def _sqlite_file_leftovers(url: str) -> set[str]:
    path = Path(url.removeprefix("sqlite:///"))
    with sqlite3.connect(path) as conn:
        busy, _, _ = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        assert busy == 0
    found = _found_in(path.read_bytes())
    wal = path.with_name(path.name + "-wal")
    if wal.exists():
        found |= _found_in(wal.read_bytes())
    return found


def _held_by(obj: Any, seen: set[int] | None = None) -> Iterator[bytes]:
    """Every string and byte string an object holds, however deeply."""
    seen = set() if seen is None else seen
    if id(obj) in seen:
        return
    seen.add(id(obj))
    if isinstance(obj, str | bytes | bytearray):
        yield obj.encode() if isinstance(obj, str) else bytes(obj)
    elif isinstance(obj, dict):
        for k, v in obj.items():
            yield from _held_by(k, seen)
            yield from _held_by(v, seen)
    elif isinstance(obj, list | tuple | set | frozenset):
        for item in obj:
            yield from _held_by(item, seen)
    elif dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        for f in dataclasses.fields(obj):
            yield from _held_by(getattr(obj, f.name), seen)
    elif hasattr(obj, "__dict__") and not isinstance(obj, type):
        yield from _held_by(vars(obj), seen)
    elif hasattr(obj, "__slots__"):
        for name in obj.__slots__:
            yield from _held_by(getattr(obj, name, None), seen)


def test_deleting_a_person_leaves_none_of_their_values_anywhere(
    client: TestClient, store: Store, settings: Settings
) -> None:
    """Every table and column (and on SQLite the file) is free of every value the
    person ever had, including the answers stored for `Idempotency-Key`, the Coveo push
    records, the batch job's per-item errors and its uploaded file."""
    pid = _write_the_person(client, store)

    _native(client, "DELETE", f"/v1/profiles/{pid}", "idem-delete")

    url = settings.database_url
    if isinstance(store, MemoryStore):
        leftovers = {v for text in _held_by(store) for v in _found_in(text)}
        assert leftovers == set()
        return
    assert _sql_leftovers(url) == {}
    if url.startswith("sqlite"):
        assert _sqlite_file_leftovers(url) == set()


def test_the_scan_sees_values_before_the_deletion(
    client: TestClient, store: Store, settings: Settings
) -> None:
    """The scan is not blind: before the deletion it finds every value (in the graph)."""
    _write_the_person(client, store)
    url = settings.database_url
    if isinstance(store, MemoryStore):
        found = {v for text in _held_by(store) for v in _found_in(text)}
    else:
        found = set().union(*_sql_leftovers(url).values())
        if url.startswith("sqlite"):
            assert _sqlite_file_leftovers(url) == set(VALUES)
    assert found == set(VALUES)


def test_a_retry_after_the_deletion_replays_and_does_not_bring_the_person_back(
    client: TestClient,
) -> None:
    """The stored answer stays under its key, cleaned: the retry is answered from it
    (status and shape as before, values replaced) and creates nothing."""
    headers = {**bearer(ADMIN_KEY), "Idempotency-Key": "idem-retry"}
    body = {"external_id": EXTERNAL_ID, "identifiers": [{"namespace": "email", "value": EMAIL}]}
    first = client.post("/v1/profiles", json=body, headers=headers)
    assert first.status_code == 201, first.text
    pid = first.json()["id"]
    assert client.delete(f"/v1/profiles/{pid}", headers=bearer(ADMIN_KEY)).status_code == 204

    retry = client.post("/v1/profiles", json=body, headers=headers)

    assert retry.status_code == 201
    assert retry.headers["idempotent-replayed"] == "true"
    assert retry.json()["id"] == pid
    assert EMAIL not in retry.text
    assert EXTERNAL_ID not in retry.text
    gone = client.get("/v1/resolve", params={"namespace": "email", "value": EMAIL},
                      headers=bearer(ADMIN_KEY))  # fmt: skip
    assert gone.status_code == 404
