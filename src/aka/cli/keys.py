"""`aka keys create|list|revoke`."""

from __future__ import annotations

from typing import Annotated

import typer

from aka.cli.context import opened_store
from aka.cli.output import emit_json, fail, table
from aka.core.errors import AkaError
from aka.core.ports import KeyRecord
from aka.security.keys import ALL_SCOPES
from aka.service import admin

app = typer.Typer(help="Create, list and revoke API keys.", no_args_is_help=True)

Workspace = Annotated[str, typer.Option("--workspace", "-w", help="Workspace id.")]
Json = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]


def _record_json(k: KeyRecord) -> dict[str, object]:
    return {
        "id": k.id,
        "workspace": k.workspace_id,
        "name": k.name,
        "prefix": k.prefix,
        "scopes": list(k.scopes),
        "created_at": k.created_at.isoformat(),
        "revoked_at": k.revoked_at.isoformat() if k.revoked_at else None,
    }


@app.command("create")
def create(
    workspace: Workspace = "default",
    name: Annotated[str, typer.Option(help="A label to tell keys apart.")] = "",
    scopes: Annotated[
        str, typer.Option(help=f"Comma-separated scopes. Known: {', '.join(ALL_SCOPES)}.")
    ] = ",".join(ALL_SCOPES),
    as_json: Json = False,
) -> None:
    """Create a key; its secret is printed once and never again."""
    with opened_store() as store:
        try:
            issued = admin.issue_key(
                store,
                workspace,
                name=name,
                scopes=[s.strip() for s in scopes.split(",") if s.strip()],
            )
        except AkaError as exc:
            fail(exc.message)
            return
    if as_json:
        emit_json({**_record_json(issued.record), "secret": issued.secret})
    else:
        typer.echo(f"key {issued.record.id} for workspace {workspace}")
        typer.echo(f"scopes: {', '.join(issued.record.scopes)}")
        typer.echo(f"secret (shown once): {issued.secret}")


@app.command("list")
def list_keys(workspace: Workspace = "default", as_json: Json = False) -> None:
    """List the workspace's keys (never their secrets)."""
    with opened_store() as store:
        if store.workspace(workspace) is None:
            fail(f"workspace {workspace!r} does not exist")
        keys = store.keys(workspace)
    if as_json:
        emit_json([_record_json(k) for k in keys])
        return
    table(
        f"keys of {workspace}",
        ["id", "name", "prefix", "scopes", "created", "revoked"],
        [
            [k.id, k.name, k.prefix + "…", ",".join(k.scopes), k.created_at, k.revoked_at]
            for k in keys
        ],
    )


@app.command("revoke")
def revoke(
    key_id: Annotated[str, typer.Argument(help="The key's id (from `aka keys list`).")],
    workspace: Workspace = "default",
    as_json: Json = False,
) -> None:
    """Revoke a key: it stops working at once."""
    with opened_store() as store:
        try:
            admin.revoke_key(store, workspace, key_id)
        except AkaError as exc:
            fail(exc.message)
    if as_json:
        emit_json({"id": key_id, "revoked": True})
    else:
        typer.echo(f"revoked {key_id}")
