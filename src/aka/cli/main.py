"""The `aka` command."""

from __future__ import annotations

import logging
import os
from typing import Annotated

import msgspec
import typer
from rich.markup import escape

from aka import config
from aka.cli import backup, check, first_start, keys, namespaces, transfer, workspaces
from aka.cli.context import opened_store
from aka.cli.output import emit_json, errors, fail, table
from aka.core.errors import AkaError
from aka.http.native.schemas import profile_out
from aka.http.ratelimit import per_process_counting
from aka.logging import configure_logging, logging_config
from aka.metrics import shared_values_dir
from aka.security.sessions import new_secret
from aka.service import queries
from aka.service.refs import ProfileRef

log = logging.getLogger("aka")

app = typer.Typer(
    help="aka: one identity graph behind the native API and four vendor doors.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(keys.app, name="keys")
app.add_typer(workspaces.app, name="workspace")
app.add_typer(namespaces.app, name="namespaces")
app.command("import")(transfer.import_command)
app.command("export")(transfer.export_command)
app.command("check")(check.check_command)
app.command("backup")(backup.backup_command)


@app.callback()
def _every_command(ctx: typer.Context) -> None:
    """Before any command: warn of `AKA_` variables that are no setting (`serve` logs
    them instead, in the log's format)."""
    if ctx.invoked_subcommand != "serve":
        for warning in config.unknown_variables():
            errors.print(f"[yellow]warning:[/yellow] {escape(warning)}", soft_wrap=True)


Json = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]
Workspace = Annotated[str, typer.Option("--workspace", "-w", help="Workspace id.")]


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Overrides AKA_HOST.")] = None,
    port: Annotated[int | None, typer.Option(help="Overrides AKA_PORT.")] = None,
    workers: Annotated[
        int | None, typer.Option(min=1, max=64, help="Server processes; overrides AKA_WORKERS.")
    ] = None,
) -> None:
    """Migrate the store, create the first workspace and key if it is empty, and serve."""
    settings = config.load(host=host, port=port, workers=workers)
    # Before anything logs: this process's lines (and granian's, in this process and in
    # each worker it starts, through `log_dictconfig`) share the app's format.
    configure_logging(settings.log_level, settings.log_format)
    for unknown in config.unknown_variables():
        log.warning("%s", unknown)
    if (warning := per_process_counting(settings)) is not None:
        log.warning("%s", warning)  # once, here: not once per worker and door
    with opened_store() as store:
        first_start.bootstrap(store, settings)
    if settings.console and settings.console_secret is None:
        # One console secret for every worker this server starts (each builds its own
        # app): a session cookie signed by one is good in all, until the server stops.
        os.environ["AKA_CONSOLE_SECRET"] = new_secret()
    # Every worker keeps its metrics in one directory, fresh for this run, so a scrape
    # answered by any of them sums them all (ADR 0028); removed when the server stops.
    with shared_values_dir():
        _serve(settings)


def _serve(settings: config.Settings) -> None:
    from granian import Granian  # noqa: PLC0415 - only `serve` needs the server
    from granian.constants import Interfaces  # noqa: PLC0415
    from granian.log import LogLevels  # noqa: PLC0415

    Granian(
        "aka.app:create_app",
        address=settings.host,
        port=settings.port,
        interface=Interfaces.ASGI,
        factory=True,
        workers=settings.workers,
        log_level=LogLevels(settings.log_level),
        log_dictconfig=logging_config(settings.log_level, settings.log_format, batched=True),
        # aka writes its own access line (`aka.http.request_log`): route templates,
        # door, key id and request id, which granian's does not know.
        log_access=False,
    ).serve()


@app.command()
def migrate(as_json: Json = False) -> None:
    """Bring the store's schema to the newest revision (safe to run again, and from several
    processes at once: they take turns under a lock and each revision runs once)."""
    with opened_store(migrate=False) as store:
        applied = store.migrate()
        reason = store.readiness()
    if as_json:
        emit_json({"migrated": reason is None, "applied": applied, "problem": reason})
    elif reason is None:
        if applied:
            typer.echo(f"applied {len(applied)} revision(s): {', '.join(applied)}")
        typer.echo("store is at the newest schema")
    if reason is not None:
        fail(reason)


@app.command()
def resolve(
    namespace: Annotated[str | None, typer.Option(help="Identifier namespace.")] = None,
    value: Annotated[str | None, typer.Option(help="Identifier value.")] = None,
    external_id: Annotated[str | None, typer.Option("--external-id", help="External id.")] = None,
    profile_id: Annotated[str | None, typer.Option("--profile-id", help="Profile id.")] = None,
    workspace: Workspace = "default",
    as_json: Json = False,
) -> None:
    """Print the live profile an identifier, external id or profile id belongs to."""
    ref = ProfileRef(profile_id, external_id, namespace, value)
    with opened_store() as store:
        try:
            with store.transaction(workspace, write=False) as tx:
                found = queries.get(tx, ref)
        except AkaError as exc:
            fail(exc.message, code=1 if exc.kind != "not_found" else 2)
            return
    out = profile_out(found, deprecated_match=queries.deprecated_match(found, ref))
    if as_json:
        emit_json(out)
        return
    typer.echo(
        f"profile {out.id}" + (f" (external_id {out.external_id})" if out.external_id else "")
    )
    if out.deprecated_match:
        typer.echo("found by a deprecated identifier (a name it was renamed away from)")
    table(
        "identifiers",
        ["namespace", "value", "kind", "primary", "disabled", "deprecated"],
        [
            [i.namespace, i.value, i.kind, i.primary, i.disabled, i.deprecated]
            for i in out.identifiers
        ],
    )
    if out.attributes:
        typer.echo(f"attributes: {msgspec.json.encode(out.attributes).decode()}")


def main() -> None:  # pragma: no cover - console entry point
    app()
