"""Real `aka serve` processes for tests that must talk HTTP to a server."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest
from bench.served import NotServing, free_port, serve


@contextmanager
def running_server(
    env: dict[str, str],
    *,
    workers: int = 1,
    stderr: Path | None = None,
    serve_args: tuple[str, ...] = (),
) -> Iterator[str]:
    """Start `aka serve` with `env` on a free port; yield its base URL; stop it.

    The server's output goes to files, never to a pipe nobody reads: it logs a line per
    request, and a full pipe would stall it. `stderr`: where its stderr (its log) goes,
    apart from its stdout. `serve_args`: options of `aka serve` itself (`--workers 2`),
    which win over the environment."""
    port = free_port()
    full_env = {**os.environ, **env, "AKA_PORT": str(port), "AKA_WORKERS": str(workers)}
    with ExitStack() as files:
        out = files.enter_context(tempfile.TemporaryFile())
        err = files.enter_context(stderr.open("wb")) if stderr is not None else out
        argv = [sys.executable, "-m", "aka", "serve", *serve_args]
        try:
            served = serve(argv, full_env, port, ready_path="/readyz", stdout=out, stderr=err)
        except NotServing as failed:
            out.seek(0)
            said = out.read().decode(errors="replace")
            if stderr is not None:
                said += stderr.read_text(errors="replace")
            pytest.fail(f"{failed}:\n{said}")
        try:
            yield served.base
        finally:
            served.stop(timeout=15)


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
