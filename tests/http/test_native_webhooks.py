"""`/v1/webhooks`: making, listing, reading and deleting webhooks and reading their
deliveries (ADR 0030), on every store. Delivery itself: test_webhook_delivery.py."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from aka.service import webhooks

if TYPE_CHECKING:
    from conftest import Api

URL = "http://127.0.0.1:9/hook"  # the discard port: nothing answers there
SECRET = "a-long-enough-secret-0123"


def body(**fields: Any) -> dict[str, Any]:
    return {"url": URL, "events": ["profile.merged"], "secret": SECRET, **fields}


def test_a_webhook_starts_at_the_log_end_and_never_shows_its_secret(api: Api) -> None:
    """201 with the webhook; `delivered_seq` is the log's last seq, so it delivers what
    happens from now on. The secret is in no answer, not even the first."""
    api.person("email:ann@x.io")
    made = api.client.post("/v1/webhooks", json=body(events=["profile.merged", "profile.created"]))
    hook = api.ok(made, 201)
    assert SECRET not in made.text
    assert hook["delivered_seq"] == api.events()[-1]["seq"]
    assert (hook["url"], hook["events"], hook["namespaces"]) == (
        URL,
        ["profile.merged", "profile.created"],
        None,
    )
    assert hook["failures"] == 0
    listed = api.client.get("/v1/webhooks")
    assert [h["id"] for h in api.ok(listed, 200)["webhooks"]] == [hook["id"]]
    one = api.client.get(f"/v1/webhooks/{hook['id']}")
    assert api.ok(one, 200) == hook
    assert SECRET not in listed.text + one.text


def test_deleting_a_webhook_stops_it(api: Api) -> None:
    hook = api.ok(api.client.post("/v1/webhooks", json=body()), 201)
    assert api.client.delete(f"/v1/webhooks/{hook['id']}").status_code == 204
    api.problem(api.client.get(f"/v1/webhooks/{hook['id']}"), 404, "webhook_not_found")
    api.problem(api.client.delete(f"/v1/webhooks/{hook['id']}"), 404, "webhook_not_found")
    api.problem(api.client.get(f"/v1/webhooks/{hook['id']}/deliveries"), 404, "webhook_not_found")
    assert api.ok(api.client.get("/v1/webhooks"), 200)["webhooks"] == []


@pytest.mark.parametrize(
    ("fields", "field", "says"),
    [
        ({"url": "ftp://x.io/hook"}, "url", "http"),
        ({"url": "/relative"}, "url", "http"),
        ({"url": "https://x.io/" + "a" * 2048}, "url", "2048"),
        ({"url": "https://x.io/a b"}, "url", "spaces"),
        ({"events": []}, "events", "at least one"),
        ({"events": ["profile.merged", "profile.exploded"]}, "events[1]", "profile.exploded"),
        ({"secret": "short"}, "secret", "16 to 256"),
        ({"secret": "x" * 257}, "secret", "16 to 256"),
    ],
)
def test_a_bad_webhook_is_refused_naming_the_field_and_the_limit(
    api: Api, fields: dict[str, Any], field: str, says: str
) -> None:
    problem = api.problem(
        api.client.post("/v1/webhooks", json=body(**fields)), 422, "invalid_input"
    )
    assert problem["field"] == field
    assert says in problem["detail"]
    assert api.ok(api.client.get("/v1/webhooks"), 200)["webhooks"] == []


def test_an_unknown_field_is_refused(api: Api) -> None:
    answer = api.client.post("/v1/webhooks", json=body(evnets=["profile.merged"]))
    assert answer.status_code == 422


def test_webhooks_need_the_admin_scope(api: Api) -> None:
    """A webhook sends the workspace's changes out of aka: `keys:admin`, as keys do."""
    writer = api.key("identities:read", "identities:write", "identities:merge")
    api.problem(api.client.post("/v1/webhooks", json=body(), headers=writer), 403, "forbidden")
    api.problem(api.client.get("/v1/webhooks", headers=writer), 403, "forbidden")


def test_webhooks_belong_to_their_workspace(api: Api) -> None:
    hook = api.ok(api.client.post("/v1/webhooks", json=body()), 201)
    other = api.other_workspace()
    assert api.ok(api.client.get("/v1/webhooks", headers=other), 200)["webhooks"] == []
    api.problem(
        api.client.get(f"/v1/webhooks/{hook['id']}", headers=other), 404, "webhook_not_found"
    )


def test_a_limited_key_makes_a_webhook_with_its_limit(api: Api) -> None:
    made = api.client.post(
        "/v1/keys", json={"name": "crm", "scopes": ["keys:admin"], "namespaces": ["crm_*"]}
    )
    limited = api.bearer(api.ok(made, 201)["secret"])
    hook = api.ok(api.client.post("/v1/webhooks", json=body(), headers=limited), 201)
    assert hook["namespaces"] == ["crm_*"]


def test_a_workspace_holds_a_bounded_number_of_webhooks(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(webhooks, "WEBHOOKS_MAX", 2)
    for _ in range(2):
        api.ok(api.client.post("/v1/webhooks", json=body()), 201)
    problem = api.problem(api.client.post("/v1/webhooks", json=body()), 409, "webhook_limit")
    assert "2" in problem["detail"]


def test_the_deliveries_of_a_new_webhook_are_an_empty_page(api: Api) -> None:
    hook = api.ok(api.client.post("/v1/webhooks", json=body()), 201)
    page = api.ok(api.client.get(f"/v1/webhooks/{hook['id']}/deliveries"), 200)
    assert page == {"deliveries": [], "next_before": None}
    too_many = api.client.get(f"/v1/webhooks/{hook['id']}/deliveries", params={"limit": 101})
    assert too_many.status_code == 422
    assert "limit" in too_many.text


def test_more_event_types_than_exist_is_refused_as_too_many(api: Api) -> None:
    many = ["profile.merged"] * 14
    problem = api.problem(
        api.client.post("/v1/webhooks", json=body(events=many)), 413, "too_many_items"
    )
    assert problem["field"] == "events"
