"""`aka check`: invariants 1-4 on a live store; exit 1 naming each violated invariant.

The corruptions are made with raw SQL through `sqlite3`, behind the store's back, as
a bad manual fix, a half-applied migration or a damaged disk would.
"""

from __future__ import annotations

import io
import sqlite3
from typing import TYPE_CHECKING, Any

import msgspec
import pytest
from rich.console import Console
from starlette.testclient import TestClient

from aka.cli import check_progress

if TYPE_CHECKING:
    from tests.cli.conftest import Cli

DROP_LINK_OF_D4 = (
    "DELETE FROM events WHERE type = 'identifier.linked'"
    " AND json_extract(payload, '$.identifiers[0].value') = 'd4'"
)


def person(api: TestClient, *values: str, external_id: str | None = None) -> str:
    body: dict[str, Any] = {"identifiers": [{"namespace": "device", "value": v} for v in values]}
    if external_id:
        body["external_id"] = external_id
    r = api.post("/v1/profiles", json=body)
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def merge(api: TestClient, keep: str, gone: str) -> int:
    body = {"keep": {"profile_id": keep}, "merge": {"profile_id": gone}}
    r = api.post("/v1/merges", json=body)
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


def scenario(cli: Cli) -> dict[str, str]:
    """Create, link, merge, undo, merge again and delete through the API."""
    with cli.api() as api:
        keep = person(api, "d1", external_id="user-1")
        gone = person(api, "d2", "d3")
        doomed = person(api, "d9")
        d4 = {"namespace": "device", "value": "d4"}
        assert api.post(f"/v1/profiles/{keep}/identifiers", json=d4).status_code == 201
        assert api.post(f"/v1/merges/{merge(api, keep, gone)}/undo").status_code == 200
        merge(api, keep, gone)
        assert api.delete(f"/v1/profiles/{doomed}").status_code == 204
    return {"keep": keep, "tombstone": gone}


def sql(cli: Cli, statement: str, *params: object) -> None:
    with sqlite3.connect(cli.db) as conn:
        assert conn.execute(statement, params).rowcount >= 1


def violated(cli: Cli) -> set[int]:
    """The invariants `aka check --json` reports broken in workspace `default`."""
    result = cli("check", "--json")
    assert result.exit_code == 1, result.output
    report = msgspec.json.decode(result.stdout)
    assert report["ok"] is False
    return {v["invariant"] for v in report["workspaces"]["default"]}


def test_a_healthy_store_passes(world: Cli) -> None:
    """After links, merges, an undo and an erasure, every invariant holds."""
    scenario(world)
    assert "default: ok" in world.ok("check").output
    assert world.json("check") == {"ok": True, "workspaces": {"default": []}}


def test_check_can_look_at_one_workspace(world: Cli) -> None:
    world.ok("workspace", "create", "acme")
    assert world.json("check", "--workspace", "acme") == {"ok": True, "workspaces": {"acme": []}}


def test_an_identifier_on_a_tombstone_breaks_invariant_1(world: Cli) -> None:
    ids = scenario(world)
    sql(world, "UPDATE identifiers SET profile_id = ? WHERE value = 'd1'", ids["tombstone"])
    result = world("check")
    assert result.exit_code == 1
    assert "invariant 1" in result.output
    assert 1 in violated(world)


def test_a_tombstone_pointing_at_a_tombstone_breaks_invariant_2(world: Cli) -> None:
    """The survivor made a tombstone itself: forwarding would no longer end in one hop."""
    ids = scenario(world)
    sql(world, "UPDATE profiles SET merged_into = ? WHERE id = ?", ids["tombstone"], ids["keep"])
    assert 2 in violated(world)


def test_a_deleted_event_breaks_invariant_4(world: Cli) -> None:
    """The log no longer rebuilds the graph: the link of d4 is missing from it."""
    scenario(world)
    sql(world, DROP_LINK_OF_D4)
    result = world("check")
    assert result.exit_code == 1
    assert "invariant 4" in result.output
    assert violated(world) == {4}


def test_an_unknown_workspace_is_an_error(world: Cli) -> None:
    result = world("check", "--workspace", "ghost")
    assert result.exit_code != 0
    assert "'ghost' does not exist" in result.stderr


def test_progress_is_a_plain_line_per_page_when_not_on_a_terminal(world: Cli) -> None:
    """Rows read of the workspace's total (events, then the graph), the phase and the
    rate; the default speaks every few seconds, not for a store this small."""
    scenario(world)
    result = world.ok("check", "--progress-every", "0")
    lines = [line for line in result.stderr.splitlines() if line.startswith("checking")]
    assert lines[0].startswith("checking default: events, ")
    assert any(line.startswith("checking default: identifiers, ") for line in lines)
    assert " rows (100%), " in lines[-1]
    assert lines[-1].endswith(" rows/s")
    quiet = world.ok("check")
    assert "checking" not in quiet.stderr


def test_a_terminal_gets_a_progress_bar(monkeypatch: pytest.MonkeyPatch) -> None:
    """The workspace, the share and count of rows read, the phase and rows per second."""
    screen = io.StringIO()
    terminal = Console(file=screen, force_terminal=True, width=140)
    monkeypatch.setattr(check_progress, "errors", terminal)
    bar = check_progress.progress_for(every=5)
    assert isinstance(bar, check_progress.Bar)
    bar.start("acme", 2000)
    bar.advance("events", 1500)
    bar.advance("identifiers", 500)
    bar.close()
    shown = screen.getvalue()
    assert "checking acme" in shown
    assert "100%" in shown
    assert "2000/2000" in shown
    assert "identifiers" in shown
    assert "rows/s" in shown
