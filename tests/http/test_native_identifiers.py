"""Linking and unlinking identifiers: `POST /v1/profiles/{id}/identifiers`,
`DELETE /v1/identifiers`."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from conftest import Api


def test_link_answers_201_when_linked_and_200_when_already_there(api: Api) -> None:
    """The same link twice: 201 then 200, with the same profile and no second event."""
    ann = api.person("email:ann@x.io")
    first = api.link(ann, "device:ios-7f3a")
    assert api.ok(first, 201)["id"] == ann
    events = len(api.events())
    again = api.link(ann, "device:ios-7f3a")
    assert api.ok(again, 200)["id"] == ann
    assert len(api.events()) == events
    assert api.holds(ann) == {"email:ann@x.io", "device:ios-7f3a"}


def test_link_of_an_identifier_owned_by_another_profile_is_a_409_naming_the_owner(
    api: Api,
) -> None:
    """Under the default `refuse` policy nothing moves; `owner` says who holds it."""
    ann = api.person("device:d1")
    bob = api.person("device:d2")
    problem = api.problem(api.link(bob, "device:d1"), 409, "identifier_conflict")
    assert problem["owner"] == ann
    assert problem["field"] == "value"
    assert (problem["namespace"], problem["value"]) == ("device", "d1")
    assert ann in problem["detail"]
    assert api.owner("device:d1") == ann


def test_link_compares_email_case_insensitively(api: Api) -> None:
    """`Ann@X.io` and `ann@x.io` are one identifier in the `email` namespace."""
    ann = api.person("email:ann@x.io")
    assert api.ok(api.link(ann, "email:ANN@X.IO"), 200)["id"] == ann


def test_other_namespaces_are_exact(api: Api) -> None:
    """Outside `email`, case matters: `D1` and `d1` are two identifiers."""
    ann = api.person("device:d1")
    api.ok(api.link(ann, "device:D1"), 201)
    assert api.holds(ann) == {"device:d1", "device:D1"}


def test_link_keeps_the_kind_primary_flag_and_attributes(api: Api) -> None:
    ann = api.person()
    body = api.ok(
        api.link(ann, "coveo:Admins", kind="GROUP", primary=True, attributes={"src": "ad"}), 201
    )
    [group] = body["identifiers"]
    assert (group["kind"], group["primary"], group["attributes"]) == ("GROUP", True, {"src": "ad"})


def test_link_to_a_merged_id_lands_on_the_survivor(api: Api) -> None:
    """A tombstone id forwards: the identifier joins the profile it was merged into."""
    keep = api.person("device:d1")
    gone = api.person("device:d2")
    api.merged(keep, gone)
    assert api.ok(api.link(gone, "device:d3"), 201)["id"] == keep
    assert api.owner("device:d3") == keep


def test_link_to_an_unknown_profile_is_404(api: Api) -> None:
    api.problem(api.link("no-such-profile", "device:d1"), 404, "profile_not_found")


def test_unlink_answers_204_and_the_identifier_no_longer_resolves(api: Api) -> None:
    """DELETE /v1/identifiers removes the identifier; the profile itself stays."""
    ann = api.person("device:d1", "device:d2")
    r = api.client.delete("/v1/identifiers", params={"namespace": "device", "value": "d1"})
    assert r.status_code == 204
    assert api.owner("device:d1") is None
    assert api.holds(ann) == {"device:d2"}


def test_unlink_of_an_unknown_identifier_is_404(api: Api) -> None:
    r = api.client.delete("/v1/identifiers", params={"namespace": "device", "value": "nope"})
    api.problem(r, 404, "identifier_not_found")


def test_a_profile_holds_at_most_max_per_profile_identifiers_per_namespace(api: Api) -> None:
    """The namespace limit stops a runaway cluster with a 409 naming the limit."""
    api.configure(namespaces={"device": {"max_per_profile": 2}})
    ann = api.person("device:d1", "device:d2")
    problem = api.problem(api.link(ann, "device:d3"), 409, "namespace_limit")
    assert problem["limit"] == 2
    assert problem["namespace"] == "device"
    api.ok(api.link(ann, "email:ann@x.io"), 201)  # other namespaces are not counted
