"""`bench.served`: the one way the bench, the suite and the fuzz run start a server."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile

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
