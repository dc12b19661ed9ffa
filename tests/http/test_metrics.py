"""`GET /metrics`: after a scripted session, every counter moved by exactly what the
session did, on every store; and who may read it (`AKA_METRICS`)."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient
from tests.http.conftest import ADMIN_KEY, Api, bearer
from tests.metrics_scrape import moved, samples, value

from aka.app import build_app
from aka.config import Settings

OPERATIONS = "aka_graph_operations_total"
REFUSALS = "aka_graph_refusals_total"
GUARDRAILS = "aka_guardrail_hits_total"
RATE_LIMITED = "aka_rate_limited_total"
REQUESTS = "aka_http_request_duration_seconds_count"
ROUNDS = "aka_group_commit_round_requests_count"
ROUND_REQUESTS = "aka_group_commit_round_requests_sum"
ROUND_SECONDS = "aka_group_commit_round_duration_seconds_count"


def scrape(api: Api, headers: dict[str, str]) -> dict[Any, float]:
    answer = api.client.get("/metrics", headers=headers)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/plain; version=0.0.4")
    return samples(answer.text)


def test_the_counters_move_by_exactly_what_a_session_did(api: Api) -> None:
    """Creates, links (new, already there, refused), a merge, its undo, a refused
    merge (a guardrail), a link over a namespace's cap (a guardrail), a dry run (no
    operation), a write retried with an `Idempotency-Key` (one operation) and a
    rate-limited read: each counter moves by exactly that, and nothing else moves."""
    scraper = api.key("metrics:read")
    before = scrape(api, scraper)

    ann = api.person("email:ann@x.io")
    bob = api.person("device:b1", identified=True)
    carl = api.person(identified=True)
    assert api.link(ann, "device:a1").status_code == 201
    assert api.link(ann, "device:a1").status_code == 200  # already there: applied
    api.problem(api.link(bob, "device:a1"), 409, "identifier_conflict")
    merge_id = api.merged(bob, ann)
    api.ok(api.client.post(f"/v1/merges/{merge_id}/undo"), 200)
    api.problem(api.merge(bob, carl), 409, "merge_both_identified")
    preview = {"keep": {"profile_id": bob}, "merge": {"profile_id": ann}}
    api.ok(api.client.post("/v1/merges", params={"dry_run": "true"}, json=preview), 201)
    api.configure(namespaces={"device": {"max_per_profile": 1}})
    api.problem(api.link(bob, "device:b2"), 409, "namespace_limit")
    for _ in range(2):
        retried = api.client.post(
            "/v1/profiles", json={"external_id": "dora"}, headers={"Idempotency-Key": "dora-1"}
        )
        api.ok(retried, 201)
    one_a_minute = {"scopes": ["identities:read"], "rate_limits": {"read": "1/minute"}}
    limited = bearer(api.ok(api.client.post("/v1/keys", json=one_a_minute), 201)["secret"])
    where = {"namespace": "device", "value": "a1"}
    api.ok(api.client.get("/v1/resolve", params=where, headers=limited), 200)
    api.problem(api.client.get("/v1/resolve", params=where, headers=limited), 429, "rate_limited")

    after = scrape(api, scraper)
    assert moved(before, after, OPERATIONS) == {
        ("create_profile", "applied"): 4,  # ann, bob, carl, dora once
        ("link", "applied"): 2,
        ("link", "refused"): 2,
        ("merge", "applied"): 1,
        ("merge", "refused"): 1,
        ("undo_merge", "applied"): 1,
    }
    assert moved(before, after, REFUSALS) == {  # (code, operation)
        ("identifier_conflict", "link"): 1,
        ("namespace_limit", "link"): 1,
        ("merge_both_identified", "merge"): 1,
    }
    assert moved(before, after, GUARDRAILS) == {
        ("merge_both_identified",): 1,
        ("namespace_limit",): 1,
    }
    assert moved(before, after, RATE_LIMITED) == {("native", "read"): 1}
    # Creates and links go through group commit: one request a round here (one client).
    assert moved(before, after, ROUNDS) == {(): 7}
    assert moved(before, after, ROUND_REQUESTS) == {(): 7}
    assert moved(before, after, ROUND_SECONDS) == {(): 7}
    assert moved(before, after, REQUESTS) == {  # (door, method, route, status)
        ("native", "POST", "/v1/profiles", "201"): 5,  # the retry's replay too
        ("native", "POST", "/v1/profiles/{id}/identifiers", "201"): 1,
        ("native", "POST", "/v1/profiles/{id}/identifiers", "200"): 1,
        ("native", "POST", "/v1/profiles/{id}/identifiers", "409"): 2,
        ("native", "POST", "/v1/merges", "201"): 2,  # the merge and the dry run
        ("native", "POST", "/v1/merges", "409"): 1,
        ("native", "POST", "/v1/merges/{id}/undo", "200"): 1,
        ("native", "PATCH", "/v1/workspace", "200"): 1,
        ("native", "POST", "/v1/keys", "201"): 1,
        ("native", "GET", "/v1/resolve", "200"): 1,
        ("native", "GET", "/v1/resolve", "429"): 1,
        ("none", "GET", "/metrics", "200"): 1,  # the first scrape (this one is not over)
    }
    assert value(after, "aka_jobs_waiting") == 0
    assert value(after, "aka_jobs_oldest_waiting_seconds") == 0
    assert value(after, "aka_db_pool_connections_in_use") >= 0


# --- who may read it ---------------------------------------------------------------


def _app(**overrides: Any) -> TestClient:
    settings = Settings(database_url="memory://", admin_key=ADMIN_KEY, **overrides)
    return TestClient(build_app(settings))


def test_by_default_a_key_with_the_metrics_read_scope_is_required() -> None:
    """`AKA_METRICS` defaults to `key`: no key is 401, an unknown key 401, a key without
    `metrics:read` (the admin's: keys get it only when it is named) 403, all in the
    native problem envelope naming `Authorization`; a key with the scope reads."""
    assert Settings().metrics == "key"
    with _app() as client:
        api = Api(client, None)  # type: ignore[arg-type]
        for headers, status, code in (
            ({}, 401, "unauthenticated"),
            (bearer("aka_not_a_key"), 401, "unauthenticated"),
            (bearer(ADMIN_KEY), 403, "forbidden"),
        ):
            refused = api.problem(client.get("/metrics", headers=headers), status, code)
            assert refused["field"] == "Authorization"
        made = client.post("/v1/keys", json={}, headers=bearer(ADMIN_KEY)).json()
        assert "metrics:read" not in made["scopes"]
        scoped = client.post(
            "/v1/keys", json={"scopes": ["metrics:read"]}, headers=bearer(ADMIN_KEY)
        )
        answer = client.get("/metrics", headers=bearer(scoped.json()["secret"]))
        assert answer.status_code == 200
        assert "aka_http_request_duration_seconds" in answer.text


def test_open_metrics_need_no_key() -> None:
    """`AKA_METRICS=open`: anyone who reaches the port reads them."""
    with _app(metrics="open") as client:
        answer = client.get("/metrics")
        assert answer.status_code == 200
        assert "aka_jobs_waiting 0.0" in answer.text


def test_off_metrics_are_not_served_nor_measured() -> None:
    """`AKA_METRICS=off`: `/metrics` is a 404 like any unknown path, in the native
    envelope, and the document does not list it."""
    with _app(metrics="off") as client:
        answer = client.get("/metrics", headers=bearer(ADMIN_KEY))
        Api.problem(answer, 404, "route_not_found")
        assert "/metrics" not in client.get("/openapi.json").json()["paths"]


@pytest.mark.parametrize("mode", ["key", "open"])
def test_the_document_describes_the_route_as_served(mode: str) -> None:
    """`/openapi.json` lists `/metrics` as text, with the scope only when one is needed."""
    with _app(metrics=mode) as client:
        op = client.get("/openapi.json").json()["paths"]["/metrics"]["get"]
    assert "text/plain" in op["responses"]["200"]["content"]
    assert ("security" in op) is (mode == "key")


def test_each_door_is_told_apart_and_an_operation_is_one_whatever_the_door() -> None:
    """Braze's and Appizer's requests are counted under their doors; what they do, as the
    engine's operations; an Appizer call over its key's limit is a rate-limit refusal of
    the `appizer` door."""
    with _app(metrics="open", dialects="all") as client:
        admin = bearer(ADMIN_KEY)
        before = samples(client.get("/metrics").text)
        braze = {"user_aliases": [{"external_id": "u-1", "alias_label": "crm", "alias_name": "c1"}]}
        assert client.post("/users/alias/new", json=braze, headers=admin).status_code == 201
        limit = {"scopes": ["identities:write"], "rate_limits": {"write": "1/minute"}}
        limited = bearer(client.post("/v1/keys", json=limit, headers=admin).json()["secret"])
        user = {"user_id": "u-2"}
        assert client.post("/v1/users", json=user, headers=limited).status_code == 201
        assert client.post("/v1/users", json=user, headers=limited).status_code == 429
        after = samples(client.get("/metrics").text)
    requests = moved(before, after, REQUESTS)
    assert requests[("braze", "POST", "/users/alias/new", "201")] == 1
    assert requests[("appizer", "POST", "/v1/users", "201")] == 1
    assert requests[("appizer", "POST", "/v1/users", "429")] == 1
    assert moved(before, after, RATE_LIMITED) == {("appizer", "write"): 1}
    assert moved(before, after, OPERATIONS) == {
        ("add_aliases", "applied"): 1,
        ("upsert_user", "applied"): 1,
    }
