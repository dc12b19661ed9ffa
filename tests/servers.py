"""Real `aka serve` processes for tests that must talk HTTP to a server."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

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

    `stderr`: a file that gets the server's stderr (its log) apart from its stdout."""
    port = free_port()
    full_env = {**os.environ, **env, "AKA_PORT": str(port), "AKA_WORKERS": str(workers)}
    err_file = stderr.open("wb") if stderr is not None else None
    proc = subprocess.Popen(
        [sys.executable, "-m", "aka", "serve"],
        env=full_env,
        stdout=subprocess.PIPE,
        stderr=err_file if err_file is not None else subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(proc, base)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.stdout:
            proc.stdout.close()
        if err_file is not None:
            err_file.close()


def _wait_until_up(proc: subprocess.Popen[bytes], base: str) -> None:
    deadline = time.monotonic() + 30
    while True:
        try:
            if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            out = proc.stdout.read().decode() if proc.stdout else ""
            pytest.fail(f"aka serve did not come up:\n{out}")
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
