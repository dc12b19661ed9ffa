"""`aka import --dry-run`: the whole file's records run by the ordinary import rules in
ONE write transaction that is rolled back (`engine.preview.rolled_back`, ADR 0023), so
later rows see what earlier ones would have done, exactly as the real import's chunks
do; then what it would have done is printed. Nothing is written: not the graph, not the
event log, not the error file (the first refusals are printed instead)."""

from __future__ import annotations

from collections import Counter
from typing import Final

import typer

from aka.cli.output import emit_json
from aka.cli.transfer_rows import Row
from aka.core.errors import AkaError

SHOWN: Final = 20  # refused rows printed with their reason; the rest are counted by code


class Refusals:
    """A dry run's rejected rows: the first few kept to print, all counted by code. It
    stands where the real import's error file does (`transfer.Rejects`)."""

    def __init__(self) -> None:
        self.first: list[dict[str, object]] = []
        self.by_code: Counter[str] = Counter()

    def write(self, row: Row, error: AkaError) -> None:
        self.by_code[error.code.value] += 1
        if len(self.first) < SHOWN:
            entry = {"line": row.line, "code": error.code.value, "message": error.message}
            self.first.append({**entry, "field": error.field})

    def flush(self) -> None:
        """Nothing to flush: nothing is written."""

    def close(self) -> None:
        """Nothing to close."""


def summary(
    rows: int, created: int, linked: int, unchanged: int, refusals: Refusals, events: int,
    *, as_json: bool,
) -> None:  # fmt: skip
    """What the import would have done."""
    rejected = sum(refusals.by_code.values())
    if as_json:
        emit_json(
            {
                "dry_run": True,
                "rows": rows,
                "created": created,
                "linked": linked,
                "unchanged": unchanged,
                "rejected": rejected,
                "rejected_by_code": dict(refusals.by_code),
                "first_rejected": refusals.first,
                "events": events,
            }
        )
        return
    typer.echo(
        f"dry run: {rows} rows would give {created} created, {linked} linked, "
        f"{unchanged} unchanged, {rejected} rejected ({events} events); nothing was written"
    )
    for entry in refusals.first:
        where = f" ({entry['field']})" if entry["field"] else ""
        typer.echo(f"  line {entry['line']}: {entry['code']}{where}: {entry['message']}")
    if rejected > len(refusals.first):
        counts = ", ".join(f"{code} {n}" for code, n in refusals.by_code.most_common())
        typer.echo(f"  rejected by code: {counts}")
