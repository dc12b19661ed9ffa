"""`aka` commands run as child processes: set-up, and `aka import` timed with its peak RSS.

The peak RSS comes from `os.wait4` on that one child: the kernel's high-water mark of
its resident memory (and of any process it waited for), so each run is measured alone,
never mixed with the bench's own memory or an earlier run's.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from bench.data import WORKSPACE
from bench.errors import BenchError
from bench.servers import aka_env, tail

AKA = [sys.executable, "-m", "aka"]


def _env(database_url: str) -> dict[str, str]:
    return {**os.environ, **aka_env(database_url, per_request=1000)}


def run(database_url: str, *args: str) -> str:
    done = subprocess.run(
        [*AKA, *args],
        env=_env(database_url),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if done.returncode != 0:
        raise BenchError(f"aka {' '.join(args)} failed ({done.returncode}): {done.stderr}")
    return done.stdout


@cache
def import_available() -> bool:
    """Whether this checkout's `aka` has the `import` command yet."""
    done = subprocess.run([*AKA, "import", "--help"], capture_output=True, check=False)
    return done.returncode == 0


@dataclass(frozen=True, slots=True)
class ImportRun:
    seconds: float  # wall clock of the whole process, interpreter start included
    peak_rss_mb: float
    summary: dict[str, Any] | None  # what `--json` printed, when it parsed


def prepare_store(database_url: str) -> None:
    """Migrate an empty store and create the workspace the rows go to."""
    run(database_url, "workspace", "create", WORKSPACE)


def timed_import(database_url: str, path: Path, *, chunk_size: int, log: Path) -> ImportRun:
    argv = [*AKA, "import", str(path), "--workspace", WORKSPACE]
    argv += ["--chunk-size", str(chunk_size), "--json"]
    errors = log.with_suffix(".stderr.log")
    with log.open("wb") as out, errors.open("wb") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, env=_env(database_url), stdout=out, stderr=err)
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        except BaseException:  # interrupted: leave no import running behind us
            proc.kill()
            proc.wait()
            raise
        elapsed = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)  # reaped by wait4, not by Popen
    if proc.returncode != 0:
        raise BenchError(f"aka import failed ({proc.returncode}):\n{tail(errors)}\n{tail(log)}")
    summary: dict[str, Any] | None = None
    try:
        parsed = json.loads(log.read_text())
        summary = parsed if isinstance(parsed, dict) else None
    except ValueError:
        summary = None
    # Linux reports ru_maxrss in KiB.
    return ImportRun(seconds=elapsed, peak_rss_mb=usage.ru_maxrss / 1024, summary=summary)
