"""How big each scenario is: the issue's sizes for `make bench`, tiny ones for `--quick`."""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Any


@dataclass(frozen=True, slots=True)
class Sizes:
    ingest_rows: int  # identifiers ingested per run (one per created profile)
    per_request: int  # create operations per `POST /v1/batch`: aka's rows per transaction
    import_chunk: int  # `aka import --chunk-size`: its rows per transaction
    small_store: int  # identifiers in the store of the "10k" latency figure
    large_store: int | None  # --large: a third latency store (10M)
    big_import_rows: int  # the second peak-RSS figure (10M)
    big_import_runs: int  # one by default: a 10M import takes minutes (docs/performance.md)
    link_profiles: int  # profiles the link scenario spreads its identifiers over
    merge_identifiers: int  # identifiers on the profile that is merged and unmerged
    check_identifiers: tuple[int, ...]  # stores `aka check` is timed on (bench/seed.py)
    wrk_seconds: int  # one measured wrk run
    warmup_seconds: int  # one unmeasured wrk run before the measured ones (0: none)
    connections: int  # concurrent connections for throughput figures (the 64)
    latency_connections: int  # connections for p50/p99: one, so they are service times
    runs: int  # measured runs per figure; the median is reported
    people: int  # ingest-people: rows (people) per run, ~1% of them conflicting
    people_per_request: int  # ingest-people: creates per `POST /v1/batch`
    people_import_chunk: int  # ingest-people: `aka import --chunk-size` (aka's default)
    # stall: items in each large request; None = each kind's documented maximum
    large_request_items: int | None = None

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


FULL = Sizes(
    ingest_rows=1_000_000,
    per_request=10_000,
    import_chunk=10_000,
    small_store=10_000,
    large_store=None,
    big_import_rows=10_000_000,
    big_import_runs=1,
    link_profiles=10_000,
    merge_identifiers=10_000,
    check_identifiers=(100_000, 1_000_000),
    wrk_seconds=10,
    warmup_seconds=2,
    connections=64,
    latency_connections=1,
    runs=3,
    people=100_000,
    people_per_request=1_000,
    people_import_chunk=10_000,
)

QUICK = Sizes(
    ingest_rows=1_000,
    per_request=250,
    import_chunk=250,
    small_store=300,
    large_store=None,
    big_import_rows=1_500,
    big_import_runs=1,
    link_profiles=100,
    merge_identifiers=500,
    check_identifiers=(2_000,),
    wrk_seconds=1,
    warmup_seconds=0,
    connections=64,
    latency_connections=1,
    runs=1,
    people=400,
    people_per_request=50,
    people_import_chunk=100,
    large_request_items=50,
)


def choose(
    *,
    quick: bool,
    large: bool,
    runs: int | None,
    memory_runs: int | None = None,
    check_sizes: tuple[int, ...] | None = None,
    rows: int | None = None,
    people: int | None = None,
) -> Sizes:
    sizes = QUICK if quick else FULL
    if large:
        sizes = replace(
            sizes,
            large_store=20_000 if quick else 10_000_000,
            check_identifiers=(*sizes.check_identifiers, 20_000 if quick else 10_000_000),
        )
    if check_sizes:
        sizes = replace(sizes, check_identifiers=check_sizes)
    if runs is not None:
        sizes = replace(sizes, runs=runs)
    if memory_runs is not None:
        sizes = replace(sizes, big_import_runs=memory_runs)
    if rows is not None:
        # The link scenario spreads its links over at most this many of the profiles.
        sizes = replace(sizes, ingest_rows=rows, link_profiles=min(sizes.link_profiles, rows))
    if people is not None:
        sizes = replace(sizes, people=people)
    return sizes
