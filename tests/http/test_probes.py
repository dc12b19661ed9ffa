"""The probes answer as `/openapi.json` says they do, without a key."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from openapi_schema_validator import OAS31Validator
from starlette.testclient import TestClient
from tests.http.conftest import ADMIN_KEY

from aka.app import build_app
from aka.config import Settings


def test_readyz_is_503_with_the_reason_while_the_schema_is_behind(tmp_path: Path) -> None:
    """A database left at an older revision: 503 `{status: "not ready", reason}`, the
    body the document gives for 503; back at the newest revision: 200 `ready`."""
    database = tmp_path / "aka.db"
    settings = Settings(database_url=f"sqlite:///{database}", admin_key=ADMIN_KEY)
    with TestClient(build_app(settings)) as client:
        document = client.get("/openapi.json").json()
        with sqlite3.connect(database) as db:
            (head,) = db.execute("SELECT version_num FROM alembic_version").fetchone()
            # A revision this code knows, before its head (an unknown one would be a
            # later release's, which is ready: ADR 0029).
            db.execute("UPDATE alembic_version SET version_num = '1da4aef377c7'")
        r = client.get("/readyz", params={"anything": "ignored"})
        assert r.status_code == 503
        assert r.json() == {
            "status": "not ready",
            "reason": "database schema is not at the newest revision; run `aka migrate`",
        }
        with sqlite3.connect(database) as db:
            db.execute("UPDATE alembic_version SET version_num = ?", (head,))
        assert client.get("/readyz").json() == {"status": "ready"}
    answer = document["paths"]["/readyz"]["get"]["responses"]["503"]["content"]
    schema = {**answer["application/json"]["schema"], "components": document["components"]}
    OAS31Validator(schema).validate(r.json())
