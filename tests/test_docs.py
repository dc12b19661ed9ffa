"""Docs that cannot rot: every setting, command and error code is documented.

README.md's configuration and command tables and docs/errors.md are read as data; a
setting, sub-command or error code added without its line there fails here.
"""

from __future__ import annotations

import re
import shlex
import textwrap
from pathlib import Path
from typing import Any

import pytest
import typer.main

from aka.cli.main import app
from aka.config import Settings
from aka.core.errors import AkaError, Code
from aka.http.problems import HTTP_ERROR, INTERNAL_ERROR, problem_from_error

ROOT = Path(__file__).parents[1]
README = (ROOT / "README.md").read_text()
ERRORS = (ROOT / "docs" / "errors.md").read_text()


def section(text: str, heading: str) -> str:
    """The body of a `## heading` section, up to the next `## `."""
    parts = text.split(f"\n## {heading}\n", 1)
    assert len(parts) == 2, f"no section '## {heading}'"
    return parts[1].split("\n## ", 1)[0]


def table_rows(text: str) -> list[list[str]]:
    """Cells of each markdown table row (header and separator rows included)."""
    return [
        [cell.strip() for cell in line.strip().strip("|").split("|")]
        for line in text.splitlines()
        if line.startswith("|")
    ]


def cli_commands(group: Any, prefix: str = "") -> list[str]:
    """`"serve"`, `"keys create"`, ...: every visible command, sub-commands by path.

    Duck-typed on `.commands`: Typer ships its own copy of Click's classes.
    """
    found = []
    for name, command in sorted(group.commands.items()):
        if command.hidden:
            continue
        path = f"{prefix}{name}"
        if getattr(command, "commands", None) is not None:
            found.extend(cli_commands(command, f"{path} "))
        else:
            found.append(path)
    return found


def documented_variables() -> set[str]:
    rows = table_rows(section(README, "Configuration"))
    return {m for row in rows for m in re.findall(r"`(AKA_[A-Z0-9_]+)`", row[0])}


@pytest.mark.parametrize("name", sorted(Settings.model_fields))
def test_every_setting_is_in_the_readme_configuration_table(name: str) -> None:
    assert f"AKA_{name.upper()}" in documented_variables()


def test_the_configuration_table_names_no_setting_that_does_not_exist() -> None:
    known = {f"AKA_{name.upper()}" for name in Settings.model_fields}
    assert documented_variables() - known == set()


def test_every_cli_command_is_in_the_readme_command_table() -> None:
    command_cells = " ".join(row[0] for row in table_rows(section(README, "Command line")))
    documented = set(re.findall(r"`aka ([a-z]+(?: [a-z]+)?)", command_cells))
    # A row like "`aka keys list [...]`, `aka keys revoke ID`" documents both.
    commands = cli_commands(typer.main.get_command(app))
    assert len(commands) >= 9
    missing = [c for c in commands if not any(d == c or d.startswith(f"{c} ") for d in documented)]
    assert missing == []


def test_every_command_that_prints_a_result_takes_json() -> None:
    """README: "Every command that prints a result also takes `--json`" (serve serves)."""
    root = typer.main.get_command(app)
    for path in cli_commands(root):
        if path == "serve":
            continue
        command = root
        for name in path.split():
            command = command.commands[name]  # type: ignore[attr-defined]
        options = {opt for param in command.params for opt in getattr(param, "opts", [])}
        assert "--json" in options, path


def error_table() -> dict[str, str]:
    """code -> the status column of docs/errors.md."""
    return {
        row[0].strip("`"): row[1]
        for row in table_rows(ERRORS)
        if len(row) == 3 and row[0].startswith("`")
    }


@pytest.mark.parametrize("code", list(Code), ids=str)
def test_every_error_code_is_in_docs_errors_with_its_status(code: Code) -> None:
    documented = error_table()
    assert code.value in documented, f"{code.value} is missing from docs/errors.md"
    status = problem_from_error(AkaError(code, "")).status
    assert documented[code.value] == str(status)


def test_the_http_layers_own_codes_are_documented_too() -> None:
    documented = error_table()
    assert documented[INTERNAL_ERROR] == "500"
    assert HTTP_ERROR in documented


def test_docs_errors_lists_no_code_that_does_not_exist() -> None:
    known = {c.value for c in Code} | {INTERNAL_ERROR, HTTP_ERROR}
    assert set(error_table()) - known == set()


CITING = [
    ROOT / "README.md",
    ROOT / "clients" / "python" / "README.md",
    *sorted((ROOT / "docs").rglob("*.md")),
    *sorted((ROOT / "src").rglob("*.py")),
]


def cited_documents(path: Path) -> set[str]:
    """Every `name.md` a file mentions (help texts and docstrings included)."""
    return set(re.findall(r"[A-Za-z0-9_./-]*[A-Za-z0-9_-]\.md\b", path.read_text()))


@pytest.mark.parametrize("path", CITING, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_document_cited_exists(path: Path) -> None:
    """A page, ADR, docstring or `--help` that sends the reader to a document names one
    that exists: relative to the citing file, the repository or `docs/` (`aka check
    --help` once cited a `design.md` nobody had written)."""
    bases = (path.parent, ROOT, ROOT / "docs")
    missing = [
        cited
        for cited in sorted(cited_documents(path))
        if not any((base / cited).is_file() for base in bases)
    ]
    assert missing == []


# Shell builtins, and aka itself (which `make run` installs): not tools to install.
# Shell built-ins and the POSIX utilities every system has (grep), not tools to install.
NOT_TOOLS = frozenset({"aka", "export", "cd", "echo", ".", "source", "set", "grep"})


def shell_words(line: str) -> list[str]:
    """A shell line's words and operators (`$(` read as `;`); a quote the line leaves
    open (a JSON body continued below) is closed for the purpose."""
    line = line.rstrip("\\").replace("$(", " ; ")
    for closing in ("", "'", '"'):
        lexer = shlex.shlex(line + closing, posix=True, punctuation_chars=";&|()")
        lexer.whitespace_split = True
        try:
            return list(lexer)
        except ValueError:
            continue
    return line.split()


def shell_blocks(text: str) -> list[tuple[int, str]]:
    """Each ```bash or ```sh block (dedented: some sit in a list item) and where it starts."""
    fence = r"```(?:bash|sh)\n(.*?)```"
    return [(m.start(), textwrap.dedent(m.group(1))) for m in re.finditer(fence, text, re.S)]


def commands(block: str) -> set[str]:
    """The program each command of a shell block runs (after `|`, `&&`, `;` and inside
    `$(...)`), skipping `NAME=value` prefixes and continuation lines."""
    found = set()
    for line in block.splitlines():
        if not line or line[0] in " \t#{}[]\"'":
            continue  # a continuation, a comment or a body
        at_start = True
        for word in shell_words(line):
            if word.startswith("#"):
                break
            if set(word) <= set(";&|()"):
                at_start = True
            elif at_start and not re.match(r"[A-Za-z_][A-Za-z0-9_]*=", word):
                found.add(word)
                at_start = False
    return found


def test_the_quick_start_names_every_tool_the_readme_runs_before_any_use() -> None:
    """A newcomer learns what to install from "Quick start", before the first command:
    every program a shell block of README runs is named there (`curl`, `jq`, ...)."""
    quick_start = section(README, "Quick start").split("```", 1)[0]
    named = set(re.findall(r"`([a-z][a-z0-9-]*)`", quick_start))
    used = {c for _, block in shell_blocks(README) for c in commands(block)}
    assert {"make", "curl", "jq"} <= used  # the parser sees the walk-through
    assert used - NOT_TOOLS - named == set()


def test_aka_commands_are_shown_one_way_after_the_activation_is_said_once() -> None:
    """`aka ...` in the README's shell blocks runs in a shell where `.venv/bin/activate`
    was sourced, which "Quick start" says before the first one; no block mixes in
    `.venv/bin/aka`."""
    activation = README.index(". .venv/bin/activate")
    blocks = shell_blocks(README)
    using_aka = [at for at, block in blocks if "aka" in commands(block)]
    assert using_aka
    assert activation < min(using_aka)
    assert all(".venv/bin/aka" not in commands(block) for _, block in blocks)
