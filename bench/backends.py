"""What a scenario needs from a database: fresh stores for aka, and the raw floors.

A floor is the database doing the same writes as aka with nothing of aka around it:
the same rows, the same rows per transaction, the same server or file system. Each
floor method returns `(label, value)` pairs; the first pair is the figure's floor and
the others are printed as extra lines for context.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, ClassVar

from bench.aka_rows import Chunk, Table
from bench.data import Row

Measured = list[tuple[str, float]]


@dataclass(frozen=True, slots=True)
class Database:
    url: str  # AKA_DATABASE_URL for aka's processes
    name: str  # the file (SQLite) or database name (PostgreSQL)


class Backend(ABC):
    name: ClassVar[str]
    raw_write: ClassVar[str]  # how the floors write many rows, as the tables show it

    @abstractmethod
    def database(self, label: str) -> AbstractContextManager[Database]:
        """A new, empty database for one store; removed when the block ends."""

    @abstractmethod
    def count_identifiers(self, db: Database, namespace: str) -> int:
        """Rows in aka's identifiers table: proof that what aka acknowledged is there."""

    @abstractmethod
    def version(self) -> str: ...

    @abstractmethod
    def bulk_insert(
        self, db: Database, table: str, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]
    ) -> None:
        """Rows straight into one of aka's tables, in one transaction (seeding a store,
        never timed). Values are Python's: aware datetimes, bools, JSON as text."""

    @abstractmethod
    def set_last_seq(self, db: Database, workspace: str, seq: int) -> None:
        """Set the workspace's event counter (after seeding its events), and leave the
        store as one filled over time would be (PostgreSQL: statistics gathered)."""

    @abstractmethod
    def ingest_floors(self, rows: Sequence[Row], rows_per_tx: int) -> Measured:
        """Rows per second inserting `rows` into an empty scratch table."""

    @abstractmethod
    def scratch_floor(self, rows: Sequence[Row], rows_per_tx: int) -> tuple[str, float]:
        """The first of `ingest_floors` alone: its label, and rows per second."""

    # --- aka's own rows (bench/aka_rows.py) ------------------------------------------

    @abstractmethod
    def table_counts(self, db: Database) -> dict[str, int]:
        """Rows in each of aka's tables (its migration bookkeeping left out)."""

    @abstractmethod
    def read_table(self, db: Database, table: str) -> Table:
        """Every row of one of aka's tables, in the order they were inserted."""

    @abstractmethod
    def last_seq(self, db: Database, workspace: str) -> int: ...

    @abstractmethod
    def write_chunks(self, db: Database, tables: Sequence[Table], chunks: Sequence[Chunk]) -> float:
        """Seconds to write `chunks` raw into `db` (a fresh, migrated store), one
        transaction each, setting the workspace's `last_seq` in each as aka does.
        Statements and data are prepared before the clock starts."""

    @abstractmethod
    def commit_per_row(self, seconds: int, concurrency: int) -> Measured:
        """Rows per second when every row is its own transaction."""

    @abstractmethod
    def repoint(self, rows: Sequence[Row], to_profile: str) -> tuple[float, float]:
        """Seconds to move `rows` (one profile's) to `to_profile` and back, one commit each."""

    @abstractmethod
    def close(self) -> None:
        """Remove whatever the floors left behind."""
