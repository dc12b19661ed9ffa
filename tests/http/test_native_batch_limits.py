"""`POST /v1/batch` has its own body bound: a 10,000-operation batch is megabytes, more
than any other route should accept."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import msgspec
import pytest

from aka.config import Settings

if TYPE_CHECKING:
    from conftest import Api

ROUTE_LIMIT = 4096  # every other route
BATCH_LIMIT = 64 * 1024


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"max_body_bytes": ROUTE_LIMIT, "batch_max_body_bytes": BATCH_LIMIT}


def creates(n: int) -> bytes:
    ops = [
        {"op": "create", "identifiers": [{"namespace": "device", "value": f"d{i:06d}"}]}
        for i in range(n)
    ]
    return msgspec.json.encode({"operations": ops})


def test_the_defaults_take_10000_operations_in_up_to_16_mib() -> None:
    defaults = Settings()
    assert defaults.batch_max_operations == 10_000
    assert defaults.batch_max_body_bytes == 16 * 1024 * 1024
    # 10,000 creates of one identifier each are about 0.7 MB: well inside the bound.
    assert len(creates(10_000)) < defaults.batch_max_body_bytes // 8


def test_a_batch_larger_than_other_routes_accept_runs(api: Api) -> None:
    body = creates(100)
    assert ROUTE_LIMIT < len(body) < BATCH_LIMIT
    r = api.client.post("/v1/batch", content=body, headers={"Content-Type": "application/json"})
    results = api.ok(r, 200)["results"]
    assert [res["status"] for res in results] == [201] * 100
    # The same size on another route is refused: the batch bound is the batch's alone.
    other = api.client.post("/v1/profiles", content=b" " * len(body))
    assert api.problem(other, 413, "body_too_large")["limit_bytes"] == ROUTE_LIMIT


def test_a_batch_over_its_bound_is_413_naming_the_limit_and_runs_nothing(api: Api) -> None:
    body = creates(2000)
    assert len(body) > BATCH_LIMIT
    r = api.client.post("/v1/batch", content=body, headers={"Content-Type": "application/json"})
    assert api.problem(r, 413, "body_too_large")["limit_bytes"] == BATCH_LIMIT
    missing = api.client.get("/v1/resolve", params={"namespace": "device", "value": "d000000"})
    assert missing.status_code == 404
