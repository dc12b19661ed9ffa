"""`aka serve`'s own options and what it says at start, on a real server process."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.backends import server_env
from tests.servers import running_server

pytestmark = pytest.mark.slow

WARNING = "rate limits are counted per process: with 2 workers and no AKA_REDIS_URL"


@pytest.mark.parametrize(
    ("env", "serve_args"),
    [({"AKA_WORKERS": "2"}, ()), ({}, ("--workers", "2"))],
    ids=["AKA_WORKERS=2", "--workers 2"],
)
def test_several_workers_without_redis_warn_once_however_they_were_asked_for(
    tmp_path: Path, env: dict[str, str], serve_args: tuple[str, ...]
) -> None:
    """Two workers without a shared Redis count rate limits per process: `aka serve`
    says so once, whether the workers came from `AKA_WORKERS` or `--workers`."""
    log = tmp_path / "serve.log"
    # running_server sets AKA_WORKERS itself: 1, unless the case asks for 2 by variable.
    workers = int(env.get("AKA_WORKERS", "1"))
    with running_server(
        server_env("sqlite", tmp_path), workers=workers, stderr=log, serve_args=serve_args
    ) as base:
        assert httpx.get(f"{base}/healthz", timeout=5).status_code == 200
    assert log.read_text().count(WARNING) == 1


def test_one_worker_does_not_warn(tmp_path: Path) -> None:
    log = tmp_path / "serve.log"
    with running_server(server_env("sqlite", tmp_path), stderr=log):
        pass
    assert "counted per process" not in log.read_text()


def test_serve_logs_a_misspelt_aka_variable_once(tmp_path: Path) -> None:
    """`aka serve` warns through its log (one line, in the log's format) of an `AKA_`
    variable that is no setting, naming the setting it probably meant."""
    log = tmp_path / "serve.log"
    env = {**server_env("sqlite", tmp_path), "AKA_LOG_LEVL": "debug"}
    with running_server(env, stderr=log):
        pass
    said = [line for line in log.read_text().splitlines() if "AKA_LOG_LEVL" in line]
    assert len(said) == 1
    assert "did you mean AKA_LOG_LEVEL?" in said[0]
