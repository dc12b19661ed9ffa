"""What the service says about itself: probes, `/openapi.json`, `/docs`, unknown routes."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from openapi_spec_validator import validate

if TYPE_CHECKING:
    from conftest import Api

README = Path(__file__).parents[2] / "README.md"
ROUTE = re.compile(r"`(GET|POST|PATCH|PUT|DELETE) (/[^`?]*)")


def readme_routes() -> set[tuple[str, str]]:
    """Every (method, path) in README's native API table."""
    section = README.read_text().split("## The native API", 1)[1].split("\n## ", 1)[0]
    return {m for line in section.splitlines() if line.startswith("|") for m in ROUTE.findall(line)}


def test_healthz_needs_no_key_and_answers_ok(api: Api) -> None:
    r = api.client.get("/healthz", headers={"Authorization": ""})
    assert r.status_code == 200
    assert r.json() == {"status": "ok"}


def test_readyz_answers_ready_on_a_migrated_store(api: Api) -> None:
    r = api.client.get("/readyz", headers={"Authorization": ""})
    assert r.status_code == 200
    assert r.json()["status"] == "ready"


def test_openapi_is_a_valid_document_listing_every_readme_route(api: Api) -> None:
    """Each route of README's table (probes included) is served and described, and
    nothing undocumented is."""
    r = api.client.get("/openapi.json", headers={"Authorization": ""})
    assert r.status_code == 200
    document = r.json()
    validate(document)
    served = {(m.upper(), path) for path, ops in document["paths"].items() for m in ops}
    assert readme_routes() == served


def test_every_operation_documents_its_auth_and_input_errors(api: Api) -> None:
    """401 and 403 on every native operation, 422 and 413 wherever a body is read."""
    for path, ops in api.client.get("/openapi.json").json()["paths"].items():
        if not path.startswith("/v1/"):
            continue  # the probes: no key
        for method, op in ops.items():
            responses = set(op["responses"])
            assert {"401", "403"} <= responses, (method, path)
            if "requestBody" in op:
                assert {"413", "422"} <= responses, (method, path)
            problem = op["responses"]["401"]["content"]
            assert "application/problem+json" in problem


def test_docs_serve_an_html_page(api: Api) -> None:
    r = api.client.get("/docs", headers={"Authorization": ""})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    assert "/openapi.json" in r.text


def test_an_unknown_route_is_a_404_problem(api: Api) -> None:
    api.problem(api.client.get("/v1/nothing-here"), 404, "route_not_found")


def test_a_method_the_route_lacks_is_a_405_listing_what_it_accepts(api: Api) -> None:
    """RFC 9110: the Allow header lists every method of the path, across routes."""
    r = api.client.put("/v1/profiles/some-id")
    api.problem(r, 405, "method_not_allowed")
    allowed = {m.strip() for m in r.headers["allow"].split(",")}
    assert {"GET", "PATCH", "DELETE"} <= allowed
