"""Regenerate aka-client from aka's native OpenAPI document (`make client`; ADR 0020).

1. Build the app in-process with every vendor door closed and take `/openapi.json`: the
   native API's document, written to `clients/python/openapi.json` (committed, so a test
   can tell when the client is stale).
2. Prepare the generator's input from it: error answers are dropped (the client raises
   them as typed exceptions, it never returns them) and every write gets the
   `Idempotency-Key` header aka accepts.
3. Run the pinned openapi-python-client (with aka's endpoint template) into a temporary
   directory and replace the generated modules of `src/aka_client/` with its output. The
   hand-written modules (`__init__`, `connection`, `problems`, `retry`) are left alone.

Same document in, byte-identical files out: the generator and its formatter are pinned
(`codegen/requirements.txt`). `--check` regenerates into a temporary copy and fails if
anything differs from what is committed.
"""

from __future__ import annotations

import argparse
import copy
import filecmp
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any, Final

HERE: Final = Path(__file__).resolve().parent
DOCUMENT: Final = HERE / "openapi.json"
PACKAGE: Final = HERE / "src" / "aka_client"
CODEGEN: Final = HERE / "codegen"
# What the generator writes and `make client` replaces; everything else in the package is
# hand-written. `_document.py` records which document the generated modules came from.
GENERATED: Final = ("api", "models", "client.py", "errors.py", "types.py")
SOURCE_RECORD: Final = "_document.py"
DEFAULT_GENERATOR: Final = HERE.parents[1] / ".venv-codegen" / "bin" / "openapi-python-client"
_WRITES: Final = frozenset({"post", "put", "patch", "delete"})
# The native API is `/v1` and the server's own probes, which every door shares.
_PROBES: Final = frozenset({"/healthz", "/readyz"})
_IDEMPOTENCY_DOC: Final = (
    "Makes the write safe to resend: its first successful answer is stored and replayed "
    "for a retry with the same key and request (README, 'Retries: Idempotency-Key')."
)
_IDEMPOTENCY_KEY: Final[dict[str, Any]] = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": _IDEMPOTENCY_DOC,
    "schema": {"type": "string", "minLength": 1, "maxLength": 255, "description": _IDEMPOTENCY_DOC},
}


def native_document() -> dict[str, Any]:
    """aka's `/openapi.json` with no vendor door open: the native API's document, on
    default settings whatever the environment says (`AKA_BATCH_MAX_OPERATIONS` is a
    `maxItems` in it, and the committed copy must not depend on who generated it)."""
    from pydantic_settings import BaseSettings, PydanticBaseSettingsSource  # noqa: PLC0415
    from starlette.testclient import TestClient  # noqa: PLC0415 (a dev dependency, only here)

    from aka.app import build_app  # noqa: PLC0415 (keeps `--help` free of aka's imports)
    from aka.config import Settings  # noqa: PLC0415

    class Defaults(Settings):
        @classmethod
        def settings_customise_sources(
            cls,
            settings_cls: type[BaseSettings],
            init_settings: PydanticBaseSettingsSource,
            env_settings: PydanticBaseSettingsSource,
            dotenv_settings: PydanticBaseSettingsSource,
            file_secret_settings: PydanticBaseSettingsSource,
        ) -> tuple[PydanticBaseSettingsSource, ...]:
            del settings_cls, env_settings, dotenv_settings, file_secret_settings
            return (init_settings,)  # no AKA_* variable, no .env file, no secrets dir

    # A key of our own, so bootstrap does not print a fresh admin secret. `/metrics` is
    # the Prometheus scrape, for a scraper rather than an API client (ADR 0028).
    settings = Defaults(
        database_url="memory://", dialects="none", admin_key="aka_codegen_key", metrics="off"
    )
    answer = TestClient(build_app(settings)).get("/openapi.json")
    answer.raise_for_status()
    document: dict[str, Any] = answer.json()
    strays = [
        path for path in document["paths"] if not path.startswith("/v1/") and path not in _PROBES
    ]
    if strays:
        raise ValueError(f"not native routes, yet in the native document: {strays}")
    return document


def render(document: dict[str, Any]) -> str:
    """The committed form of a document: stable, readable in a diff."""
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def client_document(native: dict[str, Any]) -> dict[str, Any]:
    """The generator's input: success answers only, `Idempotency-Key` on every write."""
    document = copy.deepcopy(native)
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            _check_supported(path, method, operation)
            operation["responses"] = {
                status: answer
                for status, answer in operation["responses"].items()
                if status.startswith("2")
            }
            parameters = operation.setdefault("parameters", [])
            declared = {(p["in"], p["name"].lower()) for p in parameters}
            if method in _WRITES and ("header", "idempotency-key") not in declared:
                parameters.append(dict(_IDEMPOTENCY_KEY))
    return document


def _check_supported(path: str, method: str, operation: dict[str, Any]) -> None:
    """What `codegen/templates/endpoint_module.py.jinja` handles: JSON bodies, no cookies."""
    body = operation.get("requestBody", {}).get("content", {})
    if set(body) - {"application/json"}:
        raise ValueError(f"{method.upper()} {path}: a body other than JSON: {sorted(body)}")
    if any(p["in"] == "cookie" for p in operation.get("parameters", [])):
        raise ValueError(f"{method.upper()} {path}: cookie parameters are not supported")


def generate(document_text: str, generator: Path, package: Path) -> None:
    """Generate the client of `document_text` and put its modules into `package`."""
    with tempfile.TemporaryDirectory(prefix="aka-client-") as tmp:
        source = Path(tmp) / "openapi.json"
        source.write_text(render(client_document(json.loads(document_text))))
        out = Path(tmp) / "aka_client"
        # The post hooks run `ruff` from PATH: the pinned one beside the generator (an
        # absolute directory: the generator runs elsewhere).
        bin_dir = generator.resolve().parent
        env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}
        done = subprocess.run(  # noqa: S603 (our pinned generator, our arguments)
            [
                str(generator),
                "generate",
                "--path",
                str(source),
                "--output-path",
                str(out),
                "--meta",
                "none",
                "--config",
                str(CODEGEN / "config.yaml"),
                "--custom-template-path",
                str(CODEGEN / "templates"),
                "--fail-on-warning",
            ],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise SystemExit(f"openapi-python-client failed:\n{done.stdout}{done.stderr}")
        for name in GENERATED:
            target = package / name
            if target.is_dir():
                shutil.rmtree(target)
            elif target.exists():
                target.unlink()
            if (out / name).is_dir():
                shutil.copytree(out / name, target)
            else:
                shutil.copy2(out / name, target)
    (package / SOURCE_RECORD).write_text(
        '"""Written by `make client`: the document the generated modules were made from."""\n'
        "\n"
        f'DOCUMENT_SHA256 = "{sha256(document_text)}"\n'
    )


def _differences(left: Path, right: Path) -> list[str]:
    """Files that differ between two trees, or exist in only one (relative paths)."""
    found: list[str] = []

    def walk(cmp: filecmp.dircmp[str], prefix: str) -> None:
        found.extend(prefix + name for name in cmp.left_only + cmp.right_only)
        _, mismatch, errors = filecmp.cmpfiles(cmp.left, cmp.right, cmp.common_files, shallow=False)
        found.extend(prefix + name for name in mismatch + errors)
        for name, sub in cmp.subdirs.items():
            walk(sub, f"{prefix}{name}/")

    walk(filecmp.dircmp(left, right, ignore=["__pycache__"]), "")
    return sorted(found)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--generator", type=Path, default=DEFAULT_GENERATOR)
    parser.add_argument(
        "--check", action="store_true", help="fail if regenerating would change any file"
    )
    args = parser.parse_args(argv)
    if not args.generator.exists():
        print(f"{args.generator} is missing: run `make client`", file=sys.stderr)
        return 2
    text = render(native_document())
    if not args.check:
        DOCUMENT.write_text(text)
        generate(text, args.generator, PACKAGE)
        print(f"aka-client regenerated from the native document ({sha256(text)[:12]})")
        return 0
    with tempfile.TemporaryDirectory(prefix="aka-client-check-") as tmp:
        copied = Path(tmp) / "aka_client"
        shutil.copytree(PACKAGE, copied, ignore=shutil.ignore_patterns("__pycache__"))
        generate(text, args.generator, copied)
        stale = _differences(PACKAGE, copied)
    if DOCUMENT.read_text() != text:
        stale.insert(0, str(DOCUMENT.relative_to(HERE)))
    if stale:
        print("aka-client is stale; run `make client`. Differs: " + ", ".join(stale))
        return 1
    print("aka-client is current")
    return 0


if __name__ == "__main__":
    sys.exit(main())
