"""`make test` on a machine without PostgreSQL or Redis: their tests are skipped and the
run ends saying so, why and what to do; with `CI=true` they fail instead.

Runs two real tests of the suite (one needs PostgreSQL, one Redis) in a pytest process
of its own, pointed at ports nothing listens on, so the suite's own conftest speaks.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from bench.served import free_port

ROOT = Path(__file__).resolve().parents[1]
NEEDS_SERVERS = [
    "tests/storage/test_cache_generation.py::test_a_key_created_elsewhere_works_at_once[postgres]",
    "tests/security/test_ratelimit.py::test_two_redis_limiters_count_together",
]

pytestmark = pytest.mark.slow


def run_without_servers(*, ci: bool) -> subprocess.CompletedProcess[str]:
    nowhere = free_port()  # nothing listens: connections are refused at once
    env = {
        **os.environ,
        "AKA_TEST_POSTGRES_URL": f"postgresql://postgres@127.0.0.1:{nowhere}/test",
        "AKA_TEST_REDIS_URL": f"redis://127.0.0.1:{nowhere}/0",
        "CI": "true" if ci else "",
    }
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:randomly", "-p", "no:cacheprovider",
         *NEEDS_SERVERS],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


def test_skipped_server_tests_end_the_run_with_why_and_what_to_do() -> None:
    """The run passes, and its last lines name each missing server, how many tests it
    cost, the reason the connection failed, and the variable to set."""
    done = run_without_servers(ci=False)
    assert done.returncode == 0, done.stdout + done.stderr
    tail = done.stdout.splitlines()[-2:]
    assert (
        "1 PostgreSQL tests SKIPPED: cannot connect to postgresql://postgres@127.0.0.1:"
        in (tail[0])
    )
    assert "refused" in tail[0]
    assert "set AKA_TEST_POSTGRES_URL or start PostgreSQL" in tail[0]
    assert "1 Redis tests SKIPPED: cannot connect to redis://127.0.0.1:" in tail[1]
    assert "set AKA_TEST_REDIS_URL or start Redis" in tail[1]


def test_under_ci_the_same_tests_fail() -> None:
    """CI must never pass by skipping: both tests error in their fixtures, naming the
    server, and the run fails."""
    done = run_without_servers(ci=True)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "2 errors" in done.stdout
    assert "CI=true: the PostgreSQL tests are required" in done.stdout
    assert "CI=true: the Redis tests are required" in done.stdout
    assert "SKIPPED" not in done.stdout.splitlines()[-1]
