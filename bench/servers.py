"""The processes under test: `aka serve`, and the bare ASGI app under the same granian.

Both are started with the same worker count and granian's defaults otherwise (the bare
app's launcher builds `Granian(...)` as `aka serve` does). Their output goes to a log
file, whose tail is shown when one fails to start.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from bench.errors import BenchError
from bench.served import NotServing, Served, free_port, serve

ROOT = Path(__file__).resolve().parent.parent
ADMIN_KEY = "aka_bench_admin_key_0123456789abcdef"
_NO_LIMIT = "1000000000/second"  # the most a rate may say: counted, never reached


def aka_env(database_url: str, *, per_request: int) -> dict[str, str]:
    """The settings aka runs with in every scenario (docs/performance.md)."""
    return {
        "AKA_DATABASE_URL": database_url,
        "AKA_ADMIN_KEY": ADMIN_KEY,
        # Rate limits stay on (their counting is part of every request's cost) but are
        # set out of reach: a bench measures the server, not its limits.
        "AKA_RATE_LIMIT_READ": _NO_LIMIT,
        "AKA_RATE_LIMIT_WRITE": _NO_LIMIT,
        "AKA_RATE_LIMIT_ADMIN": _NO_LIMIT,
        "AKA_BATCH_MAX_OPERATIONS": str(per_request),
        "AKA_MAX_BODY_BYTES": str(64 * 1024 * 1024),
    }


def tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


@dataclass
class Server:
    served: Served
    log: Path

    @property
    def base(self) -> str:
        return self.served.base

    @property
    def proc(self) -> subprocess.Popen[bytes]:
        return self.served.proc

    def stop(self) -> None:
        self.served.stop()


def _start(argv: list[str], env: dict[str, str], log: Path, ready_path: str) -> Server:
    port = free_port()
    full_env = {**os.environ, **env, "AKA_HOST": "127.0.0.1", "AKA_PORT": str(port)}
    # granian's workers import the app by name: they need the checkout on their path.
    full_env["PYTHONPATH"] = os.pathsep.join(
        filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])
    )
    with log.open("wb") as out:
        try:
            served = serve(
                [*argv, "--port", str(port)],
                full_env,
                port,
                ready_path=ready_path,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        except NotServing as failed:
            raise BenchError(f"{failed}; its log:\n{tail(log)}") from None
    return Server(served, log)


@contextmanager
def aka_server(
    database_url: str,
    *,
    workers: int,
    per_request: int,
    log: Path,
    extra: dict[str, str] | None = None,
) -> Iterator[Server]:
    """`aka serve` on the store (it migrates and creates workspace `default` first);
    `extra`: more settings (read replicas)."""
    env = {
        **aka_env(database_url, per_request=per_request),
        "AKA_WORKERS": str(workers),
        **(extra or {}),
    }
    server = _start([sys.executable, "-m", "aka", "serve"], env, log, "/readyz")
    try:
        yield server
    finally:
        server.stop()


@contextmanager
def bare_server(*, workers: int, log: Path) -> Iterator[Server]:
    argv = [sys.executable, "-m", "bench.bare_asgi", "--workers", str(workers)]
    server = _start(argv, {}, log, "/healthz")
    try:
        yield server
    finally:
        server.stop()
