"""`aka` commands run as child processes: set-up, and `aka import` and `aka check` timed
with their peak RSS.

The peak RSS is the child's own `VmHWM` (/proc/PID/status: the high-water mark of its
resident memory), read every 20 ms while it runs, so each run is measured alone.
Not `ru_maxrss` from `os.wait4`: Linux carries the high-water mark of the memory a
process replaced at `exec` over into it, so a child of a 430 MB bench process reported
430 MB, whatever it used itself.
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


def timed_import(
    database_url: str, path: Path, *, chunk_size: int, log: Path, errors: Path | None = None
) -> ImportRun:
    """`aka import --json` of `path`; its rejected rows go to `errors` (by default
    beside the file, where runs would share it)."""
    argv = [*AKA, "import", str(path), "--workspace", WORKSPACE]
    argv += ["--chunk-size", str(chunk_size), "--json"]
    if errors is not None:
        argv += ["--errors", str(errors)]
    done = _timed(argv, database_url, log, "aka import")
    summary: dict[str, Any] | None = None
    try:
        parsed = json.loads(log.read_text())
        summary = parsed if isinstance(parsed, dict) else None
    except ValueError:
        summary = None
    return ImportRun(seconds=done.seconds, peak_rss_mb=done.peak_rss_mb, summary=summary)


@dataclass(frozen=True, slots=True)
class CheckRun:
    seconds: float  # wall clock of the whole process, interpreter start included
    cpu_seconds: float  # its user + system CPU time: what a busy machine cannot inflate
    peak_rss_mb: float
    report: dict[str, Any]  # what `aka check --json` printed


def timed_check(database_url: str, *, log: Path) -> CheckRun:
    """`aka check --json` on every workspace; a BenchError unless it found nothing."""
    done = _timed([*AKA, "check", "--json"], database_url, log, "aka check", ok_codes=(0, 1))
    report = json.loads(log.read_text())
    if not report.get("ok"):
        raise BenchError(f"aka check found violations:\n{tail(log)}")
    return CheckRun(
        seconds=done.seconds,
        cpu_seconds=done.cpu_seconds,
        peak_rss_mb=done.peak_rss_mb,
        report=report,
    )


@dataclass(frozen=True, slots=True)
class _Timed:
    seconds: float
    cpu_seconds: float
    peak_rss_mb: float


def _timed(
    argv: list[str], database_url: str, log: Path, what: str, ok_codes: tuple[int, ...] = (0,)
) -> _Timed:
    """Run a child with stdout to `log`, timed, its peak RSS read while it runs."""
    errors = log.with_suffix(".stderr.log")
    with log.open("wb") as out, errors.open("wb") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, env=_env(database_url), stdout=out, stderr=err)
        peak_kib = 0
        try:
            while True:
                pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
                if pid:
                    break
                peak_kib = max(peak_kib, _high_water_kib(proc.pid))
                time.sleep(_POLL_S)
        except BaseException:  # interrupted: leave no child running behind us
            proc.kill()
            proc.wait()
            raise
        elapsed = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)  # reaped by wait4, not by Popen
    if proc.returncode not in ok_codes:
        raise BenchError(f"{what} failed ({proc.returncode}):\n{tail(errors)}\n{tail(log)}")
    if not peak_kib:  # gone before the first reading: only the inflated figure is left
        peak_kib = usage.ru_maxrss  # KiB on Linux
    cpu = usage.ru_utime + usage.ru_stime
    return _Timed(seconds=elapsed, cpu_seconds=cpu, peak_rss_mb=peak_kib / 1024)


_POLL_S = 0.02


def _high_water_kib(pid: int) -> int:
    """The process's VmHWM in KiB; 0 once it is gone (or where /proc has no such line)."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0
