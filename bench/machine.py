"""The machine and the versions the figures were measured with, kept with the results."""

from __future__ import annotations

import os
import platform
import shutil
import sqlite3
import subprocess
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from bench import wrk

ROOT = Path(__file__).resolve().parent.parent


def _read(path: str) -> str:
    try:
        return Path(path).read_text()
    except OSError:
        return ""


def _cpu_model() -> str:
    for line in _read("/proc/cpuinfo").splitlines():
        if line.startswith("model name"):
            return line.partition(":")[2].strip()
    return platform.processor() or platform.machine()


def _ram_gib() -> float | None:
    for line in _read("/proc/meminfo").splitlines():
        if line.startswith("MemTotal:"):
            return round(int(line.split()[1]) / 1024 / 1024, 1)
    return None


def _os() -> str:
    try:
        release = platform.freedesktop_os_release().get("PRETTY_NAME", "")
    except OSError:
        release = ""
    return f"{release or platform.system()} (kernel {platform.release()})"


def _git(*args: str) -> str:
    git = shutil.which("git")
    if git is None:
        return ""
    done = subprocess.run([git, *args], cwd=ROOT, capture_output=True, text=True, check=False)
    return done.stdout.strip() if done.returncode == 0 else ""


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "missing"


def _pgbench() -> str:
    found = shutil.which("pgbench")
    if found is None:
        return "missing"
    done = subprocess.run([found, "--version"], capture_output=True, text=True, check=False)
    return done.stdout.strip()


def describe(postgres_version: str | None) -> dict[str, Any]:
    commit = _git("rev-parse", "HEAD")
    dirty = bool(_git("status", "--porcelain"))
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "git_commit": commit + (" (uncommitted changes)" if commit and dirty else ""),
        "machine": {
            "cpu": _cpu_model(),
            "cores": os.cpu_count(),
            "ram_gib": _ram_gib(),
            "os": _os(),
        },
        "versions": {
            "aka": _version("aka"),
            "python": platform.python_version(),
            "sqlite": sqlite3.sqlite_version,
            "postgresql": postgres_version,
            "granian": _version("granian"),
            "psycopg": _version("psycopg"),
            "sqlalchemy": _version("sqlalchemy"),
            "wrk": wrk.version(),
            "pgbench": _pgbench(),
        },
    }
