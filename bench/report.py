"""The results: a table on the terminal and a JSON document (every run, the medians, the
machine and the versions)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from bench.figures import Figure, Status


def fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "-"
    if unit.endswith("/s"):
        text = f"{value / 1000:,.1f}k" if value >= 10_000 else f"{value:,.0f}"
        return f"{text} {unit}"
    if unit == "ms":
        return f"{value:,.2f} ms"
    if unit == "s":
        return f"{value:,.3f} s"
    return f"{value:,.0f} {unit}"


def _met(figure: Figure) -> str:
    met = figure.met
    if figure.target is None:
        return ""
    if met is None:
        return "-"
    return "[green]pass[/]" if met else "[red]miss[/]"


def table(figures: list[Figure], title: str) -> Table:
    t = Table(title=title, show_lines=True)
    for column in ("scenario", "backend", "aka", "floor", "ratio", "target", "met?"):
        t.add_column(column, justify="left" if column in ("scenario", "backend") else "right")
    for f in figures:
        label = f.label
        if f.status is not Status.OK:
            t.add_row(
                f"{label}\n[dim]{f.note}[/]",
                f.backend,
                f"[red]{f.status.value}[/]" if f.status is Status.ERROR else f.status.value,
                "",
                "",
                "" if f.target is None else str(f.target),
                "",
            )
            continue
        if f.floor_label:
            label += f"\n[dim]floor: {f.floor_label}[/]"
        ratio = f.ratio
        t.add_row(
            label,
            f.backend,
            fmt(f.aka, f.unit),
            fmt(f.floor, f.unit),
            "-" if ratio is None else f"{ratio:.2f}",
            "" if f.target is None else str(f.target),
            _met(f),
        )
    return t


def show(figures: list[Figure], title: str) -> None:
    console = Console()
    if not console.is_terminal:
        console = Console(width=150)
    console.print(table(figures, title))


def write(path: Path, meta: dict[str, Any], figures: list[Figure]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    document = {**meta, "figures": [f.as_json() for f in figures]}
    path.write_text(json.dumps(document, indent=2) + "\n")
