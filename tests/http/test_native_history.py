"""Why two identifiers are one person: `GET /v1/profiles/{id}/history`, `POST /v1/explain`."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from conftest import Api


def types(events: list[dict[str, object]]) -> list[object]:
    return [e["type"] for e in events]


def test_history_lists_the_profiles_events_oldest_first(api: Api) -> None:
    ann = api.person("email:ann@x.io")
    api.ok(api.link(ann, "device:d1"), 201)
    body = api.ok(api.client.get(f"/v1/profiles/{ann}/history"), 200)
    assert body["profile_id"] == ann
    # One event per request: the profile made with its email, then the link.
    assert types(body["events"]) == ["profile.created", "identifier.linked"]
    seqs = [e["seq"] for e in body["events"]]
    assert seqs == sorted(seqs)


def test_history_includes_what_was_merged_into_the_profile(api: Api) -> None:
    """The merged profile's own events are part of the survivor's history."""
    keep = api.person("device:d1")
    gone = api.person("device:d2")
    api.merged(keep, gone)
    events = api.ok(api.client.get(f"/v1/profiles/{keep}/history"), 200)["events"]
    assert {e["profile_id"] for e in events if e["type"] == "profile.created"} == {keep, gone}
    assert types(events)[-1] == "profile.merged"


def test_history_through_a_merged_id_is_the_survivors(api: Api) -> None:
    keep, gone = api.person("device:d1"), api.person("device:d2")
    api.merged(keep, gone)
    via_old = api.ok(api.client.get(f"/v1/profiles/{gone}/history"), 200)
    assert via_old["profile_id"] == keep


def test_history_of_an_unknown_profile_is_404(api: Api) -> None:
    api.problem(api.client.get("/v1/profiles/nobody/history"), 404, "profile_not_found")


def test_explain_names_the_events_that_made_two_references_one_person(api: Api) -> None:
    """The README's question: why is web-19c2 the same person as user-42?"""
    known = api.person("email:ann@x.io", external_id="user-42")
    anon = api.person("device:web-19c2")
    api.merged(known, anon)
    r = api.client.post(
        "/v1/explain",
        json={"a": {"namespace": "device", "value": "web-19c2"}, "b": {"external_id": "user-42"}},
    )
    body = api.ok(r, 200)
    assert body["same"] is True
    assert body["a"] == body["b"] == known
    # user-42's creation, web-19c2's creation (which linked it), and the merge.
    assert types(body["events"]) == ["profile.created", "profile.created", "profile.merged"]


def test_explain_of_two_different_people_says_not_same(api: Api) -> None:
    ann = api.person("device:d1")
    bob = api.person("device:d2")
    r = api.client.post(
        "/v1/explain",
        json={"a": {"profile_id": ann}, "b": {"namespace": "device", "value": "d2"}},
    )
    assert api.ok(r, 200) == {"same": False, "a": ann, "b": bob, "events": []}


def test_explain_after_an_undo_says_not_same(api: Api) -> None:
    keep, gone = api.person("device:d1"), api.person("device:d2")
    merge_id = api.merged(keep, gone)
    api.ok(api.client.post(f"/v1/merges/{merge_id}/undo"), 200)
    r = api.client.post("/v1/explain", json={"a": {"profile_id": keep}, "b": {"profile_id": gone}})
    assert api.ok(r, 200)["same"] is False


def test_explain_with_an_unknown_reference_is_404_naming_it(api: Api) -> None:
    ann = api.person("device:d1")
    r = api.client.post(
        "/v1/explain", json={"a": {"profile_id": ann}, "b": {"external_id": "nobody"}}
    )
    assert api.problem(r, 404, "profile_not_found")["field"] == "b"
