"""How commands print: Rich for people, `--json` for scripts (one JSON document on stdout)."""

from __future__ import annotations

import sys
from collections.abc import Collection
from typing import Annotated, Any

import msgspec
import typer
from rich.console import Console
from rich.table import Table

# The option of every long-running command (`import`, `check`) that shows progress.
ProgressEvery = Annotated[
    float,
    typer.Option(
        "--progress-every",
        min=0,
        metavar="SECONDS",
        help="How often a progress line is printed when stderr is not a terminal.",
    ),
]

console = Console()
errors = Console(stderr=True)


def emit_json(value: Any) -> None:
    sys.stdout.write(msgspec.json.format(msgspec.json.encode(value), indent=2).decode() + "\n")


def table(
    title: str, columns: list[str], rows: list[list[Any]], *, whole: Collection[str] = ()
) -> None:
    """A Rich table; the `whole` columns are never cut or wrapped (ids a reader copies
    into the next command), whatever the terminal's width: the others give way."""
    cells = [["" if v is None else str(v) for v in row] for row in rows]
    t = Table(title=title)
    for n, column in enumerate(columns):
        if column in whole:
            widest = max((len(line) for row in cells for line in row[n].splitlines()), default=0)
            t.add_column(column, no_wrap=True, min_width=max(widest, len(column)))
        else:
            t.add_column(column, overflow="fold")  # wrapped, never cut: nothing hidden
    for row in cells:
        t.add_row(*row)
    console.print(t)


def fail(message: str, code: int = 1) -> None:
    errors.print(f"[red]error:[/red] {message}")
    raise SystemExit(code)
