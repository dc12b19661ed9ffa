"""The floor of aka's own rows: what aka wrote, read back after a run, and written raw
into a fresh, migrated aka schema, in the transactions aka used.

Nothing here knows how many rows aka writes per person or which events: that is being
changed (issue 13, one event per command), and a floor that restated today's shape
would measure yesterday's schema. So the rows are whatever aka left in its store:
every table a freshly migrated store leaves empty and aka's run filled (today
profiles, identifiers, events and memberships), plus the workspace's `last_seq`,
updated once per transaction as aka does.

Each row goes to the transaction aka wrote it in. The caller says which transaction
each identifier (namespace, value) was sent in; from that:
- a profile goes with its identifiers;
- a transaction's events are the seq range that ends with the last event naming one
  of its profiles (aka's seqs rise with its commits), and any row with a `seq` column
  falls in the range its seq does;
- a row with a `profile_id` but no `seq` goes with that profile; anything else is
  spread evenly, in the order it was written.
Within a transaction, tables go profiles first (the others' foreign keys point at
them), each in the order aka inserted its rows.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

from bench.data import WORKSPACE
from bench.errors import BenchError

if TYPE_CHECKING:  # bench.backends imports this module's Table and Chunk
    from bench.backends import Backend, Database

Key = tuple[str, str]
FIRST: Final = "profiles"  # written first in each transaction: the others point at it


@dataclass
class Table:
    """One table's rows as the backend read them back, in insertion order.

    `values` are what placing a row needs (SQLite: its values; PostgreSQL: COPY's text
    fields, unescaped); `payload` is what the backend writes back (SQLite: the same
    tuple; PostgreSQL: the COPY line, byte for byte)."""

    name: str
    columns: list[str]
    values: list[tuple[Any, ...]] = field(default_factory=list)
    payload: list[Any] = field(default_factory=list)

    def column(self, name: str) -> int | None:
        return self.columns.index(name) if name in self.columns else None


@dataclass
class Written:
    """What one aka run left in its store (one workspace)."""

    tables: list[Table]
    last_seq: int

    def table(self, name: str) -> Table | None:
        return next((t for t in self.tables if t.name == name), None)

    def counts(self) -> dict[str, int]:
        return {t.name: len(t.values) for t in self.tables}

    def identifier_keys(self) -> set[Key]:
        table = self.table("identifiers")
        if table is None:
            return set()
        ns, value = table.columns.index("namespace"), table.columns.index("value")
        return {(str(row[ns]), str(row[value])) for row in table.values}

    def rows(self) -> int:
        return sum(len(t.values) for t in self.tables)


@dataclass
class Chunk:
    """The rows of one of aka's transactions, by table, and `last_seq` after it."""

    rows: dict[str, list[Any]]
    last_seq: int


def _int(value: Any) -> int:
    return value if isinstance(value, int) else int(str(value))


def plan(written: Written, transaction_of: Callable[[Key], int], transactions: int) -> list[Chunk]:
    """Split what aka wrote into its `transactions` transactions, in order."""
    if transactions < 1:
        raise BenchError("no transactions to split the rows into")
    profile_tx = _profiles(written, transaction_of)
    ends = _seq_ends(written, profile_tx, transactions)
    first_seq = _first_seq_of_profiles(written)
    ordered = sorted(written.tables, key=lambda t: (t.name != FIRST, t.name))
    chunks = [Chunk({t.name: [] for t in ordered}, 0) for _ in range(transactions)]
    last = transactions - 1

    def by_seq(seq: int) -> int:
        return min(bisect.bisect_left(ends, seq), last)

    def by_profile(profile_id: Any) -> int:
        found = profile_tx.get(str(profile_id))
        if found is not None:
            return found
        seq = first_seq.get(str(profile_id))
        if seq is None:
            raise BenchError(f"profile {profile_id} has neither identifiers nor events")
        return by_seq(seq)

    for table in ordered:
        seq_at = table.column("seq")
        profile_at = table.column("id") if table.name == FIRST else table.column("profile_id")
        n = len(table.values)
        for i, (values, payload) in enumerate(zip(table.values, table.payload, strict=True)):
            if seq_at is not None:
                tx = by_seq(_int(values[seq_at]))
            elif profile_at is not None:
                tx = by_profile(values[profile_at])
            else:  # nothing says when it was written: spread evenly, in order
                tx = i * transactions // n
            chunks[tx].rows[table.name].append(payload)
    for k, chunk in enumerate(chunks):
        chunk.last_seq = ends[k]
    chunks[-1].last_seq = written.last_seq
    return chunks


def _profiles(written: Written, transaction_of: Callable[[Key], int]) -> dict[str, int]:
    """Profile id -> the transaction its identifiers were sent in."""
    table = written.table("identifiers")
    if table is None:
        return {}
    ns, value = table.columns.index("namespace"), table.columns.index("value")
    profile = table.columns.index("profile_id")
    found: dict[str, int] = {}
    for row in table.values:
        found.setdefault(str(row[profile]), transaction_of((str(row[ns]), str(row[value]))))
    return found


def _seq_ends(written: Written, profile_tx: dict[str, int], transactions: int) -> list[int]:
    """The last seq of each transaction: the last event naming one of its profiles."""
    ends = [0] * transactions
    events = written.table("events")
    if events is not None:
        seq, profile = events.columns.index("seq"), events.columns.index("profile_id")
        for row in events.values:
            tx = profile_tx.get(str(row[profile]))
            if tx is not None:
                ends[tx] = max(ends[tx], _int(row[seq]))
    for k in range(1, transactions):  # a transaction that wrote nothing ends where the last did
        ends[k] = max(ends[k], ends[k - 1])
    return ends


def _first_seq_of_profiles(written: Written) -> dict[str, int]:
    events = written.table("events")
    if events is None:
        return {}
    seq, profile = events.columns.index("seq"), events.columns.index("profile_id")
    first: dict[str, int] = {}
    for row in events.values:
        if row[profile] is not None:
            first.setdefault(str(row[profile]), _int(row[seq]))
    return first


def read_written(backend: Backend, db: Database, *, before: dict[str, int]) -> Written:
    """The rows aka's run added to `db`: each table's rows past the `before` it held
    when the run started (`Backend.table_counts`). The workspace row is left out:
    aka updates it (`last_seq`) rather than adding to it."""
    tables = []
    for name, count in backend.table_counts(db).items():
        had = before.get(name, 0)
        if name == "workspaces" or count <= had:
            continue
        table = backend.read_table(db, name)
        del table.values[:had], table.payload[:had]  # insertion order: theirs come first
        tables.append(table)
    return Written(tables, backend.last_seq(db, WORKSPACE))


def write_raw(
    backend: Backend,
    fresh: Database,
    written: Written,
    transaction_of: Callable[[Key], int],
    transactions: int,
) -> float:
    """Seconds to write `written` raw into `fresh` in aka's transactions; fails unless
    `fresh` then holds exactly as many rows in each table as aka's store did."""
    chunks = plan(written, transaction_of, transactions)
    seconds = backend.write_chunks(fresh, written.tables, chunks)
    found = backend.table_counts(fresh)
    for name, expected in written.counts().items():
        if found.get(name) != expected:
            raise BenchError(
                f"the raw copy of aka's rows holds {found.get(name)} rows in {name}, "
                f"aka's store {expected}"
            )
    return seconds
