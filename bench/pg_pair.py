"""A PostgreSQL primary and its streaming replica, started from nothing in a temporary
directory: for the read-replica tests (`tests/conftest.py`) and the `resolve-replica`
benchmark.

Two clusters of the machine's PostgreSQL server binaries (Debian's
`/usr/lib/postgresql/<version>/bin`, or wherever `pg_config --bindir` points) on free
local ports: `initdb` for the primary (`wal_level=replica`), `pg_basebackup -R` for the
replica (`hot_standby=on`), so the replica follows the primary's WAL exactly as a
production standby does, and replay can be paused (`pg_wal_replay_pause()`) to make lag
on demand. `initdb` refuses to run as root: as root, every server command runs as the
`postgres` OS user, which owns the directory. Everything is stopped and removed at the
end. Durability is off (`fsync=off`): these clusters hold nothing worth keeping.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import psycopg

from bench.served import free_port

HOST: Final = "127.0.0.1"
USER: Final = "postgres"
START_TIMEOUT_S: Final = 60
CATCH_UP_TIMEOUT_S: Final = 30


class PairUnavailable(Exception):  # noqa: N818 - names the state, like TimeoutError
    """The pair could not be started here (no server binaries, no `postgres` user...)."""


def binaries() -> Path:
    """The directory holding `initdb`, `pg_ctl` and `pg_basebackup`: the newest of
    Debian's versioned directories, else `pg_config --bindir`."""
    versions = sorted(
        (p for p in Path("/usr/lib/postgresql").glob("*/bin") if (p / "initdb").exists()),
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
    )
    if versions:
        return versions[-1]
    pg_config = shutil.which("pg_config")
    if pg_config is not None:
        found = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, check=False)
        bindir = Path(found.stdout.strip())
        if (bindir / "initdb").exists():
            return bindir
    raise PairUnavailable(
        "no PostgreSQL server binaries (initdb, pg_ctl, pg_basebackup) in "
        "/usr/lib/postgresql/*/bin or `pg_config --bindir`: install the server package "
        "(apt-get install postgresql)"
    )


@dataclass
class Cluster:
    """One running server: its data directory and port."""

    data: Path
    port: int
    log: Path

    def url(self, database: str = "postgres", **query: str) -> str:
        params = "&".join(f"{k}={v}" for k, v in query.items())
        return f"postgresql://{USER}@{HOST}:{self.port}/{database}" + (
            f"?{params}" if params else ""
        )

    def sql(self, statement: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        """Run one statement (autocommit) and return its rows, if any."""
        with psycopg.connect(self.url(), autocommit=True, connect_timeout=5) as conn:
            cursor = conn.execute(statement, params)
            return list(cursor.fetchall()) if cursor.description is not None else []


@dataclass
class PgPair:
    """A primary and a streaming replica of it (module doc)."""

    primary: Cluster
    replica: Cluster
    root: Path
    bindir: Path
    as_user: str | None  # the OS user the servers run as (None: the current one)

    # --- lag on demand --------------------------------------------------------------
    def pause_replay(self) -> None:
        """Stop applying the primary's WAL on the replica (it still receives it)."""
        self.replica.sql("SELECT pg_wal_replay_pause()")
        deadline = time.monotonic() + CATCH_UP_TIMEOUT_S
        while self.replica.sql("SELECT pg_get_wal_replay_pause_state()")[0][0] != "paused":
            if time.monotonic() > deadline:
                raise TimeoutError("the replica did not pause its replay")
            time.sleep(0.01)

    def resume_replay(self) -> None:
        self.replica.sql("SELECT pg_wal_replay_resume()")

    def wait_caught_up(self, timeout: float = CATCH_UP_TIMEOUT_S) -> None:
        """Until the replica has applied everything the primary wrote so far."""
        (lsn,) = self.primary.sql("SELECT pg_current_wal_flush_lsn()::text")[0]
        deadline = time.monotonic() + timeout
        while True:
            (done,) = self.replica.sql(
                "SELECT coalesce(pg_last_wal_replay_lsn() >= %s::pg_lsn, false)", (lsn,)
            )[0]
            if done:
                return
            if time.monotonic() > deadline:
                raise TimeoutError(f"the replica did not reach {lsn} in {timeout} s")
            time.sleep(0.01)

    # --- a replica that goes away ---------------------------------------------------
    def stop_replica(self) -> None:
        self._ctl(self.replica, "stop", "-m", "fast")

    def start_replica(self) -> None:
        self._start(self.replica, replica=True)

    def create_database(self, name: str) -> tuple[str, str]:
        """A new database on the primary, once the replica has it too: its URLs on
        (primary, replica)."""
        if not re.fullmatch(r"[a-z_][a-z0-9_]*", name):
            raise ValueError(f"not a plain database name: {name!r}")
        self.primary.sql(f'CREATE DATABASE "{name}"')
        self.wait_caught_up()
        return self.primary.url(name), self.replica.url(name)

    # --- running the servers --------------------------------------------------------
    def _run(self, *argv: str) -> None:
        command = [*(["runuser", "-u", self.as_user, "--"] if self.as_user else []), *argv]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise PairUnavailable(f"{' '.join(argv)} failed: {done.stderr.strip()[-2000:]}")

    def _ctl(self, cluster: Cluster, *args: str) -> None:
        self._run(str(self.bindir / "pg_ctl"), "-D", str(cluster.data), "-w", *args)

    def _start(self, cluster: Cluster, *, replica: bool) -> None:
        options = [
            f"-p {cluster.port}",
            f"-c listen_addresses={HOST}",
            f"-c unix_socket_directories={self.root}",
            "-c fsync=off",
            "-c full_page_writes=off",
            "-c max_connections=120",
        ]
        if replica:
            options.append("-c hot_standby=on")
        else:
            options += ["-c wal_level=replica", "-c max_wal_senders=4"]
        self._ctl(
            cluster,
            "-t",
            str(START_TIMEOUT_S),
            "-l",
            str(cluster.log),
            "-o",
            " ".join(options),
            "start",
        )

    def stop(self) -> None:
        for cluster in (self.replica, self.primary):
            if (cluster.data / "postmaster.pid").exists():
                with contextlib.suppress(PairUnavailable):
                    self._ctl(cluster, "stop", "-m", "immediate")


def _server_user() -> str | None:
    """None when the servers may run as the current user; as root, `postgres`."""
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam(USER)
    except KeyError:
        raise PairUnavailable(
            "running as root, and initdb refuses root: there is no `postgres` OS user to "
            "run the servers as (the PostgreSQL server package creates it)"
        ) from None
    return USER


@contextmanager
def pg_pair() -> Iterator[PgPair]:
    """Start a primary and its streaming replica; stop and remove both at the end.
    Raises PairUnavailable (saying why) when they cannot be started here."""
    bindir = binaries()
    as_user = _server_user()
    root = Path(tempfile.mkdtemp(prefix="aka-pg-pair-"))
    try:
        if as_user is not None:
            shutil.chown(root, user=as_user)
        primary = Cluster(root / "primary", free_port(), root / "primary.log")
        replica = Cluster(root / "replica", free_port(), root / "replica.log")
        pair = PgPair(primary, replica, root, bindir, as_user)
        try:
            pair._run(
                str(bindir / "initdb"),
                "-D",
                str(primary.data),
                "-U",
                USER,
                "-A",
                "trust",
                "--no-sync",
                "-E",
                "UTF8",
                "--locale=C",
            )
            pair._start(primary, replica=False)
            pair._run(
                str(bindir / "pg_basebackup"),
                "-h",
                HOST,
                "-p",
                str(primary.port),
                "-U",
                USER,
                "-D",
                str(replica.data),
                "-R",  # standby.signal and primary_conninfo: a streaming replica
                "-X",
                "stream",
                "-c",
                "fast",
            )
            pair._start(replica, replica=True)
            pair.wait_caught_up()
            yield pair
        finally:
            pair.stop()
    finally:
        shutil.rmtree(root, ignore_errors=True)
