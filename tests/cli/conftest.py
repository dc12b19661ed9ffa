"""The `aka` command run in-process (Typer's CliRunner) against a SQLite file of its own.

`AKA_DATABASE_URL` points at the test's file and every other `AKA_` setting is unset,
so a developer's environment cannot leak in. `aka(...)` runs one command;
`cli.json(...)` runs it with `--json` and parses what it printed.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import msgspec
import pytest
from starlette.testclient import TestClient
from typer.testing import CliRunner, Result

from aka.app import build_app
from aka.cli.main import app
from aka.config import Settings

ADMIN_KEY = "cli-admin-key"


class Cli:
    """One store file, and the commands and API calls that act on it."""

    def __init__(self, db: Path) -> None:
        self.db = db
        self.url = f"sqlite:///{db}"
        self.runner = CliRunner()

    def __call__(self, *args: str) -> Result:
        return self.runner.invoke(app, list(args))

    def ok(self, *args: str) -> Result:
        result = self(*args)
        assert result.exit_code == 0, result.output
        return result

    def json(self, *args: str) -> Any:
        """Run a command with `--json`; what it printed on stdout, parsed."""
        return msgspec.json.decode(self.ok(*args, "--json").stdout)

    @contextmanager
    def api(self) -> Iterator[TestClient]:
        """The app on the same store file, as its admin (creates workspace `default`)."""
        settings = Settings(database_url=self.url, admin_key=ADMIN_KEY)
        with TestClient(
            build_app(settings), headers={"Authorization": f"Bearer {ADMIN_KEY}"}
        ) as client:
            yield client


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Cli:
    for name in Settings.model_fields:
        monkeypatch.delenv(f"AKA_{name.upper()}", raising=False)
    cli = Cli(tmp_path / "aka.db")
    monkeypatch.setenv("AKA_DATABASE_URL", cli.url)
    return cli


@pytest.fixture
def world(cli: Cli) -> Cli:
    """A migrated store holding workspace `default` (made as `aka serve` would)."""
    with cli.api():
        pass
    return cli
