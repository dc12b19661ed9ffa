"""`aka migrate`, `aka workspace create|show`, `aka keys create|list|revoke`."""

from __future__ import annotations

import re
import sqlite3
from typing import TYPE_CHECKING

import msgspec
import pytest
from rich.console import Console
from starlette.testclient import TestClient

from aka.app import build_app
from aka.cli import output
from aka.config import Settings

if TYPE_CHECKING:
    from tests.cli.conftest import Cli

WORKSPACE_FIELDS = {"id", "settings", "created_at", "last_seq"}
KEY_FIELDS = {"id", "workspace", "name", "prefix", "scopes", "created_at", "revoked_at"}


def test_migrate_creates_the_store_and_is_safe_to_run_again(cli: Cli) -> None:
    """The first run applies every revision and says which; the second applies none."""
    result = cli.ok("migrate")
    assert re.search(r"applied \d+ revision\(s\): 1da4aef377c7, ", result.output)
    assert "newest schema" in result.output
    assert cli.db.exists()
    with sqlite3.connect(cli.db) as conn:
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
    assert {"workspaces", "profiles", "identifiers", "events", "api_keys"} <= tables
    assert cli.json("migrate") == {"migrated": True, "applied": [], "problem": None}


def test_workspace_create_then_show(cli: Cli) -> None:
    """`--json` answers the workspace with its default settings, on create and on show."""
    created = cli.json("workspace", "create", "acme")
    assert set(created) >= WORKSPACE_FIELDS
    assert created["id"] == "acme"
    assert created["last_seq"] == 0
    assert created["settings"]["merge_policy"] == "refuse"
    shown = cli.json("workspace", "show", "acme")
    assert shown == created
    assert "acme" in cli.ok("workspace", "show", "acme").output


def test_workspace_show_defaults_to_the_default_workspace(world: Cli) -> None:
    assert world.json("workspace", "show")["id"] == "default"


def test_workspace_show_prints_each_setting_as_json(world: Cli) -> None:
    """Without `--json`, each setting is `name: <JSON>`, the form `PATCH /v1/workspace`
    takes (not a Python dict's repr), and says what `--json` says."""
    settings = world.json("workspace", "show")["settings"]
    lines = world.ok("workspace", "show").output.splitlines()
    shown = dict(line.split(": ", 1) for line in lines[2:])
    assert {name: msgspec.json.decode(value) for name, value in shown.items()} == settings
    assert '"normalization":"email"' in shown["namespaces"]


def test_workspace_create_refuses_a_taken_or_malformed_id(cli: Cli) -> None:
    cli.ok("workspace", "create", "acme")
    again = cli("workspace", "create", "acme")
    assert again.exit_code != 0
    assert "acme" in again.output
    bad = cli("workspace", "create", "Not A Slug")
    assert bad.exit_code != 0
    assert "workspace id" in bad.output


def test_workspace_show_of_an_unknown_workspace_fails_naming_it(cli: Cli) -> None:
    result = cli("workspace", "show", "ghost")
    assert result.exit_code == 1
    assert "'ghost' does not exist" in result.output


def test_keys_create_prints_the_secret_once_and_list_never(cli: Cli) -> None:
    cli.ok("workspace", "create", "acme")
    scopes = "identities:read,identities:write"
    created = cli.json("keys", "create", "-w", "acme", "--name", "etl", "--scopes", scopes)
    assert KEY_FIELDS | {"secret"} <= set(created)
    assert created["scopes"] == ["identities:read", "identities:write"]
    assert created["secret"].startswith(created["prefix"])
    listing = cli.ok("keys", "list", "--workspace", "acme", "--json")
    assert created["secret"] not in listing.output
    [listed] = cli.json("keys", "list", "--workspace", "acme")
    assert set(listed) >= KEY_FIELDS
    assert "secret" not in listed
    assert listed["id"] == created["id"]
    assert created["secret"] not in cli.ok("keys", "list", "--workspace", "acme").output


def test_keys_list_shows_whole_key_ids_on_a_narrow_terminal(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The id, which `aka keys revoke` takes, is never cut or wrapped by the table, even
    at 60 columns beside a key with every scope: the other columns give way."""
    monkeypatch.setattr(output, "console", Console(width=60, force_terminal=False))
    cli.ok("workspace", "create", "acme")
    ids = [cli.json("keys", "create", "-w", "acme", "--name", n)["id"] for n in ("a", "b")]
    listing = cli.ok("keys", "list", "--workspace", "acme").output
    for key_id in ids:
        assert key_id in listing
    assert "…" not in listing.replace("…", "", 2)  # only the two prefixes are elided


def test_keys_create_refuses_an_unknown_scope_or_workspace(cli: Cli) -> None:
    cli.ok("workspace", "create", "acme")
    scope = cli("keys", "create", "--workspace", "acme", "--scopes", "root")
    assert scope.exit_code != 0
    assert "root" in scope.output
    workspace = cli("keys", "create", "--workspace", "ghost")
    assert workspace.exit_code != 0
    assert "ghost" in workspace.output


def test_a_key_made_by_the_cli_authenticates_until_revoked(world: Cli) -> None:
    """The app and the command share the store: revocation takes effect at once."""
    created = world.json("keys", "create", "--scopes", "identities:read")
    headers = {"Authorization": f"Bearer {created['secret']}"}
    settings = Settings(database_url=world.url)
    with TestClient(build_app(settings)) as client:
        assert client.get("/v1/events", headers=headers).status_code == 200
        assert world.json("keys", "revoke", created["id"]) == {
            "id": created["id"],
            "revoked": True,
        }
        refused = client.get("/v1/events", headers=headers)
        assert refused.status_code == 401
        assert refused.json()["code"] == "unauthenticated"
    [revoked] = [k for k in world.json("keys", "list") if k["id"] == created["id"]]
    assert revoked["revoked_at"] is not None


def test_revoking_an_unknown_key_fails(world: Cli) -> None:
    result = world("keys", "revoke", "key_nope")
    assert result.exit_code == 1
    assert "key_nope" in result.output


def test_a_misspelt_aka_variable_is_warned_about_once_by_every_command(
    world: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`AKA_PORTT` is no setting: the command still runs, and one stderr line says
    the variable is ignored; the setting it resembles is named when one is close."""
    monkeypatch.setenv("AKA_PORTT", "9000")
    result = world.ok("workspace", "show")
    said = [line for line in result.stderr.splitlines() if "AKA_PORTT" in line]
    assert said == [
        "warning: AKA_PORTT is not an aka setting and is ignored; did you mean AKA_PORT?"
    ]
