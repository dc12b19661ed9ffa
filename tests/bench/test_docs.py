"""docs/performance.md keeps up with the bench: every scenario `--only` accepts and
every option of `python -m bench` is in its tables."""

from __future__ import annotations

import re
from pathlib import Path

from bench.cli import _parser
from bench.scenarios import SCENARIOS

DOC = Path(__file__).resolve().parents[2] / "docs" / "performance.md"


def test_every_scenario_is_listed_under_only_and_in_the_scenario_table() -> None:
    """A new scenario is documented where `--only` is, and has a row of its own."""
    text = DOC.read_text()
    only = next(line for line in text.splitlines() if line.startswith("| `--only a,b` |"))
    rows = {m.group(1) for m in re.finditer(r"^\| `([a-z-]+)`", text, re.MULTILINE)}
    for name in SCENARIOS:
        assert f"`{name}`" in only, name
        assert name in rows, name


def test_every_option_of_the_bench_is_in_the_options_table() -> None:
    """`python -m bench --help` and the docs' options table name the same options."""
    text = DOC.read_text()
    for action in _parser()._actions:
        for flag in action.option_strings:
            if flag.startswith("--") and flag != "--help":
                assert f"| `{flag}" in text, flag
