"""Real `aka serve` processes for tests that must talk HTTP to a server."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import IO

import httpx
import pytest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextmanager
def running_server(
    env: dict[str, str], *, workers: int = 1, stderr: Path | None = None
) -> Iterator[str]:
    """Start `aka serve` with `env` on a free port; yield its base URL; stop it.

    The server's output goes to files, never to a pipe nobody reads: it logs a line per
    request, and a full pipe would stall it. `stderr`: where its stderr (its log) goes,
    apart from its stdout."""
    port = free_port()
    full_env = {**os.environ, **env, "AKA_PORT": str(port), "AKA_WORKERS": str(workers)}
    with ExitStack() as files:
        out = files.enter_context(tempfile.TemporaryFile())
        err = files.enter_context(stderr.open("wb")) if stderr is not None else out
        proc = subprocess.Popen(
            [sys.executable, "-m", "aka", "serve"], env=full_env, stdout=out, stderr=err
        )
        base = f"http://127.0.0.1:{port}"
        try:
            _wait_until_up(proc, base, out, stderr)
            yield base
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _wait_until_up(
    proc: subprocess.Popen[bytes], base: str, out: IO[bytes], stderr: Path | None
) -> None:
    deadline = time.monotonic() + 30
    while True:
        try:
            if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            proc.wait()
            out.seek(0)
            said = out.read().decode(errors="replace")
            if stderr is not None:
                said += stderr.read_text(errors="replace")
            pytest.fail(f"aka serve did not come up:\n{said}")
        time.sleep(0.1)


def run_cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """Run `aka ARGS` against the store `env` names."""
    return subprocess.run(
        [sys.executable, "-m", "aka", *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
