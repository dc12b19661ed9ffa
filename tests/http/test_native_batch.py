"""`POST /v1/batch`: many operations, one transaction, one result each, in order."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from conftest import Api

LIMIT = 4


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"batch_max_operations": LIMIT}


def run(api: Api, *operations: dict[str, Any], headers: dict[str, str] | None = None) -> list[Any]:
    r = api.client.post("/v1/batch", json={"operations": list(operations)}, headers=headers)
    results: list[Any] = api.ok(r, 200)["results"]
    assert len(results) == len(operations)
    return results


def link(text: str, profile: dict[str, str] | None = None) -> dict[str, Any]:
    namespace, _, value = text.partition(":")
    op: dict[str, Any] = {"op": "link", "identifier": {"namespace": namespace, "value": value}}
    if profile is not None:
        op["profile"] = profile
    return op


def test_results_come_in_order_and_later_operations_see_earlier_ones(api: Api) -> None:
    """A profile created by operation 0 is linked to, identified and read by the next."""
    d1, d2 = {"namespace": "device", "value": "d1"}, {"namespace": "device", "value": "d2"}
    create, linked, identified, unlinked = run(
        api,
        {"op": "create", "identifiers": [d1]},
        link("device:d2", d1),
        {"op": "identify", "profile": d2, "external_id": "user-1"},
        {"op": "unlink", "identifier": d1},
    )
    ann = create["profile"]["id"]
    assert (create["status"], linked["status"], identified["status"]) == (201, 201, 200)
    assert linked["profile"]["id"] == identified["profile"]["id"] == ann
    assert unlinked == {"status": 204}
    assert api.holds(ann) == {"device:d2"}
    assert api.profile(ann)["external_id"] == "user-1"


def test_a_link_without_a_profile_creates_an_anonymous_one(api: Api) -> None:
    [result] = run(api, link("device:d1"))
    assert result["status"] == 201
    assert api.owner("device:d1") == result["profile"]["id"]


def test_a_link_already_there_answers_200(api: Api) -> None:
    ann = api.person("device:d1")
    [result] = run(api, link("device:d1", {"profile_id": ann}))
    assert result["status"] == 200


def test_a_refused_operation_does_not_stop_the_others(api: Api) -> None:
    """Its result is a problem whose `field` is under `operations[N]`; the rest commit."""
    owner = api.person("device:taken")
    ann = api.person("device:d1")
    first, refused, blocked, last = run(
        api,
        link("device:d2", {"profile_id": ann}),
        link("device:taken", {"profile_id": ann}),
        link("device:null", {"profile_id": ann}),
        link("device:d3", {"profile_id": ann}),
    )
    assert (first["status"], last["status"]) == (201, 201)
    assert refused["status"] == 409
    assert refused["problem"]["code"] == "identifier_conflict"
    assert refused["problem"]["owner"] == owner
    assert refused["problem"]["field"] == "operations[1].identifier"
    assert blocked["status"] == 422
    assert blocked["problem"]["code"] == "value_blocked"
    assert blocked["problem"]["field"] == "operations[2].identifier.value"
    assert api.holds(ann) == {"device:d1", "device:d2", "device:d3"}
    assert api.owner("device:taken") == owner


def test_a_refused_merge_leaves_nothing_behind(api: Api) -> None:
    """Each operation runs in its own savepoint: a failure is rolled back alone."""
    ann = api.person("device:d1", identified=True)
    bob = api.person("device:d2", identified=True)
    before = len(api.events())
    [refused] = run(api, {"op": "merge", "keep": {"profile_id": ann}, "merge": {"profile_id": bob}})
    assert refused["status"] == 409
    assert refused["problem"]["code"] == "merge_both_identified"
    assert refused["problem"]["field"] == "operations[0].merge"
    assert len(api.events()) == before


def test_a_merge_answers_201_with_its_merge_id(api: Api) -> None:
    keep, gone = api.person("device:d1"), api.person("device:d2")
    [merged] = run(
        api, {"op": "merge", "keep": {"profile_id": keep}, "merge": {"profile_id": gone}}
    )
    assert merged["status"] == 201
    assert merged["profile"]["id"] == keep
    api.ok(api.client.post(f"/v1/merges/{merged['merge_id']}/undo"), 200)


def test_a_merge_without_the_merge_scope_is_that_operations_403(api: Api) -> None:
    """`identities:write` runs a batch; only its merges also need `identities:merge`."""
    writer = api.key("identities:write", "identities:read")
    keep, gone = api.person("device:d1"), api.person("device:d2")
    linked, merge = run(
        api,
        link("device:d3", {"profile_id": keep}),
        {"op": "merge", "keep": {"profile_id": keep}, "merge": {"profile_id": gone}},
        headers=writer,
    )
    assert linked["status"] == 201
    assert merge["status"] == 403
    assert merge["problem"]["code"] == "forbidden"
    assert merge["problem"]["required_scope"] == "identities:merge"
    assert "'identities:merge'" in merge["problem"]["detail"]
    assert merge["problem"]["field"].startswith("operations[1]")
    assert api.owner("device:d2") == gone


def test_more_operations_than_the_limit_is_a_413_naming_it(api: Api) -> None:
    """`AKA_BATCH_MAX_OPERATIONS` bounds a batch; nothing of an oversize batch runs."""
    ops = [link(f"device:d{n}") for n in range(LIMIT + 1)]
    r = api.client.post("/v1/batch", json={"operations": ops})
    problem = api.problem(r, 413, "too_many_operations")
    assert problem["limit"] == LIMIT
    assert str(LIMIT) in problem["detail"]
    assert problem["field"] == "operations"
    assert api.owner("device:d0") is None
    assert len(run(api, *ops[:LIMIT])) == LIMIT  # exactly the limit is fine


def test_an_unknown_operation_is_a_422_naming_its_place(api: Api) -> None:
    r = api.client.post("/v1/batch", json={"operations": [link("device:d1"), {"op": "explode"}]})
    problem = api.problem(r, 422, "invalid_input")
    assert problem["field"] == "operations[1].op"
    assert api.owner("device:d1") is None


def test_an_empty_batch_answers_no_results(api: Api) -> None:
    assert run(api) == []
