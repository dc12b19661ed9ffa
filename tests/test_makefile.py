"""The Makefile's install logic, run by the real `make` in a copy of the repository's
Makefile and package metadata, with a stand-in Python that records what it is asked to
do (pip installs, pytest, `aka serve`) instead of installing anything.

`make run` installs what serving needs, `make test` the dev extras and aka-client too;
neither reinstalls what is already there, and a change to either package's metadata
makes the next one install again.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# The stand-in interpreter: logs each call; `-m venv DIR` makes DIR/bin/python (itself)
# and DIR/bin/aka (which logs its arguments and the port it would listen on).
FAKE_PYTHON = """#!/bin/sh
echo "python $*" >> "$MAKE_LOG"
if [ "$1" = "-m" ] && [ "$2" = "venv" ]; then
  mkdir -p "$3/bin"
  cp "$0" "$3/bin/python"
  printf '#!/bin/sh\\necho "aka $* AKA_PORT=$AKA_PORT" >> "$MAKE_LOG"\\n' > "$3/bin/aka"
  chmod +x "$3/bin/aka"
fi
"""

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="needs make")


class Checkout:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.log = root / "make.log"
        (root / "clients" / "python").mkdir(parents=True)
        for name in ("Makefile", "pyproject.toml", "clients/python/pyproject.toml"):
            shutil.copy(ROOT / name, root / name)
        fake = root / "fake-python"
        fake.write_text(FAKE_PYTHON)
        fake.chmod(0o755)

    def make(self, target: str, **env: str) -> list[str]:
        """Run `make TARGET`; the lines the stand-ins logged."""
        self.log.write_text("")
        subprocess.run(
            ["make", "--no-print-directory", target, f"PYTHON={self.root / 'fake-python'}"],
            cwd=self.root,
            env={**os.environ, "MAKE_LOG": str(self.log), **env},
            check=True,
            capture_output=True,
            timeout=60,
        )
        return self.log.read_text().splitlines()


def installs(log: list[str]) -> list[str]:
    return [line.removeprefix("python -m pip install --quiet ") for line in log if " -e " in line]


@pytest.fixture
def checkout(tmp_path: Path) -> Checkout:
    return Checkout(tmp_path)


def test_make_run_installs_only_what_serving_needs_then_serves(checkout: Checkout) -> None:
    log = checkout.make("run")
    assert log[0].endswith("-m venv .venv")
    assert installs(log) == ["-e ."]  # no [dev], no aka-client
    assert log[-2:] == ["aka migrate AKA_PORT=", "aka serve AKA_PORT="]
    assert installs(checkout.make("run")) == []  # the second time: nothing to install


def test_make_test_after_make_run_adds_the_dev_extras_and_make_run_then_installs_nothing(
    checkout: Checkout,
) -> None:
    checkout.make("run")
    log = checkout.make("test")
    assert installs(log) == ["-e .[dev] -e clients/python"]
    assert log[-1] == "python -m pytest"
    assert installs(checkout.make("run")) == []
    assert installs(checkout.make("test")) == []


def test_make_run_after_make_test_installs_nothing(checkout: Checkout) -> None:
    assert installs(checkout.make("test")) == ["-e .[dev] -e clients/python"]
    assert installs(checkout.make("run")) == []


def test_changed_package_metadata_installs_again(checkout: Checkout) -> None:
    """Either package's pyproject.toml changing (a new dependency) makes both stamps
    stale: `make run` installs again, and `make test` after it too."""
    checkout.make("test")
    with (checkout.root / "clients" / "python" / "pyproject.toml").open("a") as f:
        f.write("# a change\n")
    assert installs(checkout.make("run")) == ["-e ."]
    assert installs(checkout.make("test")) == ["-e .[dev] -e clients/python"]


def test_the_port_of_make_run_comes_from_aka_port(checkout: Checkout) -> None:
    """README: `AKA_PORT=8080 make run` (aka serve reads AKA_PORT; make passes it on)."""
    log = checkout.make("run", AKA_PORT="8080")
    assert log[-1] == "aka serve AKA_PORT=8080"
