"""A results file as the Markdown table `docs/performance.md` holds:
`python -m bench.markdown bench/results/latest.json`.

It reads only the JSON, so the table in the docs is the one the run printed, copied
rather than re-typed.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from bench.report import fmt


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _row(figure: dict[str, Any]) -> str:
    unit = figure["unit"]
    floor = figure.get("floor") or {}
    if figure["status"] != "ok":
        cells = [figure["label"], figure["backend"], figure["status"], "", "", "", ""]
    else:
        ratio = figure.get("ratio")
        met = figure.get("met")
        cells = [
            figure["label"] + (f" (floor: {floor['label']})" if floor else ""),
            figure["backend"],
            fmt(figure["aka"]["median"], unit),
            fmt(floor.get("median"), unit) if floor else "-",
            "-" if ratio is None else f"{ratio:.2f}",
            figure.get("target") or "",
            "" if met is None else ("met" if met else "missed"),
        ]
    return "| " + " | ".join(_cell(str(c)) for c in cells) + " |"


def table(document: dict[str, Any]) -> str:
    machine = document.get("machine", {})
    versions = document.get("versions", {})
    head = [
        f"Command: `{document.get('command', '')}`; date {document.get('date', '?')}; "
        f"commit {document.get('git_commit', '?')}.",
        f"Machine: {json.dumps(machine, sort_keys=True)}.",
        f"Versions: {json.dumps(versions, sort_keys=True)}.",
        "",
        "| scenario | backend | aka | floor | ratio | target | met? |",
        "|---|---|---|---|---|---|---|",
    ]
    return "\n".join(head + [_row(f) for f in document["figures"]]) + "\n"


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m bench.markdown RESULTS.json", file=sys.stderr)
        return 2
    sys.stdout.write(table(json.loads(Path(argv[0]).read_text())))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
