"""How `aka check` shows its progress on stderr: a Rich bar per workspace on a terminal,
otherwise a plain line every few seconds (logs and CI keep those readable), as `aka
import` does (`transfer_progress`).

The unit is the row read: the workspace's events, then its profiles, identifiers and
edges, so the total is known before the first read and the bar gives an honest ETA.
"""

from __future__ import annotations

import sys
import time
from typing import Protocol

from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    TaskID,
    TaskProgressColumn,
    TextColumn,
    TimeRemainingColumn,
)
from rich.progress import Progress as RichBar

from aka.cli.output import errors
from aka.service.check import CheckProgress


class Shown(CheckProgress, Protocol):
    """A `CheckProgress` that can also be closed."""

    def close(self) -> None:
        """Tidy the screen; nothing more will be shown."""


def progress_for(*, every: float) -> Shown:
    """The bar when stderr is a terminal, else plain lines at most every `every` s."""
    if errors.is_terminal:
        return Bar()
    return Lines(every)


class _Tally:
    def __init__(self) -> None:
        self.workspace = ""
        self.total = 0
        self.done = 0
        self.started = time.monotonic()

    def start(self, workspace_id: str, total: int) -> None:
        self.workspace, self.total, self.done = workspace_id, total, 0
        self.started = time.monotonic()

    @property
    def rate(self) -> float:
        elapsed = time.monotonic() - self.started
        return self.done / elapsed if elapsed > 0 else 0.0


class Lines:
    """`checking default: identifiers, 1,200,000 of 2,600,000 rows (46%), 52,000 rows/s`,
    after a page is read, at most once every `every` seconds (0: after every page)."""

    def __init__(self, every: float) -> None:
        self._every = every
        self._last = time.monotonic()
        self._tally = _Tally()

    def start(self, workspace_id: str, total: int) -> None:
        self._tally.start(workspace_id, total)

    def advance(self, phase: str, rows: int) -> None:
        t = self._tally
        t.done += rows
        now = time.monotonic()
        if now - self._last < self._every:
            return
        share = f" ({100 * t.done // t.total}%)" if t.total else ""
        sys.stderr.write(
            f"checking {t.workspace}: {phase}, {t.done:,} of {t.total:,} rows{share}, "
            f"{t.rate:,.0f} rows/s\n"
        )
        sys.stderr.flush()
        self._last = now

    def close(self) -> None:
        """Nothing to tidy: the report follows."""


class Bar:
    """One bar per workspace: rows read of the total, the phase, rows/s and the ETA."""

    def __init__(self) -> None:
        self._bar = RichBar(
            TextColumn("checking {task.description}"),
            BarColumn(),
            TaskProgressColumn(),
            MofNCompleteColumn(),
            TextColumn("rows, {task.fields[phase]}"),
            TextColumn("{task.fields[rate]:,.0f} rows/s"),
            TimeRemainingColumn(),
            console=errors,
        )
        self._task: TaskID | None = None
        self._tally = _Tally()
        self._bar.start()

    def start(self, workspace_id: str, total: int) -> None:
        self._tally.start(workspace_id, total)
        self._task = self._bar.add_task(workspace_id, total=total, phase="events", rate=0.0)

    def advance(self, phase: str, rows: int) -> None:
        if self._task is None:
            return
        self._tally.done += rows
        self._bar.update(self._task, completed=self._tally.done, phase=phase, rate=self._tally.rate)

    def close(self) -> None:
        self._bar.stop()
