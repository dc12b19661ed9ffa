"""`aka backup DEST`: a copy of the SQLite store, and the refusals that make none."""

from __future__ import annotations

import sqlite3
import stat
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from tests.cli.conftest import Cli


def test_backup_copies_the_store_into_one_private_file(world: Cli) -> None:
    """The copy is a single file (no -wal beside it), readable by its owner only, that
    holds what the store held, and says through which event each workspace is in it."""
    with world.api() as api:
        created = api.post("/v1/profiles", json={"external_id": "user-42"})
        assert created.status_code == 201
    dest = world.db.parent / "backup.db"

    answer = world.json("backup", str(dest))

    assert answer == {
        "path": str(dest),
        "size_bytes": dest.stat().st_size,
        "last_seq": {"default": 1},
    }
    assert stat.S_IMODE(dest.stat().st_mode) == 0o600
    assert sorted(p.name for p in dest.parent.iterdir() if p.name.startswith("backup")) == [
        "backup.db"
    ]
    with sqlite3.connect(dest) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("delete",)
        rows = conn.execute("SELECT external_id FROM profiles").fetchall()
    assert rows == [("user-42",)]


def test_backup_refuses_to_overwrite_a_file(world: Cli) -> None:
    """An existing DEST is left as it is: exit 2, naming it."""
    dest = world.db.parent / "kept.db"
    dest.write_bytes(b"an older backup")
    result = world("backup", str(dest))
    assert result.exit_code == 2
    assert "already exists" in result.output
    assert dest.read_bytes() == b"an older backup"


def test_backup_of_a_store_that_does_not_exist_is_refused(cli: Cli) -> None:
    """No store file: exit 2, naming the path, and no file is made."""
    dest = cli.db.parent / "backup.db"
    result = cli("backup", str(dest))
    assert result.exit_code == 2
    assert f"there is no store at {cli.db}" in " ".join(result.output.split())
    assert not dest.exists()
    assert not cli.db.exists()


def test_backup_of_postgresql_points_to_pg_dump(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    """On PostgreSQL aka copies nothing itself: exit 2, saying to use pg_dump and
    pg_restore, and where the procedure is written down."""
    monkeypatch.setenv("AKA_DATABASE_URL", "postgresql://aka@db.invalid/aka")
    result = cli("backup", str(cli.db.parent / "backup.db"))
    said = " ".join(result.output.split())
    assert result.exit_code == 2
    assert "pg_dump --format=custom" in said
    assert "pg_restore --no-owner" in said
    assert "docs/operations.md" in said
