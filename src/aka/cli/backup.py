"""`aka backup DEST`: a consistent copy of the live SQLite store (ADR 0029)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from aka import config
from aka.cli.output import emit_json, fail
from aka.storage.backup import BackupRefused, backup


def backup_command(
    dest: Annotated[Path, typer.Argument(help="The new file to write the copy to.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")] = False,
) -> None:
    """Copy the SQLite store to DEST while aka keeps serving (SQLite's online backup:
    every write committed before it began is in the copy). For PostgreSQL it names
    pg_dump instead (docs/operations.md). Exit 2 when no copy was made."""
    try:
        made = backup(config.load().database_url, dest)
    except BackupRefused as refused:
        fail(str(refused), code=2)
        return
    if as_json:
        emit_json(
            {"path": str(made.path), "size_bytes": made.size_bytes, "last_seq": made.last_seq}
        )
        return
    typer.echo(f"backed up the store to {made.path} ({made.size_bytes:,} bytes)")
    for workspace, seq in made.last_seq.items():
        typer.echo(f"  workspace {workspace}: through event {seq}")
