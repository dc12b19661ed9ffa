"""`bench.served`: the one way the bench, the suite and the fuzz run start a server."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time

import pytest
from bench.served import NotServing, free_port, serve


def test_a_server_is_returned_once_it_answers_and_stop_ends_it() -> None:
    port = free_port()
    argv = [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"]
    with tempfile.TemporaryFile() as out:
        served = serve(
            argv, {**os.environ}, port, ready_path="/", stdout=out, stderr=subprocess.STDOUT
        )
        assert served.base == f"http://127.0.0.1:{port}"
        assert served.proc.poll() is None
        served.stop()
        assert served.proc.poll() is not None


def test_a_process_that_exits_first_is_reported_not_serving() -> None:
    port = free_port()
    argv = [sys.executable, "-c", "raise SystemExit(3)"]
    with tempfile.TemporaryFile() as out, pytest.raises(NotServing) as failed:
        serve(argv, {**os.environ}, port, ready_path="/", stdout=out, stderr=subprocess.STDOUT)
    assert "did not come up" in str(failed.value)


# A server whose worker ignores SIGTERM: it forks a child that prints its pid and
# sleeps with SIGTERM ignored, then serves in the parent, which ignores SIGTERM too.
STUBBORN = """
import http.server, os, signal, sys, time
signal.signal(signal.SIGTERM, signal.SIG_IGN)
child = os.fork()
if child == 0:
    time.sleep(600)
    os._exit(0)
print(child, flush=True)
http.server.test(HandlerClass=http.server.SimpleHTTPRequestHandler, port=int(sys.argv[1]),
                 bind="127.0.0.1")
"""


def test_a_server_that_will_not_stop_is_killed_with_every_worker_it_started() -> None:
    """After the SIGTERM's grace, `stop` kills the server's whole process group: a
    SIGKILL to the parent alone would leave its workers serving on."""
    port = free_port()
    argv = [sys.executable, "-c", STUBBORN, str(port)]
    with tempfile.TemporaryFile() as out:
        served = serve(argv, {**os.environ}, port, ready_path="/", stdout=out, stderr=out)
        out.seek(0)
        worker = int(out.readline())
        served.stop(timeout=0.5)
        assert served.proc.poll() is not None
        deadline = time.monotonic() + 5
        while _alive(worker):
            assert time.monotonic() < deadline, f"worker {worker} outlived its server"
            time.sleep(0.05)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A killed child of a dead parent is reaped by init; until then it is a zombie.
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split()[2] != "Z"
    except FileNotFoundError:  # reaped between the two looks
        return False
