"""Load generation with wrk and the Lua scripts in bench/lua/.

wrk is a C client on its own threads, so the figures are the server's rather than a
Python client's. Every request must succeed: a socket error or a non-2xx answer fails
the run instead of being averaged into it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from bench.errors import BenchError

LUA = Path(__file__).resolve().parent / "lua"


@dataclass(frozen=True, slots=True)
class WrkResult:
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds


def version() -> str:
    found = shutil.which("wrk")
    if found is None:
        return "missing"
    out = subprocess.run([found, "-v"], capture_output=True, text=True, check=False)
    first = (out.stdout + out.stderr).strip().splitlines()
    return first[0] if first else "?"


def run(
    url: str,
    script: str,
    args: list[str],
    *,
    seconds: int,
    connections: int,
    latency: bool = False,
) -> WrkResult:
    """`wrk` against `url` with bench/lua/`script` for `seconds`; raise on any failure."""
    found = shutil.which("wrk")
    if found is None:
        raise BenchError("wrk is not installed: `make bench` installs it (apt-get install wrk)")
    threads = max(1, min(connections, os.cpu_count() or 1))
    argv = [found, "-t", str(threads), "-c", str(connections), "-d", f"{seconds}s"]
    argv += ["--timeout", "30s", "-s", str(LUA / script)]
    if latency:
        argv.append("--latency")
    done = subprocess.run(
        [*argv, url, "--", *args],
        capture_output=True,
        text=True,
        timeout=seconds + 120,
        check=False,
    )
    line = next((ln for ln in done.stdout.splitlines() if ln.startswith("BENCH_RESULT ")), None)
    if done.returncode != 0 or line is None:
        raise BenchError(f"wrk failed ({done.returncode}): {done.stdout}{done.stderr}")
    figures = json.loads(line.removeprefix("BENCH_RESULT "))
    errors = {k: figures[k] for k in ("connect", "read", "write", "status", "timeout")}
    if any(errors.values()) or figures["requests"] == 0:
        raise BenchError(f"wrk saw failures against {url} ({script}): {errors}\n{done.stdout}")
    return WrkResult(
        requests=figures["requests"],
        seconds=figures["duration_us"] / 1e6,
        p50_ms=figures["p50_us"] / 1000,
        p99_ms=figures["p99_us"] / 1000,
    )
