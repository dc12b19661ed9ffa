"""README's walk-through in Python ("The same in Python"), run against a real server: if
this fails, the README is lying to a Python user."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import pytest

from tests.client.conftest import ADMIN_KEY

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow


def _python_walkthrough() -> str:
    section = (ROOT / "README.md").read_text().split("### The same in Python", 1)[1]
    match = re.search(r"```python\n(.*?)```", section, re.S)
    assert match, "README's 'The same in Python' section has no python block"
    return match.group(1)


def test_the_readme_python_walkthrough_works_against_a_real_server(aka_server: str) -> None:
    """Create, link, resolve, merge, forward, explain, undo, history and a typed conflict:
    each step prints what its comment promises."""
    script = (
        _python_walkthrough()
        .replace('AKA = "http://127.0.0.1:8000"', f'AKA = "{aka_server}"')
        .replace('"aka_dev_admin_key"', f'"{ADMIN_KEY}"')
    )
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(script, "README.md (The same in Python)", "exec"), {})  # noqa: S102 (the README's own code)
    lines = printed.getvalue().splitlines()
    assert lines == [
        "['ios-7f3a', 'ann@example.com']",
        "user-42",
        "user-42",
        "True ['profile.created', 'profile.created', 'profile.merged']",
        "['web-19c2']",
        "['profile.created', 'identifier.linked', 'profile.merged', 'profile.unmerged']",
        "identifier_conflict value True",
    ]
