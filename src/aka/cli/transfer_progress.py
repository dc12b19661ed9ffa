"""How an import shows its progress on stderr: a Rich bar on a terminal, otherwise a
plain line every few seconds (logs and CI keep those readable)."""

from __future__ import annotations

import sys
import threading
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
    """The bar when stderr is a terminal, else plain lines every `every` s; the caller
    closes it in every case (it may hold a thread)."""
    if errors.is_terminal:
        return Bar(size)
    return Lines(every)


class Lines:
    """`imported 120000 rows (3 rejected), 41000 rows/s, committed through line 120001`,
    every `every` seconds by the clock, from a timer thread: a chunk can take longer than
    the interval (10,000 rows on a busy PostgreSQL), and a line only at a commit would
    stretch `--progress-every` to the chunk's time. Until the first chunk commits there is
    nothing to say. `every` 0: one line after each chunk, and no thread."""

    def __init__(self, every: float) -> None:
        self._every = every
        self._latest: Done | None = None
        self._stop = threading.Event()
        self._timer: threading.Thread | None = None
        if every > 0:
            self._timer = threading.Thread(target=self._tick, name="import-progress", daemon=True)
            self._timer.start()

    def update(self, done: Done, at: Position) -> None:
        del at
        self._latest = done  # the tally, counted on by the command as it goes
        if self._every == 0:
            _line(done)

    def _tick(self) -> None:
        while not self._stop.wait(self._every):
            if self._latest is not None:
                _line(self._latest)

    def close(self, done: Done, at: Position) -> None:
        """Stop the timer (safe to call twice); the summary or the stop message follows."""
        del done, at
        self._stop.set()
        if self._timer is not None:
            self._timer.join()


def _line(done: Done) -> None:
    sys.stderr.write(
        f"imported {done.rows} rows ({done.rejected} rejected), "
        f"{done.rate:.0f} rows/s, committed through line {done.committed_through}\n"
    )
    sys.stderr.flush()


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
