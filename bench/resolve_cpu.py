"""aka's own CPU per resolve, in-process: the whole ASGI app, no server, no sockets.

`python -m bench.resolve_cpu {sqlite|postgres} [--rows N] [--requests N] [--clients N]
[--profile FILE]` loads N identifiers (one profile each), then sends `GET /v1/resolve` of
random ones straight into the app (its lifespan started as `aka serve` starts it, access
lines written to /dev/null) from `--clients` concurrent tasks, and prints the CPU time
(`time.process_time`: the event loop and the worker threads, not the database server)
and the wall time per request, best of `--rounds`. CPU per request holds on a shared
machine where req/s over HTTP does not; what granian and the sockets cost is the bare
app's floor in `make bench`. With `--profile` it writes a pyinstrument HTML profile of
the last round (pyinstrument must be installed). docs/performance.md, "Resolve (issue 15)".
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import random
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, MutableMapping, Sequence
from pathlib import Path
from typing import Any

from aka.app import build_app
from aka.config import Settings
from aka.logging import configure_logging
from aka.service import bulk
from aka.service.graph_commands import CreateProfile
from aka.service.identities import NewIdentifier
from aka.storage import open_store
from bench.engine_cpu import fresh_url

WORKSPACE = "default"
ADMIN_KEY = "aka_bench_resolve_cpu_admin_key_0123456789"
NO_LIMIT = "1000000000/second"
PG_DATABASE = "aka_resolve_cpu"
Message = MutableMapping[str, Any]


def _load(url: str, rows: int) -> None:
    store = open_store(url)
    store.migrate()
    from aka.service import admin  # noqa: PLC0415

    admin.bootstrap(store, ADMIN_KEY)
    for first in range(0, rows, 10_000):
        commands = [
            CreateProfile(identifiers=[NewIdentifier("bench", f"v{i:08d}")])
            for i in range(first, min(rows, first + 10_000))
        ]
        with store.transaction(WORKSPACE, write=True) as tx:
            bulk.run_all(tx, commands)
    store.close()


def _request(value: str) -> dict[str, Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": "/v1/resolve",
        "raw_path": b"/v1/resolve",
        "query_string": f"namespace=bench&value={value}".encode(),
        "root_path": "",
        "headers": [
            (b"host", b"127.0.0.1"),
            (b"authorization", f"Bearer {ADMIN_KEY}".encode()),
        ],
        "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 8000),
    }


async def _one(app: Callable[..., Awaitable[None]], value: str) -> int:
    status = 0

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    await app(_request(value), receive, send)
    return status


async def _round(app: Any, values: Sequence[str], clients: int) -> None:
    queue = list(values)

    async def client() -> None:
        while queue:
            status = await _one(app, queue.pop())
            if status != 200:
                raise SystemExit(f"resolve answered {status}")

    await asyncio.gather(*(client() for _ in range(clients)))


async def _serve(url: str, args: argparse.Namespace) -> None:
    # As `make bench` runs aka (bench/servers.py): limits counted but out of reach.
    settings = Settings(
        database_url=url,
        admin_key=ADMIN_KEY,
        log_level="info",
        rate_limit_read=NO_LIMIT,
        rate_limit_write=NO_LIMIT,
        rate_limit_admin=NO_LIMIT,
    )
    app = build_app(settings)
    rng = random.Random(7)
    async with app.router.lifespan_context(app):
        await _round(app, [f"v{rng.randrange(args.rows):08d}" for _ in range(500)], args.clients)
        best: tuple[float, float] | None = None
        profiler = None
        for turn in range(args.rounds):
            values = [f"v{rng.randrange(args.rows):08d}" for _ in range(args.requests)]
            if args.profile and turn == args.rounds - 1:
                from pyinstrument import Profiler  # noqa: PLC0415

                profiler = Profiler(interval=0.0002, async_mode="disabled")
                profiler.start()
            wall, cpu = time.perf_counter(), time.process_time()
            await _round(app, values, args.clients)
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            if profiler is not None:
                profiler.stop()
                out = Path(args.profile)
                out.write_text(
                    profiler.output_html() if out.suffix == ".html" else profiler.output_text()
                )
            per = (cpu / args.requests * 1e6, wall / args.requests * 1e6)
            print(f"  round {turn + 1}: CPU {per[0]:.1f} µs/request, wall {per[1]:.1f} µs/request")
            best = per if best is None or per[0] < best[0] else best
    assert best is not None
    print(f"best: CPU {best[0]:.1f} µs/request, wall {best[1]:.1f} µs/request")


def main(argv: Sequence[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("backend", choices=("sqlite", "postgres"))
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=5_000)
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--profile", default=None)
    args = parser.parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="aka-resolve-cpu-"))
    url = fresh_url(args.backend, workdir, PG_DATABASE)
    _load(url, args.rows)
    try:  # as `aka serve` configures it
        configure_logging("info", "json", batched=True)
    except TypeError:  # a checkout from before batched lines
        configure_logging("info", "json")
    devnull = open("/dev/null", "w")  # noqa: SIM115 - lives as long as the process
    for handler in logging.getLogger().handlers:
        if isinstance(handler, logging.StreamHandler):
            handler.setStream(devnull)
    asyncio.run(_serve(url, args))


if __name__ == "__main__":
    main(sys.argv[1:])
