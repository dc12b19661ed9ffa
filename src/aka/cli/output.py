"""How commands print: Rich for people, `--json` for scripts (one JSON document on stdout)."""

from __future__ import annotations

import sys
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


def table(title: str, columns: list[str], rows: list[list[Any]]) -> None:
    t = Table(title=title)
    for column in columns:
        t.add_column(column)
    for row in rows:
        t.add_row(*("" if v is None else str(v) for v in row))
    console.print(t)


def fail(message: str, code: int = 1) -> None:
    errors.print(f"[red]error:[/red] {message}")
    raise SystemExit(code)
