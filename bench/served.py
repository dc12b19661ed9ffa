"""A child process that serves HTTP on a free local port: started, waited for, stopped.

One place for what the bench's servers, the test suite's `aka serve` (`tests/servers.py`)
and the fuzz run's (`fuzz/__main__.py`) all do; each keeps its own settings, its own
output files and its own way of failing.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from typing import IO

import httpx


class NotServing(Exception):  # noqa: N818 - names the state, like TimeoutError
    """The process exited, or did not answer its ready path in time; it was stopped."""


def free_port() -> int:
    """A local port nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass
class Served:
    proc: subprocess.Popen[bytes]
    base: str

    def stop(self, timeout: float = 20) -> None:
        """SIGTERM (granian stops its workers and exits), SIGKILL after `timeout` to
        the whole process group: a SIGKILL to the parent alone once left a granian
        worker serving on after the test that started it had ended."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()


def serve(
    argv: list[str],
    env: dict[str, str],
    port: int,
    *,
    ready_path: str,
    stdout: IO[bytes],
    stderr: IO[bytes] | int,
    wait: float = 60,
) -> Served:
    """Start `argv` (which must listen on `port`) and return once `ready_path` answers
    200. Output goes to files, never to a pipe nobody reads: a server logs a line per
    request, and a full pipe would stall it."""
    # A group of its own (its pid), so `stop` can reach the workers it starts.
    proc = subprocess.Popen(argv, env=env, stdout=stdout, stderr=stderr, start_new_session=True)
    served = Served(proc, f"http://127.0.0.1:{port}")
    deadline = time.monotonic() + wait
    while True:
        try:
            if httpx.get(served.base + ready_path, timeout=2).status_code == 200:
                return served
        except httpx.TransportError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            served.stop()
            raise NotServing(f"{' '.join(argv)} did not come up")
        time.sleep(0.1)
