"""Every array a request may carry, in every door, has a maximum declared in its schema
(so OpenAPI shows it as `maxItems`), and a longer one is refused while decoding, before
any work: `too_many_items` (413) naming the array and the maximum, nothing written.
The doors' own envelopes are checked in their suites (tests/dialects/*/test_limits.py)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import msgspec
from msgspec import inspect
from starlette.routing import Route as StarletteRoute
from tests.http.conftest import ADMIN_KEY, Api, ident

from aka.app import build_app
from aka.config import Settings
from aka.http.dialects.braze import schemas as braze
from aka.http.native.schemas import IDENTIFIERS_MAX, SCOPES_MAX, VALUES_MAX
from aka.storage.memory import MemoryStore

# Braze routes decode their bodies themselves (a legacy `api_key` may ride in them).
_BRAZE_BODIES = (
    braze.AliasNewIn,
    braze.AliasUpdateIn,
    braze.IdentifyIn,
    braze.MergeIn,
    braze.DeleteIn,
    braze.ExportIn,
    braze.TrackIn,
)


def _request_types() -> Iterator[tuple[str, Any]]:
    app = build_app(Settings(database_url="memory://", admin_key=ADMIN_KEY), store=MemoryStore())
    for route in app.routes:
        declared = getattr(route, "endpoint", None) if isinstance(route, StarletteRoute) else None
        spec = getattr(declared, "route", None)
        for part in ("body", "query", "path_params"):
            shape = getattr(spec, part, None)
            if shape is not None:
                yield f"{route.path} {part}", shape
    for shape in _BRAZE_BODIES:
        yield f"braze {shape.__name__}", shape


def _arrays(t: inspect.Type, where: str, seen: set[type]) -> Iterator[tuple[str, inspect.Type]]:
    """Every array type reachable from `t`, with where it sits."""
    if isinstance(t, inspect.StructType):
        if t.cls in seen:
            return
        seen.add(t.cls)
        for f in t.fields:
            yield from _arrays(f.type, f"{where}.{f.encode_name}", seen)
    elif isinstance(t, inspect.Metadata):  # a Meta(...) annotation around the type
        yield from _arrays(t.type, where, seen)
    elif isinstance(t, inspect.UnionType):
        for member in t.types:
            yield from _arrays(member, where, seen)
    elif isinstance(t, inspect.ListType | inspect.SetType | inspect.VarTupleType):
        yield where, t
        yield from _arrays(t.item_type, f"{where}[]", seen)
    elif isinstance(t, inspect.DictType):
        yield from _arrays(t.value_type, f"{where}{{}}", seen)


def test_every_request_array_of_every_door_declares_a_maximum() -> None:
    """Native, Braze, Appizer, Coveo, Mimecast: no request array is unbounded."""
    unbounded = []
    checked = 0
    for name, shape in _request_types():
        for where, array in _arrays(inspect.type_info(shape), name, set()):
            checked += 1
            if array.max_length is None:  # type: ignore[attr-defined]
                unbounded.append(where)
    assert checked >= 20  # the walk did reach the doors' arrays
    assert unbounded == []


def test_a_new_profile_with_too_many_identifiers_is_refused_naming_the_limit(api: Api) -> None:
    """`POST /v1/profiles` holds at most IDENTIFIERS_MAX identifiers; one more is a 413
    `too_many_items` naming `identifiers` and the limit, and nothing is created."""
    items = [ident(f"device:d{n}") for n in range(IDENTIFIERS_MAX + 1)]
    r = api.client.post("/v1/profiles", json={"identifiers": items})
    problem = api.problem(r, 413, "too_many_items")
    assert problem["field"] == "identifiers"
    assert problem["limit"] == IDENTIFIERS_MAX
    assert str(IDENTIFIERS_MAX) in problem["detail"]
    assert api.owner("device:d0") is None


def test_a_batch_create_with_too_many_identifiers_refuses_the_whole_batch(api: Api) -> None:
    """The same bound inside a batch: the request is refused before any operation runs."""
    ops = [
        {"op": "create", "identifiers": [ident("device:first")]},
        {"op": "create", "identifiers": [ident(f"device:d{n}") for n in range(1001)]},
    ]
    problem = api.problem(api.client.post("/v1/batch", json={"operations": ops}), 413,
                          "too_many_items")  # fmt: skip
    assert problem["field"] == "operations[1].identifiers"
    assert problem["limit"] == IDENTIFIERS_MAX
    assert api.owner("device:first") is None


def test_settings_and_key_arrays_are_bounded(api: Api) -> None:
    """Blocked values, internal domains and a key's scopes: each refused past its
    maximum, naming the field (the workspace is left as it was)."""
    values = [f"v{n}" for n in range(VALUES_MAX + 1)]
    for patch, where in (
        ({"blocked_values": values}, "blocked_values"),
        ({"internal_domains": [f"d{n}.example" for n in range(VALUES_MAX + 1)]},
         "internal_domains"),
        ({"namespaces": {"email": {"blocked_values": values}}},
         "namespaces[...].blocked_values"),  # msgspec names a map's value so
    ):  # fmt: skip
        problem = api.problem(api.client.patch("/v1/workspace", json=patch), 413, "too_many_items")
        assert problem["field"] == where
        assert problem["limit"] == VALUES_MAX
    workspace = api.ok(api.client.get("/v1/workspace"), 200)
    assert "v0" not in msgspec.json.encode(workspace).decode()
    scopes = ["identities:read"] * (SCOPES_MAX + 1)
    problem = api.problem(api.client.post("/v1/keys", json={"scopes": scopes}), 413,
                          "too_many_items")  # fmt: skip
    assert (problem["field"], problem["limit"]) == ("scopes", SCOPES_MAX)


def test_the_openapi_document_shows_each_maximum(api: Api) -> None:
    """`maxItems` in the published schema, from the same declaration."""
    doc = api.ok(api.client.get("/openapi.json"), 200)
    schemas = doc["components"]["schemas"]
    assert schemas["CreateProfileIn"]["properties"]["identifiers"]["maxItems"] == IDENTIFIERS_MAX
