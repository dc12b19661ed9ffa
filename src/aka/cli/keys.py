"""`aka keys create|list|revoke`."""

from __future__ import annotations

from typing import Annotated

import typer

from aka.cli.context import opened_store
from aka.cli.output import emit_json, fail, table
from aka.core.errors import AkaError
from aka.core.ports import KeyRecord
from aka.security.keys import ALL_SCOPES, DEFAULT_SCOPES
from aka.service import admin, mimecast_keys

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
        "rate_limits": dict((k.extra or {}).get("rate_limits") or {}),
        "namespaces": None if k.namespaces is None else list(k.namespaces),
    }


def _rate_limits(pairs: list[str]) -> dict[str, str]:
    """`["read=100/minute", ...]` as `{"read": "100/minute"}` (the rates are checked by
    the service, which names the group in its error)."""
    limits: dict[str, str] = {}
    for pair in pairs:
        group, sep, rate = pair.partition("=")
        if not sep or not group.strip():
            fail(f"--rate-limit {pair!r}: expected GROUP=N/PERIOD, e.g. read=100/minute")
        limits[group.strip()] = rate.strip()
    return limits


@app.command("create")
def create(
    workspace: Workspace = "default",
    name: Annotated[str, typer.Option(help="A label to tell keys apart.")] = "",
    scopes: Annotated[
        str, typer.Option(help=f"Comma-separated scopes. Known: {', '.join(ALL_SCOPES)}.")
    ] = ",".join(DEFAULT_SCOPES),
    rate_limit: Annotated[
        list[str] | None,
        typer.Option(
            "--rate-limit",
            metavar="GROUP=N/PERIOD",
            help="This key's own limit for an endpoint group (read, write, admin), e.g. "
            "read=100/minute; PERIOD is second, minute or hour. Repeatable.",
        ),
    ] = None,
    namespace: Annotated[
        list[str] | None,
        typer.Option(
            "--namespace",
            metavar="NAME|PREFIX*",
            help="Limit the key to this namespace (an exact name, or a prefix ending in "
            "'*', quoted: 'crm_*'). Repeatable. Left out: every namespace.",
        ),
    ] = None,
    mimecast: Annotated[
        bool,
        typer.Option(
            "--mimecast",
            help="Issue Mimecast credentials (access key, secret key, app id, app key) "
            "for signed /api/... requests instead of a bearer secret.",
        ),
    ] = False,
    as_json: Json = False,
) -> None:
    """Create a key; its secret is printed once and never again."""
    limits = _rate_limits(rate_limit or [])
    if mimecast:
        _create_mimecast(workspace, name, scopes, namespace, as_json=as_json)
        return
    with opened_store() as store:
        try:
            issued = admin.issue_key(
                store,
                workspace,
                name=name,
                scopes=[s.strip() for s in scopes.split(",") if s.strip()],
                rate_limits=limits or None,
                namespaces=namespace,
            )
        except AkaError as exc:
            where = exc.field or ""
            if where.startswith("rate_limits."):  # name the option the group came from
                fail(f"--rate-limit {where.removeprefix('rate_limits.')}: {exc.message}")
            if where.startswith("namespaces"):
                fail(f"--namespace: {exc.message}")
            fail(exc.message)
            return
    if as_json:
        emit_json({**_record_json(issued.record), "secret": issued.secret})
    else:
        typer.echo(f"key {issued.record.id} for workspace {workspace}")
        typer.echo(f"scopes: {', '.join(issued.record.scopes)}")
        stored = (issued.record.extra or {}).get("rate_limits") or {}
        if stored:
            typer.echo("rate limits: " + ", ".join(f"{g}={r}" for g, r in stored.items()))
        if issued.record.namespaces is not None:
            typer.echo("namespaces: " + ", ".join(issued.record.namespaces))
        typer.echo(f"secret (shown once): {issued.secret}")


def _create_mimecast(
    workspace: str, name: str, scopes: str, namespaces: list[str] | None, *, as_json: bool
) -> None:
    with opened_store() as store:
        try:
            record, creds = mimecast_keys.issue(
                store,
                workspace,
                name=name,
                scopes=[s.strip() for s in scopes.split(",") if s.strip()],
                namespaces=namespaces,
            )
        except AkaError as exc:
            namespaced = (exc.field or "").startswith("namespaces")
            fail(f"--namespace: {exc.message}" if namespaced else exc.message)
            return
    shown = {
        "access_key": creds.access_key,
        "secret_key": creds.secret_key,
        "app_id": creds.app_id,
        "app_key": creds.app_key,
    }
    if as_json:
        emit_json({**shown, "workspace": workspace, "scopes": list(record.scopes)})
        return
    typer.echo(f"Mimecast credentials for workspace {workspace} (secret shown once)")
    for label, value in shown.items():
        typer.echo(f"{label}: {value}")


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
        ["id", "name", "prefix", "scopes", "namespaces", "created", "revoked"],
        [
            [
                k.id,
                k.name,
                k.prefix + "…",
                "\n".join(k.scopes),  # one a line: a column as narrow as the longest
                "*all*" if k.namespaces is None else "\n".join(k.namespaces),
                f"{k.created_at:%Y-%m-%d %H:%M}",
                None if k.revoked_at is None else f"{k.revoked_at:%Y-%m-%d %H:%M}",
            ]
            for k in keys
        ],
        whole={"id"},
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
