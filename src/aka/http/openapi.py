"""OpenAPI 3.1 from the same msgspec types that validate requests, so the two cannot drift.

Built once at startup from the declared routes; served as pre-encoded bytes.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from http import HTTPStatus
from typing import Any, Final

import msgspec
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route as StarletteRoute

from aka.core.errors import AkaError, Code
from aka.http.consistency import MIN_SEQ_HEADER, SEQ_HEADER
from aka.http.problems import problem_from_error, render_problem
from aka.http.routing import RawBody, Route, RouteGroup

__all__ = ["openapi_document", "openapi_route"]

REF: Final = "#/components/schemas/{name}"
_REF_PREFIX: Final = "#/components/schemas/"
# Starlette's `{name}` / `{name:convertor}` path parameters.
_PATH_PARAM = re.compile(r"{(\w+)(?::(\w+))?}")
_CONVERTOR_SCHEMA: Final[dict[str, dict[str, Any]]] = {
    "str": {"type": "string"},
    "path": {"type": "string"},
    "int": {"type": "integer"},
    "float": {"type": "number"},
    "uuid": {"type": "string", "format": "uuid"},
}
BEARER: Final = "bearer"
# The toolkit's scheme, for a group that declares none of its own.
BEARER_SECURITY: Final[dict[str, dict[str, Any]]] = {BEARER: {"type": "http", "scheme": "bearer"}}
# A code standing for each status the toolkit documents by itself, so a face's own
# renderer can say what that status becomes on its wire (Coveo, Mimecast, Braze and
# Appizer answer invalid input with 400, not 422).
_SAMPLE_CODE: Final[dict[int, Code]] = {
    401: Code.UNAUTHENTICATED,
    403: Code.FORBIDDEN,
    404: Code.ROUTE_NOT_FOUND,
    409: Code.IDENTIFIER_CONFLICT,
    413: Code.BODY_TOO_LARGE,
    415: Code.UNSUPPORTED_MEDIA_TYPE,
    422: Code.INVALID_INPUT,
}
# The consistency headers (`aka.http.consistency`), which every route of every door
# handles: declared inline on each operation, as generators read them most reliably.
_MIN_SEQ_ABOUT: Final = (
    "Read-your-writes: an event sequence (a write's `Aka-Seq`) this request's reads must "
    "reflect. With read replicas, a replica serves them only once it has applied it, else "
    "the primary does; without replicas every read already does (README, 'Consistency "
    "headers')."
)
MIN_SEQ_PARAMETER: Final[dict[str, Any]] = {
    "name": MIN_SEQ_HEADER,
    "in": "header",
    "required": False,
    "description": _MIN_SEQ_ABOUT,
    "schema": {"type": "string", "pattern": "^[0-9]{1,18}$", "description": _MIN_SEQ_ABOUT},
}
SEQ_RESPONSE_HEADER: Final[dict[str, Any]] = {
    "description": "On the answer to a request that wrote: the workspace's event sequence "
    "once its writes committed. Send it as `Aka-Min-Seq` to read them from any process.",
    "schema": {"type": "string", "pattern": "^[0-9]{1,18}$"},
}
_READS: Final = frozenset({"GET", "HEAD"})
_SAMPLE_REQUEST: Final = Request(
    {"type": "http", "method": "GET", "path": "/", "headers": [], "query_string": b""}
)


def _face_status(group: RouteGroup, status: int) -> int:
    """The status an error documented as `status` has on this group's wire: its own
    renderer answers, so the document cannot drift from the face."""
    code = _SAMPLE_CODE.get(status)
    if code is None or group.error_renderer is render_problem:
        return status
    problem = problem_from_error(AkaError(code, "a sample, for the document"))
    return group.error_renderer(problem, _SAMPLE_REQUEST).status_code


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return f"Status {status}"


class _Schemas:
    """Every type the routes mention, turned into schemas in one msgspec call."""

    def __init__(self, routes: Sequence[tuple[RouteGroup, Route]]) -> None:
        index: dict[Any, int] = {}
        for group, route in routes:
            answer = group.dry_run_answer if route.dry_run else None
            for tp in (_json_body(route), route.query, route.path_params, route.response, answer):
                if tp is not None and not isinstance(tp, RawBody):
                    index.setdefault(tp, len(index))
            if group.error_schema is not None:
                index.setdefault(group.error_schema, len(index))
        self.index = index
        schemas, components = msgspec.json.schema_components(list(index), ref_template=REF)
        self.schemas, self.components = _shortened(list(schemas), components)

    def of(self, tp: Any) -> dict[str, Any]:
        return dict(self.schemas[self.index[tp]])

    def fields(self, struct: type[Any]) -> tuple[dict[str, Any], set[str]]:
        """(properties, required names) of a Struct, for turning it into parameters."""
        schema = self.of(struct)
        ref = schema.get("$ref", "")
        if not ref.startswith(_REF_PREFIX):
            raise TypeError(f"parameters must be declared as a msgspec.Struct: {struct!r}")
        component = self.components[ref.removeprefix(_REF_PREFIX)]
        return dict(component.get("properties", {})), set(component.get("required", ()))


def _short_name(name: str) -> str:
    """A component's name without the module msgspec qualifies it with when two types
    share a name: a door's type is prefixed with its door (`aka.http.dialects.braze.
    schemas.DeleteIn` is `BrazeDeleteIn`), any other keeps its own name, so the native
    API's names stay the same whichever doors are open."""
    module, _, short = name.rpartition(".")
    parts = module.split(".")
    if "dialects" in parts[:-1]:
        return parts[parts.index("dialects") + 1].capitalize() + short
    return short


def _shortened(
    schemas: list[dict[str, Any]], components: dict[str, Any]
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    renamed = {name: _short_name(name) for name in components if "." in name}
    if not renamed:
        return schemas, components
    names = [renamed.get(name, name) for name in components]
    clashes = sorted({name for name in names if names.count(name) > 1})
    if clashes:
        raise ValueError(f"two schemas would share the name(s) {', '.join(clashes)}")
    text = msgspec.json.encode([schemas, components]).decode()
    for old, new in renamed.items():
        text = text.replace(f'"{_REF_PREFIX}{old}"', f'"{_REF_PREFIX}{new}"')
    schemas, components = msgspec.json.decode(text)
    return schemas, {renamed.get(name, name): schema for name, schema in components.items()}


def _json_body(route: Route) -> Any:
    """The type of the route's JSON body, whoever reads it (None if it has none)."""
    if route.body is not None:
        return route.body
    return None if isinstance(route.own_body, RawBody) else route.own_body


def _request_body(route: Route, schemas: _Schemas) -> dict[str, Any] | None:
    body = _json_body(route)
    if body is not None:
        return {"required": True, "content": {"application/json": {"schema": schemas.of(body)}}}
    if isinstance(route.own_body, RawBody):
        raw = route.own_body
        return {"required": True, "content": {raw.media_type: {"schema": raw.schema}}}
    return None


_DRY_RUN_ABOUT: Final = (
    "true: a dry run (ADR 0023). The same validation, rules and guardrails run in a "
    "transaction that is rolled back: the answer is the real call's, plus a `dry_run` "
    "member saying what would change (a real 204 answers 200 with that member alone); "
    "nothing is written, and an `Idempotency-Key` is neither replayed nor stored."
)
DRY_RUN_PARAMETER: Final[dict[str, Any]] = {
    "name": "dry_run",
    "in": "query",
    "required": False,
    "description": _DRY_RUN_ABOUT,
    "schema": {"type": "boolean", "default": False, "description": _DRY_RUN_ABOUT},
}
DRY_RUN_RESPONSE_HEADER: Final[dict[str, Any]] = {
    "description": "`true` on every answer to a dry run: nothing was written.",
    "schema": {"type": "string", "enum": ["true"]},
}


def _security(group: RouteGroup) -> tuple[dict[str, dict[str, Any]], ...]:
    return group.security or (BEARER_SECURITY,)


def _parameters(route: Route, full_path: str, schemas: _Schemas) -> list[dict[str, Any]]:
    params: list[dict[str, Any]] = []
    typed: dict[str, Any] = {}
    if route.path_params is not None:
        typed, _ = schemas.fields(route.path_params)
    for name, convertor in _PATH_PARAM.findall(full_path):
        schema = typed.get(name) or _CONVERTOR_SCHEMA.get(convertor or "str", {"type": "string"})
        params.append(_parameter(name, "path", required=True, schema=schema))
    if route.query is not None:
        props, required = schemas.fields(route.query)
        for name, schema in props.items():
            params.append(_parameter(name, "query", required=name in required, schema=schema))
    if route.dry_run:
        params.append(dict(DRY_RUN_PARAMETER))
    params.append(dict(MIN_SEQ_PARAMETER))
    return params


def _parameter(name: str, where: str, *, required: bool, schema: dict[str, Any]) -> dict[str, Any]:
    param: dict[str, Any] = {"name": name, "in": where, "required": required, "schema": schema}
    if "description" in schema:
        param["description"] = schema["description"]
    return param


def _operation(
    group: RouteGroup, route: Route, full_path: str, schemas: _Schemas
) -> dict[str, Any]:
    op: dict[str, Any] = {"operationId": route.name}
    if route.summary:
        op["summary"] = route.summary
    description = route.description
    if route.scopes:
        needs = ", ".join(f"`{scope}`" for scope in route.scopes)
        description = f"{description}\n\nRequires scopes: {needs}.".strip()
        # OpenAPI 3.1 allows role names for non-OAuth schemes; tools show them. Each
        # way of authenticating lists the scopes on its first scheme (the key's).
        op["security"] = [
            {name: list(route.scopes) if n == 0 else [] for n, name in enumerate(way)}
            for way in _security(group)
        ]
    if description:
        op["description"] = description
    if route.tags:
        op["tags"] = list(route.tags)
    if route.deprecated:
        op["deprecated"] = True
    params = _parameters(route, full_path, schemas)
    if params:
        op["parameters"] = params
    body = _request_body(route, schemas)
    if body is not None:
        op["requestBody"] = body
    op["responses"] = _responses(group, route, schemas)
    return op


def _responses(group: RouteGroup, route: Route, schemas: _Schemas) -> dict[str, Any]:
    responses: dict[str, Any] = {}
    for status in sorted({route.status, *route.also}):
        success: dict[str, Any] = {"description": _phrase(status)}
        if route.method not in _READS:
            success["headers"] = {SEQ_HEADER: dict(SEQ_RESPONSE_HEADER)}
        if isinstance(route.response, RawBody):  # a body that is not JSON (`/metrics`)
            success["content"] = {route.response.media_type: {"schema": route.response.schema}}
        elif route.response is not None:
            success["content"] = {"application/json": {"schema": schemas.of(route.response)}}
        if route.raw_response is not None:
            raw = route.raw_response
            success["content"] = {raw.media_type: {"schema": raw.schema}}
        if route.dry_run:
            success.setdefault("headers", {})["Aka-Dry-Run"] = dict(DRY_RUN_RESPONSE_HEADER)
        responses[str(status)] = success
    if route.dry_run and route.response is None and group.dry_run_answer is not None:
        # A 204 has no body to carry the preview: a dry run answers 200 with it alone.
        responses.setdefault(
            "200",
            {
                "description": "A dry run's answer (`dry_run=true`): what would change.",
                # (`Aka-Seq` as on every write's answer; a dry run, which wrote
                # nothing, never carries it.)
                "headers": {
                    SEQ_HEADER: dict(SEQ_RESPONSE_HEADER),
                    "Aka-Dry-Run": dict(DRY_RUN_RESPONSE_HEADER),
                },
                "content": {"application/json": {"schema": schemas.of(group.dry_run_answer)}},
            },
        )
    # 422 on every route: any refuses a NUL in a parameter (ADR 0009), and a route of a
    # group that refuses unknown query parameters refuses one it does not declare.
    statuses = {*route.error_statuses(), *group.errors, 422}
    for status in sorted({_face_status(group, s) for s in statuses}):
        error: dict[str, Any] = {"description": _phrase(status)}
        if group.error_schema is not None:
            schema = schemas.of(group.error_schema)
            error["content"] = {group.error_media_type: {"schema": schema}}
        responses[str(status)] = error
    return responses


def openapi_document(
    groups: Sequence[RouteGroup], *, title: str, version: str, description: str = ""
) -> dict[str, Any]:
    """The OpenAPI 3.1 document of the documented routes of `groups`."""
    routes = [
        (group, route)
        for group in groups
        if group.include_in_schema
        for route in group.routes
        if route.include_in_schema
    ]
    schemas = _Schemas(routes)
    paths: dict[str, dict[str, Any]] = {}
    operation_ids: set[str] = set()
    tags: dict[str, str] = {}
    security_schemes: dict[str, dict[str, Any]] = {}
    for group, route in routes:
        full_path = group.prefix + route.path
        op = _operation(group, route, full_path, schemas)
        if op["operationId"] in operation_ids:
            raise ValueError(f"operationId used twice: {op['operationId']!r}")
        operation_ids.add(op["operationId"])
        for tag in route.tags:
            door = group.about if group.tags and tag == group.tags[0] else ""
            tags[tag] = tags.get(tag) or door  # a door's groups describe its tag once
        if route.scopes:
            for way in _security(group):
                security_schemes.update(way)
        paths.setdefault(_PATH_PARAM.sub(r"{\1}", full_path), {})[route.method.lower()] = op

    info: dict[str, Any] = {"title": title, "version": version}
    if description:
        info["description"] = description
    document: dict[str, Any] = {"openapi": "3.1.0", "info": info}
    if tags:
        document["tags"] = [
            {"name": tag, "description": about} if about else {"name": tag}
            for tag, about in tags.items()
        ]
    document["paths"] = paths
    components: dict[str, Any] = {"schemas": _used_components(schemas, paths)}
    if security_schemes:
        components["securitySchemes"] = security_schemes
    document["components"] = components
    return document


def _used_components(schemas: _Schemas, paths: dict[str, Any]) -> dict[str, Any]:
    """Components minus the query/path Structs that were flattened into parameters."""
    components = dict(schemas.components)
    changed = True
    while changed:  # dropping one container may orphan a schema only it referenced
        changed = False
        text = msgspec.json.encode([paths, components]).decode()
        for name in list(components):
            if text.count(f'"{_REF_PREFIX}{name}"') == 0:
                del components[name]
                changed = True
    return components


def openapi_route(document: dict[str, Any], path: str = "/openapi.json") -> StarletteRoute:
    """`GET /openapi.json`, answering with bytes encoded once."""
    content = msgspec.json.encode(document)

    async def openapi_json(request: Request) -> Response:  # noqa: ARG001 (endpoint signature)
        return Response(content, media_type="application/json")

    return StarletteRoute(path, openapi_json, methods=["GET"], include_in_schema=False)
