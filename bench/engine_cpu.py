"""aka's own CPU for the realistic ingest, in-process: the engine under the doors.

`python -m bench.engine_cpu {sqlite|postgres} PEOPLE {import|batch}` runs the
`ingest-people` shape (bench/people.py) through `imports.apply_chunk` (chunks of
10,000 records, what `aka import` runs) or `bulk.run_all` over `CreateProfile`s (1,000
a transaction, what `POST /v1/batch` runs) and prints wall and CPU seconds. CPU
seconds (`time.process_time`) hold on a shared machine where the wall clock does not;
on PostgreSQL they leave out the server's work. With `PYTHONPATH=<checkout>/src` it
measures another checkout's engine (one without `aka.service.imports` runs
`transfer.apply_chunk`). docs/performance.md, "Set-based creates".
"""

from __future__ import annotations

import importlib
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from aka.core.ports import Transaction
from aka.service import admin, bulk
from aka.service.graph_commands import CreateProfile
from aka.service.identities import NewIdentifier
from aka.storage import open_store
from bench.people import People, Person

WORKSPACE = "w"
PG_ADMIN = "postgresql://postgres@127.0.0.1/postgres"
PG_DATABASE = "aka_engine_cpu"


def fresh_url(backend: str, workdir: Path, database: str = PG_DATABASE) -> str:
    """An empty store's URL: a file in `workdir`, or `database` dropped and created
    again on the local PostgreSQL (for the in-process measurements, not `make bench`)."""
    if backend == "sqlite":
        return f"sqlite:///{workdir}/aka.db"
    import psycopg  # noqa: PLC0415 - only the PostgreSQL run needs it

    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {database}")
    return f"postgresql+psycopg://postgres@127.0.0.1/{database}"


def _import_chunk() -> Callable[[Transaction, Sequence[Person]], list[Any]]:
    transfer = importlib.import_module("aka.service.transfer")
    try:
        runner = importlib.import_module("aka.service.imports")
    except ImportError:  # a checkout from before `imports` existed
        runner = transfer

    def run(tx: Transaction, part: Sequence[Person]) -> list[Any]:
        records = [transfer.parse_object(p.as_record()) for p in part]
        return list(runner.apply_chunk(tx, records))

    return run


def _batch(tx: Transaction, part: Sequence[Person]) -> list[Any]:
    commands = [
        CreateProfile(
            external_id=p.external_id,
            attributes=p.attributes,
            identifiers=[NewIdentifier(ns, v, primary=pr) for ns, v, pr in p.identifiers],
        )
        for p in part
    ]
    return list(bulk.run_all(tx, commands))


def main(argv: Sequence[str]) -> None:
    with tempfile.TemporaryDirectory(prefix="aka-engine-cpu-") as workdir:
        _measure(argv, Path(workdir))


def _measure(argv: Sequence[str], workdir: Path) -> None:
    backend, n, way = argv[0], int(argv[1]), argv[2]
    store = open_store(fresh_url(backend, workdir))
    store.migrate()
    admin.create_workspace(store, WORKSPACE)
    people = People(n, workdir)
    rows = list(people.rows())
    chunk, run = (10_000, _import_chunk()) if way == "import" else (1_000, _batch)
    wall, cpu = time.perf_counter(), time.process_time()
    refused = 0
    for first in range(0, n, chunk):
        with store.transaction(WORKSPACE, write=True) as tx:
            results = run(tx, rows[first : first + chunk])
        refused += sum(1 for r in results if isinstance(r, Exception))
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    store.close()
    if refused != people.refused:
        raise SystemExit(f"refused {refused} rows; {people.refused} were planned to conflict")
    print(
        f"{backend} {way} {n} people: wall {wall:.2f} s, CPU {cpu:.2f} s, "
        f"{people.accepted_identifiers / wall:,.0f} ids/s (wall)"
    )


if __name__ == "__main__":
    main(sys.argv[1:])
