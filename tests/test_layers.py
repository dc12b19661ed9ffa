"""Dependencies point one way (docs/architecture.md, "Layers"): the faces (`aka.http`,
`aka.cli`) and the wiring (`aka.app`) sit on top, and nothing below them imports them.

Read from the source with `ast`, not by importing it: an import that only runs under
`TYPE_CHECKING`, or inside a function, is still a dependency, and a module that is never
imported by a test is still checked.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent / "src"

TOP = ("aka.http", "aka.cli", "aka.app", "aka.__main__")
"""The faces and the wiring: only they (and each other) may import these."""

BELOW_THE_FACES = ("aka.engine", "aka.service", "aka.storage", "aka.core")


def module_name(path: Path) -> str:
    """`src/aka/engine/runtime.py` -> `aka.engine.runtime` (a package: its `__init__`'s
    package name)."""
    parts = path.relative_to(SRC).with_suffix("").parts
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def imported(source: str, module: str, *, package: bool = False) -> Iterator[tuple[int, str]]:
    """(line, module) for every import of `aka` in `source`, relative ones resolved;
    `from aka.x import y` gives both `aka.x` and `aka.x.y` (y may be a module)."""
    here = module.split(".") if package else module.split(".")[:-1]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = here[: len(here) - (node.level - 1)]
                base = ".".join([*anchor, *([base] if base else [])])
            yield node.lineno, base
            for alias in node.names:
                yield node.lineno, f"{base}.{alias.name}"


def within(name: str, packages: tuple[str, ...]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in packages)


def upward_imports(packages: tuple[str, ...], forbidden: tuple[str, ...]) -> list[str]:
    """`path:line imports module` for each import of `forbidden` under `packages`."""
    found: list[str] = []
    for path in sorted((SRC / "aka").rglob("*.py")):
        module = module_name(path)
        if not within(module, packages):
            continue
        source = path.read_text(encoding="utf-8")
        package = path.name == "__init__.py"
        for line, name in imported(source, module, package=package):
            if within(name, forbidden):
                found.append(f"{path.relative_to(SRC.parent)}:{line} imports {name}")
    return sorted(set(found))


@pytest.mark.parametrize("layer", BELOW_THE_FACES)
def test_nothing_below_the_faces_imports_them(layer: str) -> None:
    """The engine, the use cases, the stores and the core never import `aka.http`,
    `aka.cli` or `aka.app`: the write engine runs with no HTTP in it, and a door is
    only a translation over what lies below."""
    assert (SRC / layer.replace(".", "/") / "__init__.py").exists()  # no vacuous pass
    assert upward_imports((layer,), TOP) == []


def test_the_core_imports_nothing_else_of_ours() -> None:
    """`aka.core` is pure: it imports only itself."""
    others = tuple(
        module_name(p)
        for p in sorted((SRC / "aka").iterdir())
        if p.name not in {"core", "__init__.py"}
        and (p.suffix == ".py" or (p / "__init__.py").exists())
    )
    assert "aka.engine" in others  # the list is read from the tree, not written down
    assert upward_imports(("aka.core",), others) == []


def test_no_door_says_what_a_use_case_will_read() -> None:
    """Doors and the CLI build commands (`aka.service.commands`), which derive what
    they will read from their own fields, and fold the commands' outcomes: none
    imports `Reads` or the bulk runner, nor runs items one savepoint at a time itself
    (`aka.service.batch`): the engine does."""
    restating = ("aka.service.bulk", "aka.service.batch", "aka.service.commands.Reads")
    assert upward_imports(("aka.http", "aka.cli"), restating) == []


READ_USE_CASES = (
    "aka.service.queries",
    "aka.service.refs",
    "aka.service.check",
    "aka.engine.read_batch",
)
"""Modules that only read: resolve, history, explain, expand, the feed, `aka check`, and
the read batcher."""


def test_read_use_cases_take_the_read_ports_only() -> None:
    """What only reads is typed against `GraphReads`, `EventLogReads` or `ReadView`,
    never the whole `Transaction` (ADR 0015): the type checker then refuses an append, a
    savepoint or a record write in them."""
    for module in READ_USE_CASES:  # no vacuous pass: each module is there
        assert (SRC / (module.replace(".", "/") + ".py")).exists(), module
    assert upward_imports(READ_USE_CASES, ("aka.core.ports.Transaction",)) == []


def test_the_walk_sees_every_form_of_import() -> None:
    """The check itself: plain, from, relative, `TYPE_CHECKING`-only and function-local
    imports are all seen, so a rule above cannot pass by not looking."""
    source = """
import aka.http.app
from aka import cli
from ..http import routing
from . import group_commit
from typing import TYPE_CHECKING
if TYPE_CHECKING:
    from aka.app import build_app
def later():
    import aka.cli.main
"""
    names = {name for _, name in imported(source, "aka.engine.runtime")}
    assert {
        "aka.http.app",
        "aka.cli",
        "aka.http.routing",
        "aka.engine.group_commit",
        "aka.app.build_app",
        "aka.cli.main",
    } <= names
    as_package = {name for _, name in imported("from .x import y", "aka.engine", package=True)}
    assert "aka.engine.x.y" in as_package
