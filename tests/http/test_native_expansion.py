"""Groups: `POST`/`DELETE /v1/memberships` and `GET /v1/profiles/{id}/expansion`."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from conftest import Api


def membership(group: str, member: str) -> dict[str, dict[str, str]]:
    return {"group": {"profile_id": group}, "member": {"profile_id": member}}


def group_names(expansion: dict[str, object]) -> set[str]:
    groups = expansion["groups"]
    assert isinstance(groups, list)
    return {i["value"] for g in groups for i in g["identifiers"]}


def test_adding_a_member_answers_201_then_200(api: Api) -> None:
    admins = api.person({"namespace": "coveo", "value": "Admins", "kind": "GROUP"})
    ann = api.person("email:ann@x.io")
    first = api.client.post("/v1/memberships", json=membership(admins, ann))
    assert api.ok(first, 201) == {"group_id": admins, "member_id": ann}
    again = api.client.post("/v1/memberships", json=membership(admins, ann))
    assert api.ok(again, 200) == {"group_id": admins, "member_id": ann}


def test_a_profile_cannot_be_a_member_of_itself(api: Api) -> None:
    ann = api.person("email:ann@x.io")
    r = api.client.post("/v1/memberships", json=membership(ann, ann))
    api.problem(r, 409, "group_cycle")


def test_expansion_walks_nested_groups(api: Api) -> None:
    """ann in Team, Team in Dept, Dept in Company: all three are above ann."""
    ann = api.person("email:ann@x.io")
    team, dept, company = (
        api.person({"namespace": "coveo", "value": name, "kind": "GROUP"})
        for name in ("Team", "Dept", "Company")
    )
    api.member(team, ann)
    api.member(dept, team)
    api.member(company, dept)
    body = api.ok(api.client.get(f"/v1/profiles/{ann}/expansion"), 200)
    assert body["profile"]["id"] == ann
    assert {i["value"] for i in body["profile"]["identifiers"]} == {"ann@x.io"}
    assert {g["id"] for g in body["groups"]} == {team, dept, company}
    assert group_names(body) == {"Team", "Dept", "Company"}
    assert body["depth_limited"] is False


def test_expansion_is_cycle_safe(api: Api) -> None:
    """Directories have cycles (A in B, B in A); each group is listed once."""
    ann = api.person("email:ann@x.io")
    a, b = api.person("coveo:A"), api.person("coveo:B")
    api.member(a, ann)
    api.member(b, a)
    api.member(a, b)
    groups = api.ok(api.client.get(f"/v1/profiles/{ann}/expansion"), 200)["groups"]
    assert sorted(g["id"] for g in groups) == sorted([a, b])


def test_expansion_of_an_unknown_profile_is_404(api: Api) -> None:
    api.problem(api.client.get("/v1/profiles/nobody/expansion"), 404, "profile_not_found")


def test_removing_a_member_answers_204_and_the_group_drops_out(api: Api) -> None:
    ann = api.person("email:ann@x.io")
    team = api.person("coveo:Team")
    api.member(team, ann)
    params = {"group_id": team, "member_id": ann}
    assert api.client.delete("/v1/memberships", params=params).status_code == 204
    assert api.ok(api.client.get(f"/v1/profiles/{ann}/expansion"), 200)["groups"] == []
    again = api.client.delete("/v1/memberships", params=params)
    api.problem(again, 404, "membership_not_found")
