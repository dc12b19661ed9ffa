"""Bad input never reaches the graph and never crashes: it gets a documented problem.

The first test walks every route the app declares (read from the compiled routes, so a
new route is covered the day it is added) and derives bad requests from its declared
body, query and path types. The rest are the documented limits, one by one.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import msgspec
import pytest
from starlette.applications import Starlette

from aka.http.routing import Route

if TYPE_CHECKING:
    from conftest import Api

MAX_BODY = 64 * 1024  # above the 16 KiB attribute limit, so that limit can be reached
WRONG_VALUES = (12345, "text", True, [1], {"k": 1})  # at least one is wrong for any type
NOT_A_NUMBER = "not-a-number"


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    # The batch route has its own bound (`batch_max_body_bytes`): the same one here, so
    # that one oversize body fits every route.
    return {"max_body_bytes": MAX_BODY, "batch_max_body_bytes": MAX_BODY}


@dataclass
class Case:
    """One bad request and the problem it must get."""

    label: str
    status: int
    code: str
    field: str | None = None
    request: dict[str, Any] = dataclasses.field(default_factory=dict)


def declared_routes(app: Starlette) -> Iterator[tuple[str, Route]]:
    """(full path, declaration) of every typed route the app serves."""
    for compiled in app.routes:
        declared = getattr(getattr(compiled, "endpoint", None), "route", None)
        if isinstance(declared, Route):
            yield getattr(compiled, "path"), declared  # noqa: B009 - BaseRoute lacks it


def fields_of(struct: type[Any]) -> tuple[msgspec.structs.FieldInfo, ...]:
    return msgspec.structs.fields(struct)


def wrong_value(info: msgspec.structs.FieldInfo) -> Any:
    """A JSON value the field's type refuses."""
    probe = msgspec.defstruct("Probe", [(info.name, info.type, msgspec.UNSET)])
    for candidate in WRONG_VALUES:
        try:
            msgspec.json.decode(msgspec.json.encode({info.name: candidate}), type=probe)
        except msgspec.ValidationError:
            return candidate
    raise AssertionError(f"no wrong value for {info.name}: {info.type}")


def refuses_text(info: msgspec.structs.FieldInfo) -> bool:
    """Whether a query or path field (always text on the wire) refuses a non-number."""
    probe = msgspec.defstruct("Probe", [(info.name, info.type, msgspec.UNSET)])
    try:
        msgspec.convert({info.name: NOT_A_NUMBER}, probe, strict=False)
    except msgspec.ValidationError:
        return True
    return False


def concrete_path(path: str, route: Route) -> str:
    """The path with each parameter filled by a well-typed value."""
    params = fields_of(route.path_params) if route.path_params else ()
    numeric = {f.encode_name for f in params if refuses_text(f)}
    return re.sub(r"{(\w+)}", lambda m: "1" if m[1] in numeric else "x", path)


def auth_cases() -> Iterator[Case]:
    yield Case("no key", 401, "unauthenticated", request={"headers": {"Authorization": ""}})
    yield Case(
        "unknown key",
        401,
        "unauthenticated",
        request={"headers": {"Authorization": "Bearer aka_no_such_key"}},
    )


def body_cases(body: type[Any]) -> Iterator[Case]:
    json_header = {"Content-Type": "application/json"}
    yield Case("empty body", 422, "invalid_input", request={"content": b""})
    yield Case(
        "not JSON", 422, "invalid_input", request={"content": b"{nope", "headers": json_header}
    )
    yield Case("JSON array", 422, "invalid_input", request={"json": []})
    yield Case("JSON string", 422, "invalid_input", request={"json": "profile"})
    yield Case(
        "unknown field", 422, "invalid_input", "zz_unknown", request={"json": {"zz_unknown": 1}}
    )
    required = [f.encode_name for f in fields_of(body) if f.required]
    if required:
        yield Case("missing fields", 422, "invalid_input", required[0], request={"json": {}})
    for info in fields_of(body):
        bad = {info.encode_name: wrong_value(info)}
        yield Case(f"wrong type {bad}", 422, "invalid_input", info.encode_name, {"json": bad})
    yield Case(
        "body declared as text/plain",
        415,
        "unsupported_media_type",
        "Content-Type",
        {"content": b"{}", "headers": {"Content-Type": "text/plain"}},
    )
    deep = b'{"zz": ' + b"[" * 5000 + b"]" * 5000 + b"}"
    yield Case("JSON 5,000 levels deep", 422, "invalid_input", request={"content": deep})
    nul = {"zz_unknown": "a\x00b"}
    yield Case("a NUL in the body", 422, "invalid_input", "zz_unknown", {"json": nul})
    oversize = b'{"k": "' + b"x" * MAX_BODY + b'"}'
    yield Case(
        "body over max_body_bytes",
        413,
        "body_too_large",
        request={"content": oversize, "headers": json_header},
    )


def unknown_parameter_cases(route: Route) -> Iterator[Case]:
    """Every native route, declaring a query or not: a route that cannot preview must
    never run a write believed a preview (`?dry_run=true`); one that can refuses a
    `dry_run` that is not a boolean, and any other unknown parameter (ADR 0023)."""
    unknown = "preview" if route.dry_run else "dry_run"
    yield Case("unknown parameter", 422, "invalid_input", unknown, {"params": {unknown: "true"}})
    if route.dry_run:
        yield Case(
            "dry_run not a boolean", 422, "invalid_input", "dry_run", {"params": {"dry_run": "x"}}
        )
    yield Case("a NUL in a query parameter", 422, "invalid_input", "q", {"params": {"q": "a\x00"}})


def query_cases(query: type[Any]) -> Iterator[Case]:
    required = [f.encode_name for f in fields_of(query) if f.required]
    if required:
        yield Case("missing parameters", 422, "invalid_input", required[0], {"params": {}})
    for info in fields_of(query):
        if refuses_text(info):
            bad = {info.encode_name: NOT_A_NUMBER}
            yield Case(f"wrong type {bad}", 422, "invalid_input", info.encode_name, {"params": bad})


def path_cases(path: str, route: Route) -> Iterator[tuple[str, Case]]:
    for info in fields_of(route.path_params) if route.path_params else ():
        if refuses_text(info):
            url = concrete_path(path.replace(f"{{{info.encode_name}}}", NOT_A_NUMBER), route)
            yield (
                url,
                Case(f"non-numeric {info.encode_name}", 422, "invalid_input", info.encode_name),
            )
            huge = concrete_path(path.replace(f"{{{info.encode_name}}}", "9" * 20), route)
            yield (
                huge,
                Case(f"{info.encode_name} past 64 bits", 422, "invalid_input", info.encode_name),
            )
        else:
            url = concrete_path(path.replace(f"{{{info.encode_name}}}", "a%00b"), route)
            yield url, Case(f"a NUL in {info.encode_name}", 422, "invalid_input", info.encode_name)


def cases_for(path: str, route: Route) -> Iterator[tuple[str, Case]]:
    url = concrete_path(path, route)
    if route.scopes:
        yield from ((url, c) for c in auth_cases())
    if route.body is not None:
        yield from ((url, c) for c in body_cases(route.body))
    if route.query is not None:
        yield from ((url, c) for c in query_cases(route.query))
    yield from ((url, c) for c in unknown_parameter_cases(route))
    yield from path_cases(path, route)


def test_every_native_route_answers_bad_input_with_a_documented_problem(api: Api) -> None:
    """For each declared route: no or unknown key -> 401; a body that is empty, not JSON,
    not an object, with an unknown field, missing a required field, holding a wrong
    type or a NUL, or nested 5,000 deep -> 422 naming the field; a body declared as
    text/plain -> 415; a body over `max_body_bytes` -> 413; an unknown query parameter,
    a NUL in a parameter or an id past 64 bits -> 422 naming it. Every answer is
    problem+json with a stable code and a status the route's OpenAPI entry lists."""
    assert isinstance(api.client.app, Starlette)
    # The native door's routes (the probes are no door's: tests/http/test_native_meta.py).
    routes = [(p, r) for p, r in declared_routes(api.client.app) if p.startswith("/v1/")]
    assert len(routes) >= 22  # the README's native table; a lost route is a failure too
    documented = api.client.get("/openapi.json").json()["paths"]
    failures: list[str] = []
    checked = 0
    for path, route in routes:
        responses = documented[path][route.method.lower()]["responses"]
        for url, case in cases_for(path, route):
            r = api.client.request(route.method, url, **case.request)
            checked += 1
            where = f"{route.method} {url} [{case.label}]"
            body = r.json() if r.headers.get("content-type") == "application/problem+json" else {}
            wanted = (case.status, case.code, case.field or body.get("field"))
            got = (r.status_code, body.get("code"), body.get("field"))
            if r.status_code >= 500 or got != wanted:
                failures.append(f"{where}: wanted {wanted}, got {got}: {r.text[:200]}")
            elif str(r.status_code) not in responses:
                failures.append(f"{where}: {r.status_code} is not in its OpenAPI responses")
            elif body.get("type") != f"urn:aka:error:{case.code}" or not body.get("detail"):
                failures.append(f"{where}: not a complete problem: {body}")
    assert not failures, "\n".join(failures)
    assert checked > 100  # the walk itself must not silently shrink


# --- the documented limits, one by one --------------------------------------------------


def link(api: Api, namespace: str, value: object, **extra: Any) -> Any:
    ann = api.person()
    body = {"namespace": namespace, "value": value, **extra}
    return api.client.post(f"/v1/profiles/{ann}/identifiers", json=body)


def test_a_value_over_1024_bytes_is_refused_naming_the_field_and_limit(api: Api) -> None:
    problem = api.problem(link(api, "device", "x" * 1025), 422, "value_invalid")
    assert problem["field"] == "value"
    assert problem["limit"] == 1024
    assert "1024" in problem["detail"]


def test_the_value_limit_counts_utf8_bytes_not_characters(api: Api) -> None:
    """513 two-byte characters are 1026 bytes: refused; exactly 1024 bytes: accepted."""
    api.problem(link(api, "device", "é" * 513), 422, "value_invalid")
    api.ok(link(api, "device", "é" * 512), 201)


def test_a_namespace_over_255_characters_is_refused(api: Api) -> None:
    problem = api.problem(link(api, "n" * 256, "v"), 422, "namespace_invalid")
    assert problem["field"] == "namespace"
    assert problem["limit"] == 255
    api.ok(link(api, "n" * 255, "v"), 201)


@pytest.mark.parametrize(
    ("namespace", "value", "code", "field"),
    [
        # NUL is refused before any field rule, by the rule every input obeys.
        ("device", "a\x00b", "invalid_input", "value"),
        ("device", "line\nbreak", "value_invalid", "value"),
        ("device", "\x1b[31mred", "value_invalid", "value"),
        ("dev\tice", "v", "namespace_invalid", "namespace"),
        ("", "v", "namespace_invalid", "namespace"),
        ("device", "", "value_invalid", "value"),
    ],
)
def test_control_characters_and_empty_names_are_refused(
    api: Api, namespace: str, value: str, code: str, field: str
) -> None:
    assert api.problem(link(api, namespace, value), 422, code)["field"] == field


@pytest.mark.parametrize("value", ["null", "UNKNOWN", "0", " Null ", "undefined", "-1"])
def test_placeholder_values_are_blocked(api: Api, value: str) -> None:
    """Values that would glue strangers together never become identifiers."""
    problem = api.problem(link(api, "device", value), 422, "value_blocked")
    assert problem["field"] == "value"


@pytest.mark.parametrize("address", ["not-an-address", "ann@localhost", "ann@-x.io", "a b@x.io"])
def test_an_invalid_address_in_the_email_namespace_is_refused(api: Api, address: str) -> None:
    problem = api.problem(link(api, "email", address), 422, "email_invalid")
    assert problem["field"] == "value"


def test_a_placeholder_external_id_is_blocked_and_a_long_one_refused(api: Api) -> None:
    r = api.client.post("/v1/profiles", json={"external_id": "null"})
    assert api.problem(r, 422, "value_blocked")["field"] == "external_id"
    r = api.client.post("/v1/profiles", json={"external_id": "u" * 1025})
    assert api.problem(r, 422, "external_id_invalid")["limit"] == 1024


def test_attributes_over_16_kib_are_refused_naming_the_limit(api: Api) -> None:
    blob = {"blob": "x" * (16 * 1024)}
    r = api.client.post("/v1/profiles", json={"attributes": blob})
    problem = api.problem(r, 422, "attributes_invalid")
    assert problem["field"] == "attributes"
    assert problem["limit"] == 16 * 1024
    ann = api.person()
    r = api.client.patch(f"/v1/profiles/{ann}", json={"attributes": blob})
    api.problem(r, 422, "attributes_invalid")
    problem = api.problem(link(api, "device", "d1", attributes=blob), 422, "attributes_invalid")
    assert problem["field"] == "attributes"


def test_a_bad_identifier_inside_a_list_is_named_by_its_path(api: Api) -> None:
    """Nested errors point at the element: `identifiers[1].value`."""
    good = {"namespace": "device", "value": "d1"}
    for bad, code in ((5, "invalid_input"), ("null", "value_blocked")):
        identifiers = [good, {"namespace": "device", "value": bad}]
        r = api.client.post("/v1/profiles", json={"identifiers": identifiers})
        assert api.problem(r, 422, code)["field"] == "identifiers[1].value"
    assert api.owner("device:d1") is None


def test_a_non_json_body_and_a_json_array_are_refused(api: Api) -> None:
    r = api.client.post(
        "/v1/profiles", content=b"external_id=u1", headers={"Content-Type": "application/json"}
    )
    assert "JSON" in api.problem(r, 422, "invalid_input")["detail"]
    api.problem(api.client.post("/v1/profiles", json=[{"external_id": "u1"}]), 422, "invalid_input")
    assert api.client.get("/v1/resolve", params={"external_id": "u1"}).status_code == 404


def test_a_body_over_the_limit_is_413_naming_the_limit(api: Api) -> None:
    r = api.client.post("/v1/profiles", content=b" " * (MAX_BODY + 1))
    assert api.problem(r, 413, "body_too_large")["limit_bytes"] == MAX_BODY


def test_resolving_a_malformed_email_is_simply_not_found(api: Api) -> None:
    """Reads never fail for a value that could not have been written: 404, not 422."""
    r = api.client.get("/v1/resolve", params={"namespace": "email", "value": "not-an-address"})
    api.problem(r, 404, "profile_not_found")
