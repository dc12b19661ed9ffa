"""`aka keys create --mimecast` issues working credentials for the store's workspace."""

from __future__ import annotations

import base64
from pathlib import Path

import msgspec
import pytest
from starlette.testclient import TestClient
from typer.testing import CliRunner

from aka.app import build_app
from aka.cli.main import app
from aka.config import Settings

from .conftest import Mimecast


def test_the_cli_issues_credentials_that_sign_requests(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`--json` prints exactly access_key, secret_key (base64), app_id and app_key (plus
    the workspace and scopes); a request signed with them is accepted."""
    for name in Settings.model_fields:
        monkeypatch.delenv(f"AKA_{name.upper()}", raising=False)
    url = f"sqlite:///{tmp_path / 'aka.db'}"
    monkeypatch.setenv("AKA_DATABASE_URL", url)
    settings = Settings(database_url=url, admin_key="admin-key")
    with TestClient(build_app(settings)) as client:
        result = CliRunner().invoke(
            app,
            ["keys", "create", "--mimecast", "--scopes", "Directories | Groups | Edit", "--json"],
        )
        assert result.exit_code == 0, result.output
        creds = msgspec.json.decode(result.stdout)
        assert {"access_key", "secret_key", "app_id", "app_key"} <= set(creds)
        assert set(creds) - {"access_key", "secret_key", "app_id", "app_key"} == {
            "workspace",
            "scopes",
        }
        assert len(base64.b64decode(creds["secret_key"], validate=True)) == 64
        mc = Mimecast(client, creds)
        assert mc.ok("/api/user/create-user", [{"emailAddress": "a@b.example"}])["fail"] == []
        human = CliRunner().invoke(app, ["keys", "create", "--mimecast"])
        assert human.exit_code == 0, human.output
        assert "secret_key: " in human.stdout
