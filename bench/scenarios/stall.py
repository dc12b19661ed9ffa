"""Do other requests wait while the largest accepted request runs? (issue 12)

For each kind of large request (a Coveo push with the most members, a Coveo mapping
with the most mapped identities, a new profile with the most identifiers, a full
`POST /v1/batch`), one client sends it while another, on its own connections, asks
`/healthz` and `/v1/resolve` one after the other without pause. The figures are the
prober's p99 while the large request was in flight (target: under 100 ms), beside the
same prober's p99 with nothing else running. The prober is Python on the same two
cores as the server: its figures include its own scheduling.
"""

from __future__ import annotations

import random
import statistics
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from aka.http.dialects.coveo.wire import MAPPINGS_MAX, MEMBERS_MAX
from aka.http.native.schemas import IDENTIFIERS_MAX
from bench.client import Aka
from bench.context import Context, Store, human
from bench.data import NAMESPACE, value
from bench.errors import BenchError
from bench.figures import Figure, Goal, Target
from bench.servers import ADMIN_KEY

TARGET_MS = 100.0
IDLE_SECONDS = 1.0  # the prober alone, for the floor


@dataclass
class Probe:
    """Alternates GET /healthz and a random resolve until stopped; keeps each
    answer's (sent, answered, latency in ms) per path. A non-200 answer is an error."""

    base: str
    size: int
    seen: dict[str, list[tuple[float, float, float]]] = field(
        default_factory=lambda: {"healthz": [], "resolve": []}
    )
    error: str | None = None
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def stop(self, after: float) -> None:
        """Stop once each path has an answer from after `after` (so even a request
        shorter than one probe has answers in flight during it)."""
        deadline = time.perf_counter() + 60
        while self.error is None and time.perf_counter() < deadline:
            if all(seen and seen[-1][1] >= after for seen in self.seen.values()):
                break
            time.sleep(0.001)
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=60)
        if self.error is not None:
            raise BenchError(f"the prober failed: {self.error}")

    def _run(self) -> None:
        headers = {"Authorization": f"Bearer {ADMIN_KEY}"}
        picks = random.Random(7)
        with httpx.Client(base_url=self.base, headers=headers, timeout=120) as http:
            while not self._stop.is_set():
                for path in ("healthz", "resolve"):
                    params = (
                        {"namespace": NAMESPACE, "value": value(picks.randrange(self.size))}
                        if path == "resolve"
                        else None
                    )
                    url = "/healthz" if path == "healthz" else "/v1/resolve"
                    start = time.perf_counter()
                    try:
                        status = http.get(url, params=params).status_code
                    except httpx.HTTPError as exc:
                        self.error = f"GET {url}: {exc!r}"
                        return
                    end = time.perf_counter()
                    if status != 200:
                        self.error = f"GET {url} answered {status}"
                        return
                    self.seen[path].append((start, end, (end - start) * 1000))

    def within(self, path: str, start: float, end: float) -> list[float]:
        """Latencies of the requests in flight at any moment of [start, end]; for a
        window shorter than one probe (tiny sizes), the first answered after it."""
        found = [ms for sent, got, ms in self.seen[path] if sent <= end and got >= start]
        if not found:
            found = [ms for _, got, ms in self.seen[path] if got >= end][:1]
        return found


def p99(samples: list[float]) -> float:
    if not samples:
        raise BenchError("the prober got no answer at all while the request ran")
    if len(samples) < 2:
        return samples[0]
    return statistics.quantiles(samples, n=100, method="inclusive")[98]


def _user(name: str) -> dict[str, Any]:
    return {"name": name, "type": "USER"}


@dataclass(frozen=True)
class Kind:
    key: str
    label: str
    send: Callable[[Aka, int, int], httpx.Response]  # (client, items, run number)
    items: int  # the documented maximum


def _permissions(aka: Aka, items: int, run: int) -> httpx.Response:
    body = {
        "identity": {"name": f"group-{run}", "type": "GROUP"},
        "members": [_user(f"member-{run}-{n}") for n in range(items)],
    }
    return aka.http.put("/push/v1/organizations/default/providers/Groups/permissions", json=body)


def _mappings(aka: Aka, items: int, run: int) -> httpx.Response:
    body = {
        "identity": _user(f"person-{run}"),
        "mappings": [{**_user(f"alias-{run}-{n}"), "provider": "Mapped"} for n in range(items)],
    }
    return aka.http.put("/push/v1/organizations/default/providers/People/mappings", json=body)


def _profile(aka: Aka, items: int, run: int) -> httpx.Response:
    body = {"identifiers": [{"namespace": "wide", "value": f"w{run}-{n}"} for n in range(items)]}
    return aka.http.post("/v1/profiles", json=body)


def _batch(aka: Aka, items: int, run: int) -> httpx.Response:
    ops = [
        {"op": "create", "identifiers": [{"namespace": "batch", "value": f"b{run}-{n}"}]}
        for n in range(items)
    ]
    return aka.http.post("/v1/batch", json={"operations": ops})


def kinds(ctx: Context) -> list[Kind]:
    full = [
        Kind("coveo_permissions", "Coveo PUT permissions", _permissions, MEMBERS_MAX),
        Kind("coveo_mappings", "Coveo PUT mappings", _mappings, MAPPINGS_MAX),
        Kind("profile", "POST /v1/profiles", _profile, IDENTIFIERS_MAX),
        Kind("batch", "POST /v1/batch", _batch, ctx.sizes.per_request),
    ]
    if ctx.sizes.large_request_items is None:
        return full
    cap = ctx.sizes.large_request_items
    return [Kind(k.key, k.label, k.send, min(cap, k.items)) for k in full]


def run(ctx: Context) -> list[Figure]:
    s, name = ctx.sizes, ctx.backend.name
    with ctx.store("stall", load=s.small_store) as store:
        return _measure(ctx, store, name)


def _measure(ctx: Context, store: Store, name: str) -> list[Figure]:
    aka = store.aka
    for namespace in ("wide", "Mapped"):  # the default 100 per profile would refuse them
        aka.set_limit(namespace, 1_000_000)
    note = "one prober, sequential /healthz and /v1/resolve, Python on the same host"
    figures: list[Figure] = []
    for kind in kinds(ctx):
        what = f"{kind.label} with {human(kind.items)} items"
        made = {
            path: Figure(
                f"stall.{kind.key}.{path}.p99",
                f"{'/healthz' if path == 'healthz' else '/v1/resolve'} p99 during {what}",
                name,
                "ms",
                floor_label="the same p99, nothing else running",
                target=Target(Goal.BELOW, TARGET_MS, "ms"),
                note=note,
            )
            for path in ("healthz", "resolve")
        }
        took = Figure(f"stall.{kind.key}.seconds", f"{what}: the request itself", name, "s")
        for run_no in range(1, ctx.sizes.runs + 1):
            probe = Probe(store.server.base, store.size)
            probe.start()
            time.sleep(IDLE_SECONDS)
            idle_end = time.perf_counter()
            start = time.perf_counter()
            answer = kind.send(aka, kind.items, run_no)
            end = time.perf_counter()
            probe.stop(after=end)
            if answer.status_code not in (200, 201, 202):
                raise BenchError(f"{what} answered {answer.status_code}: {answer.text[:300]}")
            took.aka_runs.append(end - start)
            line = []
            for path, figure in made.items():
                during = probe.within(path, start, end)
                idle = probe.within(path, idle_end - IDLE_SECONDS, idle_end)
                figure.aka_runs.append(p99(during))
                figure.floor_runs.append(p99(idle))
                figure.details.setdefault("samples", []).append(len(during))
                figure.details.setdefault("max_ms", []).append(max(during))
                line.append(f"{path} p99 {figure.aka_runs[-1]:.1f} ms (max {max(during):.1f})")
            ctx.say(f"stall {kind.key} run {run_no}: {end - start:.2f} s; " + ", ".join(line))
        figures += [*made.values(), took]
    return figures
