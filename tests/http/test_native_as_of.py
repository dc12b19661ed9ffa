"""Resolve as of any moment over the native API (ADR 0025): `as_of` (RFC 3339) and
`as_of_seq` on `GET /v1/resolve` and `GET /v1/profiles/{id}`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from conftest import Api


def last_event(api: Api) -> dict[str, Any]:
    events = api.ok(api.client.get("/v1/events", params={"limit": 1000}), 200)["events"]
    return dict(events[-1])


def test_resolve_as_of_a_seq_answers_who_held_it_then(api: Api) -> None:
    """Before a merge the address was Ann's, with Ann's identifiers then; after it, the
    survivor's; a seq before the link answers 404."""
    ann = api.person("email:ann@example.com", attributes={"plan": "free"})
    linked = last_event(api)["seq"]
    bob = api.person("device:d1", external_id="u-bob")
    api.merged(bob, ann)
    email = {"namespace": "email", "value": "ANN@example.com"}

    then = api.ok(api.client.get("/v1/resolve", params={**email, "as_of_seq": linked}), 200)
    assert then["id"] == ann
    assert then["attributes"] == {"plan": "free"}
    assert [i["value"] for i in then["identifiers"]] == ["ann@example.com"]
    now = api.ok(api.client.get("/v1/resolve", params=email), 200)
    assert now["id"] == bob
    before = api.client.get("/v1/resolve", params={**email, "as_of_seq": linked - 1})
    api.problem(before, 404, "profile_not_found")
    by_external = api.client.get("/v1/resolve", params={"external_id": "u-bob", "as_of_seq": 1})
    api.problem(by_external, 404, "profile_not_found")


def test_a_time_answers_as_of_the_last_event_at_or_before_it(api: Api) -> None:
    ann = api.person("email:ann@example.com")
    at = last_event(api)["at"]
    other = api.person("device:d1")
    api.merged(other, ann)
    then = api.client.get("/v1/profiles/" + ann, params={"as_of": at})
    assert api.ok(then, 200)["id"] == ann
    assert api.ok(api.client.get("/v1/profiles/" + ann), 200)["id"] == other
    early = api.client.get("/v1/profiles/" + ann, params={"as_of": "2000-01-01T00:00:00Z"})
    api.problem(early, 404, "profile_not_found")


def test_an_erased_person_answers_at_no_moment(api: Api) -> None:
    ann = api.person("email:ann@example.com")
    seq = last_event(api)["seq"]
    assert api.client.delete("/v1/profiles/" + ann).status_code == 204
    email = {"namespace": "email", "value": "ann@example.com", "as_of_seq": seq}
    api.problem(api.client.get("/v1/resolve", params=email), 404, "profile_not_found")
    old = api.client.get("/v1/profiles/" + ann, params={"as_of_seq": seq})
    api.problem(old, 404, "profile_not_found")


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"as_of_seq": "-1"}, "as_of_seq"),
        ({"as_of_seq": "soon"}, "as_of_seq"),
        ({"as_of": "yesterday"}, "as_of"),
        ({"as_of": "2026-11-30T12:00:00"}, "as_of"),
        ({"as_of": "2026-11-30T12:00:00Z", "as_of_seq": "3"}, "as_of_seq"),
    ],
)
def test_a_bad_moment_is_a_422_naming_the_parameter(
    api: Api, params: dict[str, str], field: str
) -> None:
    ann = api.person("email:ann@example.com")
    for path, base in (
        ("/v1/resolve", {"namespace": "email", "value": "ann@example.com"}),
        ("/v1/profiles/" + ann, {}),
    ):
        body = api.problem(api.client.get(path, params={**base, **params}), 422, "invalid_input")
        assert body["field"] == field, body


def test_a_time_at_the_edge_of_the_calendar_answers_before_everything_or_now(api: Api) -> None:
    """0001-01-01 an hour east of UTC is before the calendar in UTC; 9999-12-31 an hour
    west is after it: before every event (404), and now."""
    ann = api.person("email:ann@example.com")
    early = {"as_of": "0001-01-01T00:00:00+01:00"}
    api.problem(api.client.get("/v1/profiles/" + ann, params=early), 404, "profile_not_found")
    late = {"as_of": "9999-12-31T23:59:59-01:00"}
    assert api.ok(api.client.get("/v1/profiles/" + ann, params=late), 200)["id"] == ann
    huge = api.client.get("/v1/profiles/" + ann, params={"as_of_seq": str(2**63 - 1)})
    assert api.ok(huge, 200)["id"] == ann
