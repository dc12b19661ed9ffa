"""Keys limited to namespaces on the native API (ADR 0026): `namespaces` on `/v1/keys`;
such a key sees, links and changes only identifiers of those namespaces, and cannot learn
that one outside them exists: the answer is the same, byte for byte, as for one that
does not exist."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from tests.http.conftest import ADMIN_KEY, bearer, ident

from aka.app import build_app
from aka.config import Settings
from aka.core import namespace_scope
from aka.core.ports import Store
from aka.service import admin

if TYPE_CHECKING:
    from conftest import Api

CRM = ["email", "crm_*"]
PHONE = "phone:+14155550100"


def limited(api: Api, namespaces: list[str] = CRM, **body: Any) -> dict[str, str]:
    """Headers of a new key of workspace `default` limited to `namespaces`."""
    created = api.ok(api.client.post("/v1/keys", json={"namespaces": namespaces, **body}), 201)
    assert created["namespaces"] == namespaces
    return bearer(created["secret"])


# Headers that differ between any two calls: the request's id, and the key's rate
# counter, which counts the call itself.
PER_CALL = frozenset({"x-request-id", "x-ratelimit-remaining", "x-ratelimit-reset"})


def answer(r: httpx.Response) -> tuple[int, bytes, list[tuple[str, str]]]:
    """What a client can observe of an answer, but what differs on every call."""
    headers = [(k, v) for k, v in r.headers.items() if k.lower() not in PER_CALL]
    return r.status_code, r.content, headers


def same_whether_it_exists(
    api: Api, ask: Callable[[], httpx.Response], create: Callable[[], object]
) -> httpx.Response:
    """The limited key's answer to `ask` before and after `create` made the identifier
    outside its namespaces exist: identical; returns the answer."""
    before = ask()
    create()
    after = ask()
    assert answer(before) == answer(after)
    return after


def test_a_key_is_created_and_listed_with_its_namespaces(api: Api) -> None:
    headers = limited(api, name="crm")
    listed = api.ok(api.client.get("/v1/keys"), 200)["keys"]
    assert {k["name"]: k["namespaces"] for k in listed} == {"admin": None, "crm": CRM}
    assert api.client.get("/v1/workspace", headers=headers).status_code == 200


@pytest.mark.parametrize(
    ("namespaces", "field"),
    [
        ([], "namespaces"),
        (["*"], "namespaces[0]"),
        (["crm*x"], "namespaces[0]"),
        (["ok", ""], "namespaces[1]"),
    ],
)
def test_bad_patterns_are_refused_naming_the_field(
    api: Api, namespaces: list[str], field: str
) -> None:
    problem = api.problem(
        api.client.post("/v1/keys", json={"namespaces": namespaces}), 422, "invalid_input"
    )
    assert problem["field"] == field


def test_more_patterns_than_the_limit_are_refused_naming_it(api: Api) -> None:
    r = api.client.post("/v1/keys", json={"namespaces": [f"n{i}" for i in range(33)]})
    problem = api.problem(r, 413, "too_many_items")  # as every capped array of the door
    assert (problem["field"], problem["limit"]) == ("namespaces", 32)


def test_a_limited_key_makes_keys_only_within_its_own_limit(api: Api) -> None:
    crm = limited(api)
    wider = api.client.post("/v1/keys", json={"namespaces": ["email", "phone"]}, headers=crm)
    assert api.problem(wider, 403, "namespace_not_allowed")["field"] == "namespaces"
    inherited = api.ok(api.client.post("/v1/keys", json={}, headers=crm), 201)
    assert inherited["namespaces"] == CRM
    narrower = api.client.post("/v1/keys", json={"namespaces": ["crm_eu_*"]}, headers=crm)
    assert api.ok(narrower, 201)["namespaces"] == ["crm_eu_*"]


def test_profiles_are_answered_without_other_namespaces_identifiers(api: Api) -> None:
    ann = api.person("email:ann@x.io", PHONE, "crm_id:c1", "device:d1")
    crm = limited(api)
    shown = {f"{i['namespace']}:{i['value']}" for i in api.profile(ann, crm)["identifiers"]}
    assert shown == {"email:ann@x.io", "crm_id:c1"}
    resolved = api.client.get(
        "/v1/resolve", params={"namespace": "crm_id", "value": "c1"}, headers=crm
    )
    assert {i["namespace"] for i in api.ok(resolved, 200)["identifiers"]} == {"email", "crm_id"}
    for path in (f"/v1/profiles/{ann}/history", f"/v1/profiles/{ann}/expansion", "/v1/events"):
        r = api.client.get(path, headers=crm)
        assert r.status_code == 200, r.text
        assert "+14155550100" not in r.text, path
        assert '"d1"' not in r.text, path
        assert "c1" in r.text, path  # its own namespaces' values are there
    explained = api.client.post(
        "/v1/explain",
        json={"a": {"profile_id": ann}, "b": ident("email:ann@x.io")},
        headers=crm,
    )
    assert api.ok(explained, 200)["same"] is True
    assert "+14155550100" not in explained.text


def test_reading_an_identifier_outside_its_namespaces_answers_as_if_absent(api: Api) -> None:
    crm = limited(api)
    namespace, _, value = PHONE.partition(":")
    r = same_whether_it_exists(
        api,
        lambda: api.client.get(
            "/v1/resolve", params={"namespace": namespace, "value": value}, headers=crm
        ),
        lambda: api.person(PHONE),
    )
    api.problem(r, 404, "profile_not_found")
    explained = same_whether_it_exists(
        api,
        lambda: api.client.post(
            "/v1/explain",
            json={"a": ident("phone:+14155550111"), "b": ident("phone:+14155550111")},
            headers=crm,
        ),
        lambda: api.person("phone:+14155550111"),
    )
    api.problem(explained, 404, "profile_not_found")


def test_writing_an_identifier_outside_its_namespaces_is_refused_either_way(api: Api) -> None:
    crm = limited(api)
    mine = api.person("email:mine@x.io")
    link = same_whether_it_exists(
        api,
        lambda: api.client.post(f"/v1/profiles/{mine}/identifiers", json=ident(PHONE), headers=crm),
        lambda: api.person(PHONE),
    )
    problem = api.problem(link, 403, "namespace_not_allowed")
    assert (problem["namespace"], problem["allowed_namespaces"]) == ("phone", CRM)
    new = same_whether_it_exists(
        api,
        lambda: api.client.post(
            "/v1/profiles", json={"identifiers": [ident("phone:+14155550122")]}, headers=crm
        ),
        lambda: api.person("phone:+14155550122"),
    )
    api.problem(new, 403, "namespace_not_allowed")
    unlink = same_whether_it_exists(
        api,
        lambda: api.client.delete(
            "/v1/identifiers", params={"namespace": "phone", "value": "+14155550133"}, headers=crm
        ),
        lambda: api.person("phone:+14155550133"),
    )
    assert unlink.status_code == 404
    assert api.holds(mine) == {"email:mine@x.io"}
    ok = api.client.post(f"/v1/profiles/{mine}/identifiers", json=ident("crm_id:9"), headers=crm)
    assert api.ok(ok, 201)["identifiers"][0]["namespace"] in {"crm_id", "email"}
    assert api.holds(mine) == {"email:mine@x.io", "crm_id:9"}


def test_a_merge_that_would_move_other_namespaces_needs_a_key_without_the_limit(
    api: Api,
) -> None:
    crm = limited(api)
    keep = api.person("email:keep@x.io")
    plain = api.person("email:plain@x.io")
    phoned = api.person("email:phoned@x.io", PHONE)
    refused = api.merge(keep, phoned, headers=crm)
    problem = api.problem(refused, 403, "namespace_not_allowed")
    assert "namespace" not in problem  # the key may not learn what else it holds
    assert "phone" not in refused.text
    assert api.holds(phoned) == {"email:phoned@x.io", PHONE}  # nothing moved
    merged = api.ok(api.merge(keep, plain, headers=crm), 201)
    assert {i["value"] for i in merged["profile"]["identifiers"]} == {
        "keep@x.io",
        "plain@x.io",
    }
    assert api.merge(keep, phoned).status_code == 201  # the admin key has no limit


def test_delete_and_undo_that_would_touch_other_namespaces_are_refused(api: Api) -> None:
    crm = limited(api)
    phoned = api.person("email:p@x.io", PHONE)
    r = api.client.delete(f"/v1/profiles/{phoned}", headers=crm)
    api.problem(r, 403, "namespace_not_allowed")
    assert api.holds(phoned) == {"email:p@x.io", PHONE}
    keep = api.person("email:k@x.io")
    merge_id = api.merged(keep, phoned)
    undo = api.client.post(f"/v1/merges/{merge_id}/undo", headers=crm)
    api.problem(undo, 403, "namespace_not_allowed")
    mine = api.person("email:only@x.io")
    assert api.client.delete(f"/v1/profiles/{mine}", headers=crm).status_code == 204


def test_an_automatic_merge_on_link_is_refused_when_it_would_move_other_namespaces(
    api: Api,
) -> None:
    api.configure(merge_policy="auto")
    crm = limited(api)
    mine = api.person("email:mine@x.io")
    theirs = api.person("email:shared@x.io", PHONE)
    r = api.client.post(
        f"/v1/profiles/{mine}/identifiers", json=ident("email:shared@x.io"), headers=crm
    )
    api.problem(r, 403, "namespace_not_allowed")
    assert api.owner("email:shared@x.io") == theirs


def test_a_profile_holding_none_of_its_namespaces_is_answered_without_identifiers(
    api: Api,
) -> None:
    """Profiles by id and external id stay reachable (ids are not identifiers of a
    namespace): the answer leaves every identifier out, and changes to its attributes
    are allowed; anything touching its identifiers is not."""
    other = api.person(PHONE, external_id="user-7")
    crm = limited(api)
    found = api.profile(other, crm)
    assert (found["external_id"], found["identifiers"]) == ("user-7", [])
    by_external = api.client.get("/v1/resolve", params={"external_id": "user-7"}, headers=crm)
    assert api.ok(by_external, 200)["identifiers"] == []
    patched = api.client.patch(
        f"/v1/profiles/{other}", json={"attributes": {"plan": "pro"}}, headers=crm
    )
    assert api.ok(patched, 200)["identifiers"] == []
    api.problem(
        api.client.delete(f"/v1/profiles/{other}", headers=crm), 403, "namespace_not_allowed"
    )


def test_a_batch_refuses_each_operation_that_leaves_its_namespaces(api: Api) -> None:
    crm = limited(api)
    ops = [
        {"op": "create", "identifiers": [ident("email:b1@x.io")]},
        {"op": "create", "identifiers": [ident(PHONE)]},
        {"op": "link", "identifier": ident("crm_id:b2")},
    ]
    r = api.client.post("/v1/batch", json={"operations": ops}, headers=crm)
    results = api.ok(r, 200)["results"]
    assert [x["status"] for x in results] == [201, 403, 201]
    assert results[1]["problem"]["code"] == "namespace_not_allowed"
    assert api.owner(PHONE) is None


def test_a_limited_key_cannot_replay_an_answer_stored_for_a_key_that_sees_more(
    api: Api,
) -> None:
    """Idempotent answers are kept per workspace; a limited key sending the same request
    under the same Idempotency-Key is told the key was used, not shown the answer."""
    body = {"identifiers": [ident("email:i@x.io"), ident(PHONE)]}
    first = api.client.post("/v1/profiles", json=body, headers={"Idempotency-Key": "k1"})
    api.ok(first, 201)
    crm = {**limited(api), "Idempotency-Key": "k1"}
    replay = api.client.post("/v1/profiles", json=body, headers=crm)
    api.problem(replay, 422, "idempotency_key_reused")
    assert "+14155550100" not in replay.text


@pytest.mark.anyio
async def test_concurrent_requests_of_several_keys_are_each_held_to_their_own(
    settings: Settings, store: Store
) -> None:
    """Links of a limited and an unlimited key arriving together share group-commit
    rounds; each is held to its own key's limit, and the limit does not outlive its
    request in the caller's own context (an in-process ASGI client shares it)."""
    app = build_app(settings, store=store)
    crm = bearer(admin.issue_key(store, "default", namespaces=CRM).secret)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://aka") as c:

        def create(n: int, headers: dict[str, str]) -> Awaitable[httpx.Response]:
            body = {"identifiers": [ident(f"phone:+1415555{n:04d}"), ident(f"email:{n}@x.io")]}
            return c.post("/v1/profiles", json=body, headers=headers)

        calls = [create(n, crm if n % 2 else bearer(ADMIN_KEY)) for n in range(16)]
        answers = await asyncio.gather(*calls)
        assert namespace_scope.current() is namespace_scope.UNLIMITED
    assert [r.status_code for r in answers] == [201 if n % 2 == 0 else 403 for n in range(16)]
    with store.transaction("default", write=False) as tx:
        held = {i.value for i in tx.identifiers_page(None, 100)}
    assert held == {f"{n}@x.io" for n in range(0, 16, 2)} | {
        f"+1415555{n:04d}" for n in range(0, 16, 2)
    }


def test_a_limited_key_administers_only_keys_within_its_limit_and_no_settings(
    api: Api,
) -> None:
    """It lists and revokes only keys within its own limit (another key answers as a
    missing one), and changes no workspace settings (they hold every namespace's rules)."""
    crm = limited(api, name="crm")
    sub = api.ok(api.client.post("/v1/keys", json={"namespaces": ["crm_*"]}, headers=crm), 201)
    listed = api.ok(api.client.get("/v1/keys", headers=crm), 200)["keys"]
    assert {k["name"] for k in listed} == {"crm", ""}  # not the admin key
    admin_id = next(
        k["id"] for k in api.ok(api.client.get("/v1/keys"), 200)["keys"] if k["name"] == "admin"
    )
    api.problem(api.client.delete(f"/v1/keys/{admin_id}", headers=crm), 404, "key_not_found")
    assert api.client.delete(f"/v1/keys/{sub['id']}", headers=crm).status_code == 204
    patch = api.client.patch("/v1/workspace", json={"merge_policy": "auto"}, headers=crm)
    api.problem(patch, 403, "namespace_not_allowed")
    assert api.client.get("/v1/workspace").json()["settings"]["merge_policy"] == "refuse"


def test_the_past_is_held_to_the_limit_too(api: Api) -> None:
    """Resolve as of a moment (ADR 0025): an identifier outside the key's namespaces was
    never there, and a profile as it was is answered without them."""
    ann = api.person("email:ann@x.io", PHONE, "crm_id:c1")
    seq = api.ok(api.client.get("/v1/events"), 200)["next_after"]
    crm = limited(api)
    namespace, _, value = PHONE.partition(":")
    then = {"namespace": namespace, "value": value, "as_of_seq": seq}
    hidden = api.client.get("/v1/resolve", params=then, headers=crm)
    nobody = api.client.get("/v1/resolve", params={**then, "value": "+14155550199"}, headers=crm)
    assert api.problem(hidden, 404, "profile_not_found")["detail"].endswith(f"as of event {seq}")
    assert answer(hidden)[1].replace(b"+14155550100", b"+14155550199") == answer(nobody)[1]
    past = api.client.get(f"/v1/profiles/{ann}", params={"as_of_seq": seq}, headers=crm)
    assert {i["namespace"] for i in api.ok(past, 200)["identifiers"]} == {"email", "crm_id"}


def test_renamed_external_ids_belong_to_the_profile_whatever_the_limit(api: Api) -> None:
    """A deprecated external id (ADR 0024) is the profile's, as its external id is: a
    limited key renames, sees and resolves it."""
    ann = api.person("email:ann@x.io", external_id="u-1")
    crm = limited(api)
    renamed = api.client.post(
        f"/v1/profiles/{ann}/rename", json={"external_id": "u-2"}, headers=crm
    )
    assert ("aka:external_id", "u-1", True) in {
        (i["namespace"], i["value"], i["deprecated"]) for i in api.ok(renamed, 200)["identifiers"]
    }
    old = api.client.get("/v1/resolve", params={"external_id": "u-1"}, headers=crm)
    assert api.ok(old, 200)["deprecated_match"] is True


def test_a_dry_run_of_a_limited_key_previews_only_what_it_may_see(api: Api) -> None:
    ann = api.person("email:ann@x.io", PHONE)
    crm = limited(api)
    r = api.client.post(
        f"/v1/profiles/{ann}/identifiers",
        params={"dry_run": "true"},
        json={"namespace": "crm_id", "value": "c9"},
        headers=crm,
    )
    member = api.ok(r, 201)["dry_run"]
    assert member["identifiers_linked"] == [
        {"namespace": "crm_id", "value": "c9", "profile_id": ann}
    ]
    assert "+14155550100" not in r.text
    refused = api.client.post(
        f"/v1/profiles/{ann}/identifiers",
        params={"dry_run": "true"},
        json={"namespace": "phone", "value": "+14155550111"},
        headers=crm,
    )
    assert api.problem(refused, 403, "namespace_not_allowed")["namespace"] == "phone"
