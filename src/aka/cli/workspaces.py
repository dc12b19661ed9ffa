"""`aka workspace create|show`."""

from __future__ import annotations

from typing import Annotated

import msgspec
import typer

from aka.cli.context import opened_store
from aka.cli.output import emit_json, fail
from aka.core.errors import AkaError
from aka.core.ports import WorkspaceRecord
from aka.service import admin

app = typer.Typer(help="Create and inspect workspaces.", no_args_is_help=True)
Json = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]


def _json(w: WorkspaceRecord) -> dict[str, object]:
    return {
        "id": w.id,
        "settings": w.settings.to_json(),
        "created_at": w.created_at.isoformat(),
        "last_seq": w.last_seq,
    }


@app.command("create")
def create(
    workspace_id: Annotated[str, typer.Argument(help="Slug: a-z, 0-9, '-', '_'.")],
    as_json: Json = False,
) -> None:
    """Create an empty workspace with default settings."""
    with opened_store() as store:
        try:
            record = admin.create_workspace(store, workspace_id)
        except AkaError as exc:
            fail(exc.message)
            return
    if as_json:
        emit_json(_json(record))
    else:
        typer.echo(f"created workspace {record.id}")


@app.command("show")
def show(
    workspace_id: Annotated[str, typer.Argument(help="Workspace id.")] = "default",
    as_json: Json = False,
) -> None:
    """Show a workspace's settings and event count."""
    with opened_store() as store:
        record = store.workspace(workspace_id)
    if record is None:
        fail(f"workspace {workspace_id!r} does not exist")
        return
    if as_json:
        emit_json(_json(record))
        return
    typer.echo(f"workspace {record.id} (created {record.created_at:%Y-%m-%d %H:%M:%S} UTC)")
    typer.echo(f"events: {record.last_seq}")
    # Each value as JSON (what `PATCH /v1/workspace` takes), never a Python repr.
    for name, value in record.settings.to_json().items():
        typer.echo(f"{name}: {msgspec.json.encode(value).decode()}")
