"""`aka namespaces merge`: map a door namespace onto another and carry its identifiers."""

from __future__ import annotations

from typing import Annotated

import typer

from aka.cli.context import opened_store
from aka.cli.output import emit_json, fail, table
from aka.core.errors import AkaError
from aka.service import namespace_aliases
from aka.service.namespace_aliases import MergeReport

app = typer.Typer(help="Door namespaces and where they are stored.", no_args_is_help=True)


@app.command("merge")
def merge(
    door_namespace: Annotated[
        str,
        typer.Argument(
            help="`<door>:<door namespace>`, e.g. 'coveo:Email Security Provider', "
            "'braze:email', 'mimecast:address', 'appizer:alias'."
        ),
    ],
    target: Annotated[str, typer.Argument(help="The namespace to store it in, e.g. email.")],
    workspace: Annotated[str, typer.Option("--workspace", "-w", help="Workspace id.")] = "default",
    dry_run: Annotated[
        bool,
        typer.Option("--dry-run", help="Run everything in a transaction that is rolled back."),
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")] = False,
) -> None:
    """Set namespace_aliases[DOOR_NAMESPACE] = TARGET and carry every identifier of the
    namespace it was stored in over to TARGET, merging profiles that hold the same
    address in both as the workspace's merge policy allows. All or nothing: with any
    refusal nothing is written (exit 1)."""
    with opened_store() as store:
        try:
            report = namespace_aliases.merge_namespaces(
                store, workspace, door_namespace, target, dry_run=dry_run, actor="cli"
            )
        except AkaError as exc:
            fail(exc.message)
            return
    _show(report, dry_run=dry_run, as_json=as_json)
    if report.refused:
        raise SystemExit(1)


def _show(report: MergeReport, *, dry_run: bool, as_json: bool) -> None:
    written = report.written
    if as_json:
        emit_json({"dry_run": dry_run, **report.to_json()})
        return
    verb = "would map" if not written else "mapped"
    typer.echo(
        f"{verb} {report.door_namespace} onto namespace {report.target!r} "
        f"(stored in {report.source!r} before)"
    )
    if report.carried:
        table(
            "identifiers carried over",
            ["from", "to", "profile", "outcome", "merge"],
            [[c.old, c.new, c.profile_id, c.outcome.value, c.merge_id] for c in report.carried],
        )
    merged = len(report.merges)
    typer.echo(
        f"{len(report.carried)} identifier(s) carried, {merged} profile merge(s), "
        f"{len(report.events)} event(s) {'written' if written else 'that would be written'}"
    )
    for refused in report.refused:
        typer.echo(f"refused {refused.key}: {refused.error.code.value}: {refused.error.message}")
    if report.refused:
        typer.echo("nothing was written: resolve the refusals (or the merge policy) and run again")
    elif dry_run:
        typer.echo("dry run: nothing was written")
