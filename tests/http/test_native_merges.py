"""Merges and their undo: `POST /v1/merges`, `POST /v1/merges/{id}/undo`."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from conftest import Api


def test_merge_answers_201_with_its_id_and_the_survivor_holding_everything(api: Api) -> None:
    known = api.person("email:ann@x.io", external_id="user-42")
    anon = api.person("device:web-19c2")
    r = api.client.post(
        "/v1/merges",
        json={"keep": {"external_id": "user-42"}, "merge": {"profile_id": anon}},
    )
    body = api.ok(r, 201)
    assert isinstance(body["id"], int)
    assert body["profile"]["id"] == known
    assert api.holds(known) == {"email:ann@x.io", "device:web-19c2"}


def test_a_merged_id_forwards_to_the_survivor(api: Api) -> None:
    """GET by the old id, and resolve by a moved identifier, both answer the survivor."""
    keep = api.person("device:d1", external_id="user-1")
    gone = api.person("device:d2")
    api.merged(keep, gone)
    forwarded = api.profile(gone)
    assert forwarded["id"] == keep
    assert forwarded["external_id"] == "user-1"
    assert api.owner("device:d2") == keep


def test_forwarding_stays_one_hop_after_a_chain_of_merges(api: Api) -> None:
    """c into b, then b into a: c's id answers a."""
    a, b, c = api.person("device:a"), api.person("device:b"), api.person("device:c")
    api.merged(b, c)
    api.merged(a, b)
    assert api.profile(c)["id"] == a
    assert api.holds(a) == {"device:a", "device:b", "device:c"}


def test_merging_a_profile_into_itself_is_refused(api: Api) -> None:
    ann = api.person("device:d1")
    api.problem(api.merge(ann, ann), 409, "merge_same_profile")


def test_merging_through_a_forwarding_id_into_its_survivor_is_refused(api: Api) -> None:
    """A tombstone id is its survivor, so that merge would be a profile into itself."""
    keep, gone = api.person("device:d1"), api.person("device:d2")
    api.merged(keep, gone)
    api.problem(api.merge(keep, gone), 409, "merge_same_profile")


def test_merging_two_identified_profiles_needs_force(api: Api) -> None:
    """Two known people are not merged by accident: 409 without `force`, 201 with it."""
    ann = api.person("device:d1", identified=True)
    bob = api.person("device:d2", identified=True)
    problem = api.problem(api.merge(ann, bob), 409, "merge_both_identified")
    assert "force" in problem["detail"]
    assert api.owner("device:d2") == bob
    api.ok(api.merge(ann, bob, force=True), 201)
    assert api.owner("device:d2") == ann


def test_merge_with_an_unknown_profile_is_404_naming_the_side(api: Api) -> None:
    ann = api.person("device:d1")
    problem = api.problem(api.merge(ann, "no-such-profile"), 404, "profile_not_found")
    assert problem["field"] == "merge"
    problem = api.problem(api.merge("no-such-profile", ann), 404, "profile_not_found")
    assert problem["field"] == "keep"


def test_undo_puts_the_identifiers_back_and_revives_the_merged_profile(api: Api) -> None:
    """POST /v1/merges/{id}/undo answers 200 with the revived profile."""
    keep = api.person("device:d1", external_id="user-1")
    gone = api.person("device:d2", "email:gone@x.io")
    merge_id = api.merged(keep, gone)
    r = api.client.post(f"/v1/merges/{merge_id}/undo")
    body = api.ok(r, 200)
    assert body["id"] == merge_id
    assert body["profile"]["id"] == gone
    assert api.holds(gone) == {"device:d2", "email:gone@x.io"}
    assert api.holds(keep) == {"device:d1"}
    assert api.profile(gone)["id"] == gone  # no longer forwards


def test_undo_leaves_on_the_survivor_what_changed_since_the_merge(api: Api) -> None:
    """An identifier unlinked after the merge stays gone; the rest goes back."""
    keep = api.person("device:d1")
    gone = api.person("device:d2", "device:d3")
    merge_id = api.merged(keep, gone)
    r = api.client.delete("/v1/identifiers", params={"namespace": "device", "value": "d3"})
    assert r.status_code == 204
    api.ok(api.client.post(f"/v1/merges/{merge_id}/undo"), 200)
    assert api.holds(gone) == {"device:d2"}
    assert api.owner("device:d3") is None


def test_a_second_undo_is_a_409(api: Api) -> None:
    keep, gone = api.person("device:d1"), api.person("device:d2")
    merge_id = api.merged(keep, gone)
    api.ok(api.client.post(f"/v1/merges/{merge_id}/undo"), 200)
    problem = api.problem(
        api.client.post(f"/v1/merges/{merge_id}/undo"), 409, "merge_already_undone"
    )
    assert isinstance(problem["undone_by"], int)
    assert api.holds(gone) == {"device:d2"}


def test_undo_of_something_that_is_not_a_merge_is_404(api: Api) -> None:
    """Only merge events can be undone: an unknown id or another event's seq is a 404."""
    api.person("device:d1")
    api.problem(api.client.post("/v1/merges/99999/undo"), 404, "merge_not_found")
    created_seq = api.events()[0]["seq"]
    api.problem(api.client.post(f"/v1/merges/{created_seq}/undo"), 404, "merge_not_found")


def test_undo_is_refused_while_the_survivor_is_itself_merged(api: Api) -> None:
    """b into a, then a into c: undoing the first would revive b under a tombstone."""
    a, b, c = api.person("device:a"), api.person("device:b"), api.person("device:c")
    first = api.merged(a, b)
    api.merged(c, a)
    problem = api.problem(api.client.post(f"/v1/merges/{first}/undo"), 409, "merge_not_undoable")
    assert problem["blocking_profile"] == c
    assert api.owner("device:b") == c
