"""The rows every scenario loads, and the same rows in each shape a path needs.

Identifier `i` is `bench:v{i:08d}`, so a load script can pick a random key of the loaded
set from its index alone. They are written in a shuffled order (fixed seed): real
identifiers (emails, device ids) do not arrive sorted, and sorted keys would turn every
index insert into a cheap append, for aka and floor alike.
"""

from __future__ import annotations

import random
import uuid
from array import array
from collections.abc import Iterator, Sequence
from functools import cached_property
from itertools import islice
from pathlib import Path

import msgspec

WORKSPACE = "default"
NAMESPACE = "bench"
SEED = 20240601

Row = tuple[str, str, str, str]  # (workspace_id, namespace, value, profile_id)


def value(i: int) -> str:
    return f"v{i:08d}"


def shuffled(n: int) -> array[int]:
    order = array("L", range(n))  # 4-8 bytes a row: 10M indices fit in tens of MB
    random.Random(SEED).shuffle(order)
    return order


def chunks(order: Sequence[int], size: int) -> Iterator[Sequence[int]]:
    for start in range(0, len(order), size):
        yield order[start : start + size]


def batch_body(indices: Sequence[int]) -> bytes:
    """One `POST /v1/batch` body: a `create` of a one-identifier profile per index."""
    return msgspec.json.encode(
        {
            "operations": [
                {"op": "create", "identifiers": [{"namespace": NAMESPACE, "value": value(i)}]}
                for i in indices
            ]
        }
    )


def batch_bodies(order: Sequence[int], per_request: int) -> Iterator[bytes]:
    return (batch_body(c) for c in chunks(order, per_request))


def write_jsonl(path: Path, order: Sequence[int]) -> Path:
    """The same profiles as the batch bodies, as `aka import` reads them."""
    head = '{"identifiers": [{"namespace": "' + NAMESPACE + '", "value": "'
    with path.open("w", encoding="utf-8") as out:
        it = iter(order)
        while block := list(islice(it, 100_000)):
            out.write("".join(f'{head}{value(i)}"}}]}}\n' for i in block))
    return path


class Dataset:
    """`n` identifiers in one fixed shuffled order, built lazily and kept for reuse."""

    def __init__(self, n: int, workdir: Path) -> None:
        self.n = n
        self._workdir = workdir

    @cached_property
    def order(self) -> array[int]:
        return shuffled(self.n)

    def bodies(self, per_request: int) -> list[bytes]:
        """Encoded before any clock starts: the figure is the server's, not the encoder's."""
        return list(batch_bodies(self.order, per_request))

    @cached_property
    def jsonl(self) -> Path:
        return write_jsonl(self._workdir / f"import-{self.n}.jsonl", self.order)

    @cached_property
    def floor_rows(self) -> list[Row]:
        """The same identifiers, each on a profile id shaped like aka's (36 characters)."""
        return [(WORKSPACE, NAMESPACE, value(i), str(uuid.uuid4())) for i in self.order]
