"""Security Cache expansion: aliases and groups, nested and cyclic, paged, and the same
set as the native `GET /v1/profiles/{id}/expansion`."""

from __future__ import annotations

import itertools

from starlette.testclient import TestClient

from aka.core.graph import EXPAND_MAX_DEPTH

from .conftest import Coveo, accepted, group, owner, user

P = "Directory"


def native_set(client: TestClient, namespace: str, value: str) -> set[str]:
    """What the native expansion lists, minus the member itself, as provider:name."""
    pid = owner(client, namespace, value)
    body = client.get(f"/v1/profiles/{pid}/expansion").json()
    everyone = [body["profile"], *body["groups"]]
    found = {f"{i['namespace']}:{i['value']}" for p in everyone for i in p["identifiers"]}
    return found - {f"{namespace}:{value}"}


def test_nested_groups_and_aliases_are_all_parents(coveo: Coveo, client: TestClient) -> None:
    accepted(coveo.mappings(P, user("ann"), [user("ann@x.io", provider="Email")]))
    accepted(coveo.permissions(P, group("team"), members=[user("ann")]))
    accepted(coveo.permissions(P, group("dept"), members=[group("team")]))
    accepted(coveo.permissions(P, group("company"), members=[group("dept")]))
    expected = {"Email:ann@x.io", f"{P}:team", f"{P}:dept", f"{P}:company"}
    assert coveo.names(P, user("ann"), recursive="true") == expected
    assert native_set(client, P, "ann") == expected
    assert coveo.names(P, user("ann"), recursive="false") == {"Email:ann@x.io", f"{P}:team"}
    assert coveo.names("Email", {"name": "ann@x.io", "type": "USER"}, recursive="true") == (
        expected - {"Email:ann@x.io"}
    ) | {f"{P}:ann"}


def test_cyclic_groups_terminate(coveo: Coveo) -> None:
    """a in b, b in c, c in a: each group is listed once and the walk ends."""
    accepted(coveo.permissions(P, group("b"), members=[group("a")]))
    accepted(coveo.permissions(P, group("c"), members=[group("b")]))
    accepted(coveo.permissions(P, group("a"), members=[group("c")]))
    assert coveo.names(P, group("a"), recursive="true") == {f"{P}:b", f"{P}:c"}


def test_depth_is_bounded(coveo: Coveo) -> None:
    """A chain longer than the documented bound is cut at EXPAND_MAX_DEPTH levels."""
    chain = [f"g{n:02}" for n in range(EXPAND_MAX_DEPTH + 3)]
    accepted(coveo.permissions(P, group(chain[0]), members=[user("u")]))
    for lower, upper in itertools.pairwise(chain):
        accepted(coveo.permissions(P, group(upper), members=[group(lower)]))
    found = coveo.names(P, user("u"), recursive="true")
    assert found == {f"{P}:{g}" for g in chain[:EXPAND_MAX_DEPTH]}


def test_pages(coveo: Coveo) -> None:
    accepted(coveo.permissions(P, user("u"), well_knowns=[group(f"g{n}") for n in range(5)]))
    first = coveo.parents(P, user("u"), page=0, pageSize=2)
    assert (first["totalEntries"], first["totalPages"]) == (5, 3)
    pages = [coveo.parents(P, user("u"), page=n, pageSize=2)["items"] for n in range(3)]
    assert [len(p) for p in pages] == [2, 2, 1]
    names = [i["name"] for p in pages for i in p]
    assert names == sorted(names) == [f"g{n}" for n in range(5)]
    assert pages[0][0] == {"name": "g0", "type": "GROUP", "provider": P, "state": "UP_TO_DATE"}


def test_an_unknown_member_has_no_parents(coveo: Coveo) -> None:
    assert coveo.parents(P, user("nobody")) == {"items": [], "totalEntries": 0, "totalPages": 0}


def test_disabled_groups_are_left_out(coveo: Coveo) -> None:
    accepted(coveo.permissions(P, user("u"), well_knowns=[group("on"), group("off")]))
    accepted(coveo.delete(P, group("off")))
    assert coveo.names(P, user("u")) == {f"{P}:on"}
