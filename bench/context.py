"""What a scenario works with on one backend: fresh stores served by aka, the one
loaded store the read scenarios share, the bare ASGI server, and the run's data."""

from __future__ import annotations

import itertools
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from bench.backends import Backend, Database
from bench.client import Aka
from bench.data import NAMESPACE, Dataset, batch_bodies
from bench.errors import BenchError
from bench.people import People
from bench.servers import Server, aka_server, bare_server
from bench.sizes import Sizes


def human(n: int) -> str:
    """1_000_000 -> "1M", 10_000 -> "10k", 2_500 -> "2.5k"."""
    for size, suffix in ((1_000_000, "M"), (1_000, "k")):
        if n >= size:
            return f"{n / size:g}{suffix}"
    return str(n)


class Datasets:
    """Rows by size, shared by both backends so each sees exactly the same ones."""

    def __init__(self, workdir: Path) -> None:
        self._workdir = workdir
        self._sets: dict[int, Dataset] = {}
        self._bodies: dict[tuple[int, int], list[bytes]] = {}
        self._people: dict[int, People] = {}
        self._people_bodies: dict[tuple[int, int], list[bytes]] = {}

    def get(self, n: int) -> Dataset:
        if n not in self._sets:
            self._sets[n] = Dataset(n, self._workdir)
        return self._sets[n]

    def bodies(self, n: int, per_request: int) -> list[bytes]:
        key = (n, per_request)
        if key not in self._bodies:
            self._bodies[key] = self.get(n).bodies(per_request)
        return self._bodies[key]

    def people(self, n: int) -> People:
        """The realistic shape (bench/people.py): `n` people, ~1% conflicting."""
        if n not in self._people:
            self._people[n] = People(n, self._workdir)
        return self._people[n]

    def people_bodies(self, n: int, per_request: int) -> list[bytes]:
        key = (n, per_request)
        if key not in self._people_bodies:
            self._people_bodies[key] = self.people(n).bodies(per_request)
        return self._people_bodies[key]


@dataclass
class Store:
    """An aka store being served: `size` identifiers `bench:v…` loaded through the API."""

    db: Database
    server: Server
    aka: Aka
    size: int
    profile_ids: list[str] = field(default_factory=list)  # the first ones created


class Context:
    def __init__(
        self,
        backend: Backend,
        sizes: Sizes,
        *,
        workers: int,
        workdir: Path,
        datasets: Datasets,
    ) -> None:
        self.backend = backend
        self.sizes = sizes
        self.workers = workers
        self.workdir = workdir
        self.datasets = datasets
        self._logs = itertools.count(1)
        self._resources = ExitStack()
        self._loaded: Store | None = None
        self._bare: Server | None = None

    def close(self) -> None:
        self._loaded = None
        self._bare = None
        self._resources.close()
        self.backend.close()

    def say(self, message: str) -> None:
        print(f"{time.strftime('%H:%M:%S')} [{self.backend.name}] {message}", file=sys.stderr)

    def log(self, name: str) -> Path:
        path = self.workdir / "logs" / f"{self.backend.name}-{next(self._logs):03d}-{name}.log"
        path.parent.mkdir(parents=True, exist_ok=True)
        return path

    @contextmanager
    def store(self, label: str, *, load: int = 0, keep_ids: int = 0) -> Iterator[Store]:
        """A fresh store behind its own `aka serve`, with `load` identifiers put in
        through the batch API (untimed), and dropped when the block ends."""
        with (
            self.backend.database(label) as db,
            aka_server(
                db.url,
                workers=self.workers,
                per_request=self.sizes.per_request,
                log=self.log(f"serve-{label}"),
            ) as server,
        ):
            aka = Aka(server.base)
            try:
                store = Store(db, server, aka, 0)
                if load:
                    self.say(f"loading {human(load)} identifiers into the {label} store")
                    if load == self.sizes.ingest_rows:
                        bodies = iter(self.datasets.bodies(load, self.sizes.per_request))
                    else:  # other sizes are loaded once: encode as we go
                        bodies = batch_bodies(self.datasets.get(load).order, self.sizes.per_request)
                    _, created, store.profile_ids = aka.load(bodies, keep_ids=keep_ids)
                    self.check_count(db, load)
                    store.size = created
                yield store
            finally:
                aka.close()

    def check_count(self, db: Database, expected: int, namespace: str = NAMESPACE) -> None:
        found = self.backend.count_identifiers(db, namespace)
        if found != expected:
            raise BenchError(f"expected {expected} identifiers in the store, found {found}")

    def adopt(self, resources: ExitStack, store: Store) -> None:
        """Keep an ingest run's store as the loaded store of the read scenarios."""
        if self._loaded is None and store.size == self.sizes.ingest_rows:
            self._resources.enter_context(resources.pop_all())
            self._loaded = store

    def loaded(self) -> Store:
        """The store holding `ingest_rows` identifiers: the one the last ingest run
        filled, or one filled now the same way when ingest did not run."""
        if self._loaded is None:
            n = self.sizes.ingest_rows
            self._loaded = self._resources.enter_context(
                self.store("loaded", load=n, keep_ids=self.sizes.link_profiles)
            )
        return self._loaded

    def bare(self) -> Server:
        if self._bare is None:
            self._bare = self._resources.enter_context(
                bare_server(workers=self.workers, log=self.log("bare-asgi"))
            )
        return self._bare
