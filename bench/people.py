"""The realistic ingest shape: people, each with an external id, 2-3 identifiers in
different namespaces and a few attributes, ~1% of them conflicting with earlier ones.

What a migration off a customer-data platform or a nightly CRM sync sends. Person `i`
holds:
- `external_id` `user-{i:08d}`;
- an email `p{i:08d}@example.com`, marked primary;
- a device id `d{i:08d}` (namespace `device`);
- for three people in ten a phone `+1555{i:07d}` (namespace `phone`), for two in ten
  a CRM id `crm-{i:08d}` (namespace `crm`): 2.5 identifiers a person on average;
- four profile attributes (name, plan, country, signup year).

People arrive in a shuffled order (fixed seed), as the one-identifier rows do
(`bench/data.py`). About 1% of the rows, at positions drawn with a fixed seed, conflict
with a person who came *earlier* in that order, so which row aka must refuse is known
in advance:
- half carry a fresh external id and device but the email of an earlier person;
- half carry the external id of an earlier person and the email of another earlier
  person. (An earlier external id alone is no conflict for `aka import`: it is the
  upsert rule's way to add identifiers to that person. With another person's email
  the row would merge two people, which an import never does.)

aka must refuse each of them, per item through `POST /v1/batch` and per line through
`aka import`, and write nothing of them; every other row is created whole.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, Final

import msgspec

from bench.data import WORKSPACE, Row, shuffled

CONFLICT_SEED: Final = 20261207
CONFLICT_SHARE: Final = 0.01
_PLANS: Final = ("free", "starter", "pro", "enterprise")
_COUNTRIES: Final = ("US", "GB", "FR", "DE", "JP", "BR", "IN")

Key = tuple[str, str]  # (namespace, value), as aka stores it


@dataclass(frozen=True, slots=True)
class Person:
    external_id: str
    identifiers: tuple[tuple[str, str, bool], ...]  # (namespace, value, primary)
    attributes: dict[str, Any]

    def as_record(self) -> dict[str, Any]:
        """The person as a `create` operation (less `op`) and as an import line."""
        return {
            "external_id": self.external_id,
            "attributes": self.attributes,
            "identifiers": [
                {"namespace": ns, "value": v, "primary": True} if primary
                else {"namespace": ns, "value": v}
                for ns, v, primary in self.identifiers
            ],
        }  # fmt: skip


def external_id(i: int) -> str:
    return f"user-{i:08d}"


def email(i: int) -> str:
    return f"p{i:08d}@example.com"


def identifiers(i: int) -> tuple[tuple[str, str, bool], ...]:
    """Person `i`'s own identifiers: the primary email first."""
    own = [("email", email(i), True), ("device", f"d{i:08d}", False)]
    if i % 10 < 3:
        own.append(("phone", f"+1555{i:07d}", False))
    elif i % 10 < 5:
        own.append(("crm", f"crm-{i:08d}", False))
    return tuple(own)


def person(i: int) -> Person:
    attributes = {
        "name": f"Person {i}",
        "plan": _PLANS[i % len(_PLANS)],
        "country": _COUNTRIES[i % len(_COUNTRIES)],
        "signup_year": 2015 + i % 11,
    }
    return Person(external_id(i), identifiers(i), attributes)


def _conflict(i: int, victim: int, other: int | None) -> Person:
    """Person `i`'s row turned into a conflict with the earlier people `victim` (and
    `other`): see the module's docstring."""
    own = person(i)
    taken = ("email", email(victim if other is None else other), True)
    ids = (taken, *own.identifiers[1:])
    ext = own.external_id if other is None else external_id(victim)
    return Person(ext, ids, own.attributes)


class People:
    """`n` rows in one fixed shuffled order, with the conflicts planned in; each derived
    shape (request bodies, JSONL file, floor rows) is built lazily and kept."""

    def __init__(self, n: int, workdir: Path) -> None:
        self.n = n
        self._workdir = workdir

    @cached_property
    def order(self) -> Sequence[int]:
        """The person at each position of the file (and of the requests)."""
        return shuffled(self.n)

    @cached_property
    def conflicts(self) -> dict[int, Person]:
        """Position -> the conflicting row that stands there instead of its person."""
        n = self.n
        count = min(max(round(n * CONFLICT_SHARE), 1), n - 2) if n > 2 else 0
        rng = random.Random(CONFLICT_SEED)
        positions = sorted(rng.sample(range(2, n), count)) if count else []
        chosen = set(positions)

        def earlier(p: int, besides: int | None = None) -> int:
            """A person at an earlier position that is not itself a conflict."""
            while True:
                q = rng.randrange(p)
                if q not in chosen and q != besides:
                    return q

        rows: dict[int, Person] = {}
        for k, p in enumerate(positions):
            victim = earlier(p)
            other = earlier(p, besides=victim) if k % 2 else None
            rows[p] = _conflict(
                self.order[p], self.order[victim], None if other is None else self.order[other]
            )
        return rows

    def row(self, position: int) -> Person:
        found = self.conflicts.get(position)
        return found if found is not None else person(self.order[position])

    def rows(self) -> Iterator[Person]:
        return (self.row(p) for p in range(self.n))

    @property
    def refused(self) -> int:
        return len(self.conflicts)

    @property
    def accepted(self) -> int:
        return self.n - self.refused

    @cached_property
    def accepted_keys(self) -> frozenset[Key]:
        """Every identifier aka must hold once all rows went in."""
        return frozenset(
            (ns, value)
            for p in range(self.n)
            if p not in self.conflicts
            for ns, value, _ in person(self.order[p]).identifiers
        )

    @property
    def accepted_identifiers(self) -> int:
        return len(self.accepted_keys)

    def position_of(self, key: Key) -> int:
        """The position of the accepted row that holds `key` (one of its identifiers)."""
        return self._positions[key]

    @cached_property
    def _positions(self) -> dict[Key, int]:
        return {
            (ns, value): p
            for p in range(self.n)
            if p not in self.conflicts
            for ns, value, _ in person(self.order[p]).identifiers
        }

    def bodies(self, per_request: int) -> list[bytes]:
        """`POST /v1/batch` bodies of `per_request` creates each, encoded before any
        clock starts: the figure is the server's, not the encoder's."""
        encode = msgspec.json.encode
        bodies = []
        for first in range(0, self.n, per_request):
            last = min(first + per_request, self.n)
            ops = [{"op": "create", **self.row(p).as_record()} for p in range(first, last)]
            bodies.append(encode({"operations": ops}))
        return bodies

    @cached_property
    def jsonl(self) -> Path:
        """The same rows, in the same order, as the file `aka import` reads."""
        path = self._workdir / f"people-{self.n}.jsonl"
        encode = msgspec.json.encode
        with path.open("wb") as out:
            for first in range(0, self.n, 10_000):
                last = min(first + 10_000, self.n)
                out.write(
                    b"".join(encode(self.row(p).as_record()) + b"\n" for p in range(first, last))
                )
        return path

    @cached_property
    def floor_rows(self) -> list[Row]:
        """The accepted identifiers, in arrival order, each on its person's profile id
        (shaped like aka's, 36 characters): the scratch-table floor's rows."""
        rows: list[Row] = []
        for p in range(self.n):
            if p in self.conflicts:
                continue
            profile = str(uuid.uuid4())
            rows += [(WORKSPACE, ns, v, profile) for ns, v, _ in person(self.order[p]).identifiers]
        return rows


def transactions(rows: int, per_transaction: int) -> int:
    """How many transactions aka commits for `rows` rows at `per_transaction` each."""
    return -(-rows // per_transaction)
