"""How an import shows its progress on stderr: a Rich bar on a terminal, otherwise a
plain line every few seconds (logs and CI keep those readable)."""

from __future__ import annotations

import sys
import time
from typing import Protocol

from rich.progress import (
    BarColumn,
    TaskProgressColumn,
    TextColumn,
    TimeRemainingColumn,
)
from rich.progress import Progress as RichBar

from aka.cli.output import errors


class Done(Protocol):
    """What the import has done so far (the command's tally)."""

    rows: int
    rejected: int
    committed_through: int

    @property
    def rate(self) -> float: ...


class Position(Protocol):
    """How far the reader got."""

    bytes: int
    line: int


class Progress(Protocol):
    def update(self, done: Done, at: Position) -> None: ...

    def close(self, done: Done, at: Position) -> None: ...


def progress_for(size: int | None, *, every: float) -> Progress:
    """The bar when stderr is a terminal, else plain lines at most every `every` s."""
    if errors.is_terminal:
        return Bar(size)
    return Lines(every)


class Lines:
    """`imported 120000 rows (3 rejected), 41000 rows/s, committed through line 120001`,
    after a chunk commits, at most once every `every` seconds (0: after every chunk)."""

    def __init__(self, every: float) -> None:
        self._every = every
        self._last = time.monotonic()

    def update(self, done: Done, at: Position) -> None:
        del at
        now = time.monotonic()
        if now - self._last >= self._every:
            sys.stderr.write(
                f"imported {done.rows} rows ({done.rejected} rejected), "
                f"{done.rate:.0f} rows/s, committed through line {done.committed_through}\n"
            )
            sys.stderr.flush()
            self._last = now

    def close(self, done: Done, at: Position) -> None:
        """Nothing to tidy: the summary (or the stop message) follows."""


class Bar:
    """Bytes read against the file's size give the bar and the ETA (rows have no known
    total without reading the file twice); rows and rows/s are shown beside it."""

    def __init__(self, size: int | None) -> None:
        self._bar = RichBar(
            TextColumn("importing"),
            BarColumn(),
            TaskProgressColumn(),
            TextColumn("{task.fields[rows]:,} rows ({task.fields[rejected]:,} rejected)"),
            TextColumn("{task.fields[rate]:,.0f} rows/s"),
            TimeRemainingColumn(),
            console=errors,
        )
        self._task = self._bar.add_task("import", total=size, rows=0, rejected=0, rate=0.0)
        self._bar.start()

    def update(self, done: Done, at: Position) -> None:
        self._bar.update(
            self._task,
            completed=at.bytes,
            rows=done.rows,
            rejected=done.rejected,
            rate=done.rate,
        )

    def close(self, done: Done, at: Position) -> None:
        self.update(done, at)
        self._bar.stop()
