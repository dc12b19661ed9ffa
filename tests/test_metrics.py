"""`aka.metrics`: the server run's directory of shared values, and what a scrape
forgets of a worker that died."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from aka import metrics
from aka.core.errors import AkaError, Code


def test_a_server_run_gets_a_fresh_directory_removed_at_its_end(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`aka serve` names a new empty directory for its workers, and removes it (with
    what they wrote) when it stops, leaving the variable as it found it."""
    monkeypatch.delenv(metrics.MULTIPROC_ENV, raising=False)
    with metrics.shared_values_dir() as path:
        assert os.environ[metrics.MULTIPROC_ENV] == path
        assert os.listdir(path) == []
        Path(path, "counter_1.db").write_bytes(b"x")
    assert not Path(path).exists()
    assert metrics.MULTIPROC_ENV not in os.environ


def test_a_dead_workers_live_gauges_are_forgotten_and_its_counters_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A worker that died no longer holds pool connections: its live gauges' file goes;
    what it counted happened, so its counters stay; a live worker's files stay."""
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], check=True,
                          capture_output=True, text=True)  # fmt: skip
    dead = int(gone.stdout)
    files = [f"gauge_livesum_{dead}.db", f"counter_{dead}.db", f"gauge_livesum_{os.getpid()}.db"]
    for name in files:
        (tmp_path / name).write_bytes(b"")
    monkeypatch.setenv(metrics.MULTIPROC_ENV, str(tmp_path))
    metrics._forget_dead_workers()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(files[1:])


def test_outcomes_are_applied_refused_or_failed() -> None:
    """A refusal carries its code; anything else raised is a failure, not a refusal."""
    refused = AkaError(Code.NAMESPACE_LIMIT, "full")
    assert list(metrics.operation_outcomes(["done", refused, RuntimeError("db")])) == [
        ("applied", None),
        ("refused", "namespace_limit"),
        ("failed", None),
    ]
