"""`aka check`: invariants 1-4 on every workspace (or one), its progress on stderr."""

from __future__ import annotations

from typing import Annotated

import typer

from aka.cli.check_progress import progress_for
from aka.cli.context import opened_store
from aka.cli.output import ProgressEvery, emit_json, fail
from aka.core.errors import AkaError
from aka.service import check


def check_command(
    workspace: Annotated[
        str | None, typer.Option("--workspace", "-w", help="Only this workspace (default: all).")
    ] = None,
    progress_every: ProgressEvery = 5.0,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")] = False,
) -> None:
    """Verify the graph's invariants (docs/architecture.md); exit 1 on any violation."""
    report: dict[str, list[dict[str, object]]] = {}
    with opened_store() as store:
        ids = [workspace] if workspace else [w.id for w in store.workspaces()]
        progress, problem = progress_for(every=progress_every), None
        try:
            for ws in ids:
                # One read transaction a workspace: the log and the graph are read in
                # pages, all from the same snapshot, while writers go on.
                with store.transaction(ws, write=False) as tx:
                    found = check.check_workspace(tx, progress)
                report[ws] = [{"invariant": v.invariant, "message": v.message} for v in found]
        except AkaError as exc:
            problem = exc.message
        finally:
            progress.close()  # before any message, so the bar does not mangle it
        if problem is not None:
            fail(problem)
    bad = sum(len(v) for v in report.values())
    if as_json:
        emit_json({"ok": bad == 0, "workspaces": report})
    else:
        for ws, violations in report.items():
            typer.echo(f"{ws}: {'ok' if not violations else f'{len(violations)} violation(s)'}")
            for v in violations:
                typer.echo(f"  invariant {v['invariant']}: {v['message']}")
    if bad:
        raise SystemExit(1)
