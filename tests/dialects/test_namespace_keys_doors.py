"""Keys limited to namespaces on every vendor door (ADR 0026). Each door names its
namespaces its own way: a Braze alias label (and `email`, `phone`, `device`), a Coveo
provider, Mimecast's addresses (`email`), an Appizer alias (`alias`, and `email`,
`phone`). Door by door: a limited key sees only its namespaces' identifiers, writes only
there, and gets the same answer, byte for byte, for an identifier outside them that
exists as for one that does not."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import quote, urlsplit

import httpx
from starlette.testclient import TestClient

from aka.core.ports import Store
from aka.service import admin, mimecast_keys
from tests.dialects.mimecast.conftest import signed_headers
from tests.http.conftest import ADMIN_KEY, bearer, ident

# What differs between any two calls: the request id, the key's rate counter (it counts
# the call itself) and, where the door writes on every call (Mimecast remembers request
# ids), the workspace's event sequence, which any write by anyone advances.
PER_CALL = frozenset({"x-request-id", "x-ratelimit-remaining", "x-ratelimit-reset", "aka-seq"})


def answer(r: httpx.Response) -> tuple[int, bytes, list[tuple[str, str]]]:
    """What a client can observe of an answer, but what differs on every call."""
    headers = [(k, v) for k, v in r.headers.items() if k.lower() not in PER_CALL]
    return r.status_code, r.content, headers


def same_whether_it_exists(
    ask: Callable[[], httpx.Response], create: Callable[[], object]
) -> httpx.Response:
    before = ask()
    create()
    after = ask()
    assert answer(before) == answer(after)
    return after


def key(store: Store, *namespaces: str) -> dict[str, str]:
    """Headers of a new all-scopes bearer key of `default` limited to `namespaces`."""
    return bearer(admin.issue_key(store, "default", namespaces=list(namespaces)).secret)


def person(client: TestClient, *identifiers: str, **body: Any) -> str:
    """A profile made through the native door with the admin key (no limit)."""
    r = client.post(
        "/v1/profiles",
        json={"identifiers": [ident(i) for i in identifiers], **body},
        headers=bearer(ADMIN_KEY),
    )
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def holds(client: TestClient, profile_id: str) -> set[str]:
    r = client.get(f"/v1/profiles/{profile_id}", headers=bearer(ADMIN_KEY))
    return {f"{i['namespace']}:{i['value']}" for i in r.json()["identifiers"]}


# --- Braze: an alias label is a namespace ------------------------------------------------


def test_braze_export_leaves_out_other_labels_and_hides_their_aliases(
    client: TestClient, store: Store
) -> None:
    person(client, "crm:c1", "legacy:l1", "email:ann@x.io", external_id="u1")
    crm = key(store, "crm")

    def export(**body: Any) -> httpx.Response:
        return client.post("/users/export/ids", json=body, headers=crm)

    [user] = export(external_ids=["u1"]).json()["users"]
    assert user["user_aliases"] == [{"alias_label": "crm", "alias_name": "c1"}]
    assert "ann@x.io" not in str(user)  # the key may not use `email`
    by_alias = same_whether_it_exists(
        lambda: export(user_aliases=[{"alias_label": "legacy", "alias_name": "l2"}]),
        lambda: person(client, "legacy:l2"),
    )
    assert by_alias.json()["users"] == []
    by_email = same_whether_it_exists(
        lambda: export(email_address="bob@x.io"),
        lambda: person(client, "email:bob@x.io"),
    )
    assert by_email.json()["users"] == []


def test_braze_writes_under_another_label_are_refused_whether_or_not_it_exists(
    client: TestClient, store: Store
) -> None:
    crm = key(store, "crm_*")
    mine = person(client, "crm_a:c9", external_id="u9")

    def new_alias(label: str, name: str) -> httpx.Response:
        aliases = [{"external_id": "u9", "alias_label": label, "alias_name": name}]
        return client.post("/users/alias/new", json={"user_aliases": aliases}, headers=crm)

    refused = same_whether_it_exists(
        lambda: new_alias("legacy", "l9"), lambda: person(client, "legacy:l9")
    )
    assert refused.status_code == 403, refused.text
    assert "'legacy' is outside them" in refused.json()["message"]
    assert holds(client, mine) == {"crm_a:c9"}
    ok = new_alias("crm_b", "c10")
    assert ok.status_code == 201, ok.text
    assert holds(client, mine) == {"crm_a:c9", "crm_b:c10"}


# --- Coveo: a provider is a namespace ------------------------------------------------------


def _coveo(provider: str, tail: str) -> str:
    return f"/push/v1/organizations/default/providers/{quote(provider)}/{tail}"


def _parents(
    client: TestClient, provider: str, name: str, headers: dict[str, str]
) -> httpx.Response:
    url = f"/rest/organizations/default/securitycache/entities/{quote(provider)}/members/parents"
    return client.post(
        url, json={"name": name, "type": "USER"}, params={"recursive": "true"}, headers=headers
    )


def test_coveo_pushes_to_another_provider_are_refused_whether_or_not_it_exists(
    client: TestClient, store: Store
) -> None:
    okta = key(store, "Okta")
    admin_headers = bearer(ADMIN_KEY)
    body = {
        "identity": {"name": "ann", "type": "USER"},
        "wellKnowns": [{"name": "g", "type": "GROUP"}],
    }

    def push(headers: dict[str, str]) -> httpx.Response:
        return client.put(_coveo("AD", "permissions"), json=body, headers=headers)

    refused = same_whether_it_exists(lambda: push(okta), lambda: push(admin_headers))
    assert refused.status_code == 403, refused.text
    assert refused.json()["errorCode"] == "ACCESS_DENIED"
    mine = client.put(
        _coveo("Okta", "permissions"),
        json={"identity": {"name": "ann", "type": "USER"}},
        headers=okta,
    )
    assert mine.status_code == 202, mine.text


def test_coveo_expansion_leaves_out_other_providers_and_hides_their_members(
    client: TestClient, store: Store
) -> None:
    admin_headers = bearer(ADMIN_KEY)
    for provider in ("Okta", "AD"):
        members = [{"name": "ann", "type": "USER", "provider": "Okta"}]
        r = client.put(
            _coveo(provider, "permissions"),
            json={"identity": {"name": f"{provider}-staff", "type": "GROUP"}, "members": members},
            headers=admin_headers,
        )
        assert r.status_code == 202, r.text
    okta = key(store, "Okta")
    everyone = {
        i["provider"] for i in _parents(client, "Okta", "ann", admin_headers).json()["items"]
    }
    assert everyone == {"Okta", "AD"}
    seen = _parents(client, "Okta", "ann", okta)
    assert {(i["provider"], i["name"]) for i in seen.json()["items"]} == {("Okta", "Okta-staff")}
    hidden = same_whether_it_exists(
        lambda: _parents(client, "AD", "bob", okta),
        lambda: client.put(
            _coveo("AD", "permissions"),
            json={
                "identity": {"name": "AD-x", "type": "GROUP"},
                "members": [{"name": "bob", "type": "USER"}],
            },
            headers=admin_headers,
        ),
    )
    assert hidden.json() == {"items": [], "totalEntries": 0, "totalPages": 0}


def test_coveo_deletes_in_another_provider_are_refused_and_change_nothing(
    client: TestClient, store: Store
) -> None:
    """A delete would record its ordering id for the identity, deciding whether later
    pushes of other keys apply: refused, whether or not the identity exists."""
    okta = key(store, "Okta")
    admin_headers = bearer(ADMIN_KEY)
    body = {"identity": {"name": "ann", "type": "USER"}}

    def delete() -> httpx.Response:
        url = _coveo("AD", "permissions")
        return client.request("DELETE", url, json=body, params={"orderingId": 99}, headers=okta)

    refused = same_whether_it_exists(
        delete,
        lambda: client.put(
            _coveo("AD", "permissions"), json=body, params={"orderingId": 1}, headers=admin_headers
        ),
    )
    assert refused.status_code == 403, refused.text
    older = client.delete(
        _coveo("AD", "permissions/olderthan"), params={"orderingId": 50}, headers=okta
    )
    assert older.status_code == 202, older.text
    again = client.put(
        _coveo("AD", "permissions"),
        json={**body, "wellKnowns": [{"name": "g", "type": "GROUP"}]},
        params={"orderingId": 2},
        headers=admin_headers,
    )
    assert again.status_code == 202, again.text
    assert {i["name"] for i in _parents(client, "AD", "ann", admin_headers).json()["items"]} == {
        "g"
    }  # still enabled, and the later push applied


def test_a_coveo_batch_file_runs_with_the_keys_limit(client: TestClient, store: Store) -> None:
    """The job runs outside the request: the key's namespaces travel with it."""
    okta = key(store, "Okta")
    container = client.post("/push/v1/organizations/default/files", headers=okta).json()
    document = {
        "members": [{"identity": {"name": "ann", "type": "USER"}}],
        "mappings": [
            {
                "identity": {"name": "bob", "type": "USER"},
                "mappings": [{"name": "bob@x.io", "type": "USER", "provider": "Email"}],
            }
        ],
    }
    url = urlsplit(container["uploadUri"])
    up = TestClient(client.app).put(
        f"{url.path}?{url.query}",
        content=json.dumps(document).encode(),
        headers=container["requiredHeaders"],
    )
    assert up.status_code == 200, up.text
    applied = client.put(
        _coveo("Okta", "permissions/batch"), params={"fileId": container["fileId"]}, headers=okta
    )
    assert applied.status_code == 202, applied.text
    deadline = time.monotonic() + 30
    while True:
        job = client.get(applied.headers["Location"], headers=bearer(ADMIN_KEY)).json()
        if job["status"] in ("done", "failed") or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert (job["status"], job["done"], job["failed"]) == ("done", 2, 1), job
    assert job["errors"][0]["code"] == "namespace_not_allowed"
    # Its own job it may read; another limited key may not (its errors quote items).
    assert client.get(applied.headers["Location"], headers=okta).json() == job
    other = client.get(applied.headers["Location"], headers=key(store, "Okta"))
    assert (other.status_code, other.json()["code"]) == (404, "job_not_found")
    email = client.get(
        "/v1/resolve", params={"namespace": "Email", "value": "bob@x.io"}, headers=bearer(ADMIN_KEY)
    )
    assert email.status_code == 404  # the mapping into `Email` was refused


# --- Mimecast: addresses are the `email` namespace ---------------------------------------------


def _mimecast(
    client: TestClient, store: Store, *namespaces: str
) -> Callable[[str, list[Any]], httpx.Response]:
    _, made = mimecast_keys.issue(store, "default", name="mc", namespaces=list(namespaces))
    creds = {
        "access_key": made.access_key,
        "secret_key": made.secret_key,
        "app_id": made.app_id,
        "app_key": made.app_key,
    }

    def post(path: str, data: list[Any]) -> httpx.Response:
        return client.post(path, json={"data": data}, headers=signed_headers(creds, path))

    return post


def _mimecast_answer(r: httpx.Response) -> tuple[int, Any]:
    # Mimecast's envelope carries no request id; its headers do (compared by `answer`).
    return r.status_code, r.json()


def test_mimecast_a_key_without_email_sees_no_address_and_writes_none(
    client: TestClient, store: Store
) -> None:
    post = _mimecast(client, store, "crm_*")
    users = same_whether_it_exists(
        lambda: post("/api/user/get-internal-users", [{"domain": "acme.example"}]),
        lambda: person(client, "email:ann@acme.example"),
    )
    assert users.status_code == 200, users.text
    assert "ann@acme.example" not in users.text
    alias = [{"aliasFor": "bob@acme.example", "alias": "b@acme.example"}]
    bob: list[str] = []
    refused = same_whether_it_exists(
        lambda: post("/api/user/update-alias", alias),
        lambda: bob.append(person(client, "email:bob@acme.example")),
    )
    [failed] = refused.json()["fail"]
    assert failed["errors"][0]["code"] == "err_address_not_found"  # bob looks absent
    assert holds(client, bob[0]) == {"email:bob@acme.example"}


def test_mimecast_a_key_limited_to_email_works_as_before(client: TestClient, store: Store) -> None:
    post = _mimecast(client, store, "email")
    r = post("/api/user/create-user", [{"emailAddress": "cy@acme.example"}])
    assert r.status_code == 200, r.text
    assert r.json()["fail"] == []


# --- Appizer: an alias is namespace `alias` --------------------------------------------------


def test_appizer_aliases_outside_the_limit_look_absent_and_cannot_be_added(
    client: TestClient, store: Store
) -> None:
    email_only = key(store, "email")
    person(client, "alias:a1", "email:ann@x.io", external_id="user_1")
    shown = client.get("/v1/users/user_1", headers=email_only)
    assert shown.status_code == 200, shown.text
    assert shown.json()["aliases"] == []
    assert shown.json()["email"] == "ann@x.io"
    by_alias = same_whether_it_exists(
        lambda: client.get("/v1/users/a2", headers=email_only),
        lambda: person(client, "alias:a2"),
    )
    assert by_alias.status_code == 404
    add = same_whether_it_exists(
        lambda: client.post(
            "/v1/users/aliases", json={"user_id": "user_1", "alias_id": "a3"}, headers=email_only
        ),
        lambda: person(client, "alias:a3"),
    )
    assert add.status_code == 403, add.text
    assert add.json()["code"] == "NAMESPACE_NOT_ALLOWED"
