"""The change feed: `GET /v1/events?after=&limit=`, cursor = event `seq`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from conftest import Api


def page(api: Api, **params: Any) -> dict[str, Any]:
    return api.ok(api.client.get("/v1/events", params=params), 200)


def test_paging_with_next_after_reads_every_event_once_in_order(api: Api) -> None:
    """Following `next_after` page by page yields the whole log, oldest first."""
    for n in range(10):
        api.person(f"device:d{n}")  # one event each: created with its identifier
    seen: list[int] = []
    after = 0
    while True:
        body = page(api, after=after, limit=3)
        if not body["events"]:
            assert body["next_after"] == after  # an empty page keeps the cursor
            break
        assert len(body["events"]) <= 3
        seen.extend(e["seq"] for e in body["events"])
        assert body["next_after"] == body["events"][-1]["seq"]
        after = body["next_after"]
    assert len(seen) == 10
    assert seen == sorted(set(seen))


def test_events_carry_type_profile_actor_time_and_payload(api: Api) -> None:
    """One event per request: a profile created with an identifier lists it."""
    ann = api.person("device:d1")
    (created,) = page(api)["events"]
    assert (created["type"], created["profile_id"]) == ("profile.created", ann)
    assert [(i["namespace"], i["value"]) for i in created["payload"]["identifiers"]] == [
        ("device", "d1")
    ]
    assert created["actor"] is not None  # the admin key that made the change
    assert created["at"].endswith("Z")


def test_a_link_is_one_event_listing_what_it_linked(api: Api) -> None:
    ann = api.person("device:d1")
    cursor = page(api)["next_after"]
    api.ok(
        api.client.post(
            f"/v1/profiles/{ann}/identifiers", json={"namespace": "device", "value": "d2"}
        ),
        201,
    )
    (linked,) = page(api, after=cursor)["events"]
    assert linked["type"] == "identifier.linked"
    assert linked["profile_id"] == ann
    assert [i["value"] for i in linked["payload"]["identifiers"]] == ["d2"]


def test_a_cursor_past_the_end_answers_an_empty_page(api: Api) -> None:
    api.person("device:d1")
    assert page(api, after=1000) == {"events": [], "next_after": 1000}


def test_the_feed_follows_new_writes_from_the_last_cursor(api: Api) -> None:
    """A poller that saved `next_after` sees exactly what happened since."""
    api.person("device:d1")
    cursor = page(api)["next_after"]
    ann = api.person("device:d2")
    fresh = page(api, after=cursor)["events"]
    assert [(e["type"], e["profile_id"]) for e in fresh] == [("profile.created", ann)]


OUT_OF_RANGE = [
    ({"limit": 0}, "limit"),
    ({"limit": 1001}, "limit"),
    ({"after": -1}, "after"),
    ({"after": "x"}, "after"),
]


def test_limit_and_after_out_of_range_are_422_naming_the_parameter(api: Api) -> None:
    """`limit` is 1-1000 and `after` a seq (0 or more)."""
    for params, name in OUT_OF_RANGE:
        r = api.client.get("/v1/events", params=params)
        assert api.problem(r, 422, "invalid_input")["field"] == name


def test_the_stream_is_documented_as_server_sent_events(api: Api) -> None:
    """`GET /v1/events/stream` answers `text/event-stream` in the OpenAPI document, with
    its `after` parameter and its 503 (too many streams)."""
    document = api.ok(api.client.get("/openapi.json"), 200)
    stream = document["paths"]["/v1/events/stream"]["get"]
    assert list(stream["responses"]["200"]["content"]) == ["text/event-stream"]
    assert "503" in stream["responses"]
    assert "after" in [p["name"] for p in stream["parameters"]]
