"""The scenarios, in the order they run on each backend.

Read scenarios share one loaded store (filled by the last ingest run), so they come
after ingest; link and merge add to that store, so they come after the pure reads.
`ingest-people` (the realistic shape), stall and check work on stores of their own.
"""

from __future__ import annotations

from collections.abc import Callable

from bench.context import Context
from bench.figures import Figure
from bench.scenarios import (
    as_of,
    check,
    ingest,
    ingest_people,
    latency,
    link,
    memory,
    merge,
    resolve,
    resolve_replica,
    stall,
)

Scenario = Callable[[Context], list[Figure]]

SCENARIOS: dict[str, Scenario] = {
    "ingest": ingest.run,
    "ingest-people": ingest_people.run,
    "resolve": resolve.run,
    "resolve-replica": resolve_replica.run,
    "latency": latency.run,
    "as-of": as_of.run,
    "link": link.run,
    "merge": merge.run,
    "stall": stall.run,
    "memory": memory.run,
    "check": check.run,
}
