"""The restore drill (docs/operations.md), on SQLite and on PostgreSQL: back up a live
store while a client keeps writing through the HTTP API of a real `aka serve`, restore
the backup into an empty store, and find there a graph `aka check` passes holding every
write acknowledged before the backup began.

The backup is what an operator runs: `aka backup` on SQLite, `pg_dump --format=custom`
and `pg_restore` on PostgreSQL."""

from __future__ import annotations

import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import msgspec
import pytest
from sqlalchemy.engine import make_url

from tests.backends import scratch_database, server_env
from tests.servers import run_cli, running_server

pytestmark = pytest.mark.slow

ADMIN_KEY = "drill-admin-key"


class Writer:
    """A client creating profiles one after the other, noting each acknowledged one."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.acknowledged: list[str] = []
        self.failures: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        auth = {"Authorization": f"Bearer {ADMIN_KEY}"}
        with httpx.Client(base_url=self.base, headers=auth, timeout=30) as client:
            n = 0
            while not self._stop.is_set():
                n += 1
                external_id = f"drill-{n}"
                answer = client.post(
                    "/v1/profiles",
                    json={
                        "external_id": external_id,
                        "identifiers": [{"namespace": "email", "value": f"p{n}@example.com"}],
                    },
                )
                if answer.status_code == 201:
                    self.acknowledged.append(external_id)  # list.append is atomic
                else:
                    self.failures.append(f"{answer.status_code} {answer.text}")

    def acknowledged_now(self) -> set[str]:
        return set(self.acknowledged)

    def wait_for(self, count: int, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while len(self.acknowledged) < count:
            assert time.monotonic() < deadline, f"only {len(self.acknowledged)} writes"
            time.sleep(0.02)

    @contextmanager
    def running(self) -> Iterator[Writer]:
        self._thread.start()
        try:
            yield self
        finally:
            self._stop.set()
            self._thread.join(30)


def restored_external_ids(env: dict[str, str]) -> set[str]:
    exported = run_cli(env, "export", "--workspace", "default")
    assert exported.returncode == 0, exported.stderr
    return {
        msgspec.json.decode(line)["external_id"]
        for line in exported.stdout.splitlines()
        if line.strip()
    }


def assert_restored(env: dict[str, str], before: set[str], writer: Writer) -> None:
    """`aka check` passes on the restored store, which holds every write acknowledged
    before the backup began (and nothing the writer was never told about)."""
    checked = run_cli(env, "check")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    restored = restored_external_ids(env)
    assert before <= restored
    assert restored <= {f"drill-{n}" for n in range(1, len(writer.acknowledged) + 2)}
    assert writer.failures == []


def test_sqlite_restore_drill(tmp_path: Path) -> None:
    """`aka backup` of a SQLite store being written to, copied back as a new store."""
    env = {**server_env("sqlite", tmp_path), "AKA_ADMIN_KEY": ADMIN_KEY}
    backup = tmp_path / "backup.db"
    with running_server(env) as base, Writer(base).running() as writer:
        writer.wait_for(20)
        before = writer.acknowledged_now()
        made = run_cli(env, "backup", str(backup))
        during = len(writer.acknowledged) - len(before)
        writer.wait_for(len(writer.acknowledged) + 5)  # still writing after it
    assert made.returncode == 0, made.stderr
    assert during > 0, "no write was acknowledged while the backup ran"

    restored = tmp_path / "restored" / "aka.db"
    restored.parent.mkdir()
    shutil.copyfile(backup, restored)  # the restore: the file, put where the store goes
    assert_restored({"AKA_DATABASE_URL": f"sqlite:///{restored}"}, before, writer)


def libpq(url: str) -> str:
    """A URL as pg_dump and pg_restore take it (no SQLAlchemy driver name)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def test_postgres_restore_drill(tmp_path: Path) -> None:
    """`pg_dump --format=custom` of a PostgreSQL store being written to, restored with
    `pg_restore --no-owner` into a new, empty database."""
    if shutil.which("pg_dump") is None or shutil.which("pg_restore") is None:
        pytest.skip("pg_dump and pg_restore are not installed (postgresql-client)")
    env = {**server_env("postgres", tmp_path), "AKA_ADMIN_KEY": ADMIN_KEY}
    dump = tmp_path / "aka.dump"
    with running_server(env) as base, Writer(base).running() as writer:
        writer.wait_for(20)
        before = writer.acknowledged_now()
        dumped = subprocess.run(
            ["pg_dump", "--format=custom", f"--file={dump}", libpq(env["AKA_DATABASE_URL"])],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        during = len(writer.acknowledged) - len(before)
        writer.wait_for(len(writer.acknowledged) + 5)
    assert dumped.returncode == 0, dumped.stderr
    assert during > 0, "no write was acknowledged while the dump ran"

    with scratch_database() as empty:
        url = empty.render_as_string(hide_password=False)
        restored = subprocess.run(
            ["pg_restore", "--no-owner", "--exit-on-error", f"--dbname={libpq(url)}", str(dump)],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert restored.returncode == 0, restored.stderr
        assert_restored({"AKA_DATABASE_URL": libpq(url)}, before, writer)
