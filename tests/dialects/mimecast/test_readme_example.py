"""README's Mimecast example, run as written against a real `aka serve`: the credentials
from `aka keys create --mimecast --json`, a user created, then an alias given to it. If
this fails, the README is lying to a Mimecast user."""

from __future__ import annotations

import contextlib
import io
import re
import textwrap
from pathlib import Path

import pytest

from tests.backends import server_env
from tests.servers import run_cli, running_server

ROOT = Path(__file__).resolve().parents[3]

pytestmark = pytest.mark.slow


def readme_blocks() -> tuple[str, str]:
    """The Mimecast item's bash block (the credentials) and python block (the calls)."""
    readme = (ROOT / "README.md").read_text()
    item = readme.split("- **Mimecast** (base URL", 1)[1].split("\n### ", 1)[0]
    bash = re.search(r"```bash\n(.*?)```", item, re.S)
    python = re.search(r"```python\n(.*?)```", item, re.S)
    assert bash, "README's Mimecast item lost its bash block"
    assert python, "README's Mimecast item lost its python block"
    return textwrap.dedent(bash.group(1)), textwrap.dedent(python.group(1))


def test_the_readme_mimecast_example_works_as_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each print shows what its comment promises: the user's address, then the alias
    with the user's name as its display name."""
    bash, python = readme_blocks()
    assert bash.strip() == "aka keys create --mimecast --json > mimecast.json"
    env = server_env("sqlite", tmp_path)
    with running_server(env) as base:
        made = run_cli(env, "keys", "create", "--mimecast", "--json")
        assert made.returncode == 0, made.stderr
        (tmp_path / "mimecast.json").write_text(made.stdout)
        monkeypatch.chdir(tmp_path)
        script = python.replace('AKA = "http://127.0.0.1:8000"', f'AKA = "{base}"')
        assert script != python
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            exec(compile(script, "README.md (Mimecast)", "exec"), {})  # noqa: S102 (the README's own code)
    promised = [line.split("#")[1].strip() for line in python.splitlines() if "print(" in line]
    assert printed.getvalue().splitlines() == promised
    assert promised == ["ann@acme.example", "a.smith@acme.example Ann"]
