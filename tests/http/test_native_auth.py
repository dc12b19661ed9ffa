"""Who may call what: bearer keys, and the scope README's table names for each route."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from conftest import Api

README = Path(__file__).parents[2] / "README.md"
ALL_SCOPES = {
    "identities:read",
    "identities:write",
    "identities:merge",
    "identities:delete",
    "keys:admin",
}
ROUTE = re.compile(r"`(GET|POST|PATCH|PUT|DELETE) (/v1/[^`?]*)")


def readme_scopes() -> dict[tuple[str, str], str]:
    """(method, path) -> the scope README's native API table gives for it.

    A cell like "`identities:read` / `keys:admin`" pairs its scopes with the row's
    routes in order; a single scope covers every route of its row.
    """
    found: dict[tuple[str, str], str] = {}
    for line in README.read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 3 or "/v1/" not in cells[0]:
            continue
        routes = ROUTE.findall(cells[0])
        scopes = re.findall(r"`([a-z]+:[a-z]+)`", cells[2])
        for n, route in enumerate(routes):
            found[route] = scopes[n] if len(scopes) == len(routes) else scopes[0]
    return found


def concrete(path: str) -> str:
    return re.sub(r"{id}", "1", path)


def test_no_key_is_a_401_asking_for_a_bearer_key(api: Api) -> None:
    r = api.client.get("/v1/events", headers={"Authorization": ""})
    problem = api.problem(r, 401, "unauthenticated")
    assert r.headers["www-authenticate"] == "Bearer"
    assert "Bearer" in problem["detail"]


def test_another_scheme_or_an_unknown_key_is_a_401(api: Api) -> None:
    for value in ("Basic dXNlcjpwYXNz", "Bearer aka_not_a_key", "Bearer", "test-admin-key"):
        r = api.client.get("/v1/events", headers={"Authorization": value})
        api.problem(r, 401, "unauthenticated")


def test_the_readme_names_a_scope_for_every_native_route(api: Api) -> None:
    """README's table and the served OpenAPI document agree on each route's scope."""
    documented = readme_scopes()
    paths = api.ok(api.client.get("/openapi.json"), 200)["paths"]
    served = {
        (method.upper(), path): op["security"][0]["bearer"]
        for path, ops in paths.items()
        if path.startswith("/v1/")
        for method, op in ops.items()
    }
    assert set(documented) == set(served)
    for route, scope in documented.items():
        assert served[route] == [scope], route


def test_a_key_lacking_a_routes_scope_gets_403_naming_it(api: Api) -> None:
    """Every native route refuses a key holding every scope but its own, before reading
    any input, and the problem names the missing scope."""
    for (method, path), scope in readme_scopes().items():
        headers = api.key(*sorted(ALL_SCOPES - {scope}))
        r = api.client.request(method, concrete(path), headers=headers)
        problem = api.problem(r, 403, "forbidden")
        assert problem["required_scope"] == scope, (method, path)
        assert repr(scope) in problem["detail"]


def test_a_key_holding_only_a_routes_scope_gets_past_authentication(api: Api) -> None:
    """The documented scope is enough: no route asks for more than README says."""
    for (method, path), scope in readme_scopes().items():
        # An event stream answers for as long as the client stays: a bad cursor makes
        # it answer 422, after authentication (other routes ignore the header).
        headers = {**api.key(scope), "Last-Event-ID": "not-a-seq"}
        r = api.client.request(method, concrete(path), headers=headers)
        assert r.status_code not in (401, 403), (method, path, r.text)
        assert r.status_code < 500, (method, path, r.text)
