"""aka-client matches the native API it was generated from: a route or schema changed in
aka without `make client` fails here, naming the command to run."""

from __future__ import annotations

import importlib
import importlib.util
import json
from pathlib import Path
from types import ModuleType
from typing import Any

import aka_client
from aka_client import _document

ROOT = Path(__file__).resolve().parents[2]
CLIENT = ROOT / "clients" / "python"
STALE = "aka-client is stale against aka's native /openapi.json: run `make client` and commit"


def _generator() -> ModuleType:
    """clients/python/generate.py, the code behind `make client`."""
    spec = importlib.util.spec_from_file_location("aka_client_generate", CLIENT / "generate.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _committed() -> dict[str, Any]:
    document: dict[str, Any] = json.loads((CLIENT / "openapi.json").read_text())
    return document


def test_the_committed_document_is_the_live_native_document() -> None:
    """The copy the client was generated from equals the document aka serves today with
    its vendor doors closed (only `/v1` routes)."""
    generate = _generator()
    live = generate.render(generate.native_document())
    assert (CLIENT / "openapi.json").read_text() == live, STALE


def test_the_generated_modules_come_from_the_committed_document() -> None:
    """`make client` records the hash of the document it generated from; a document
    updated by hand, without regenerating, fails here."""
    generate = _generator()
    assert generate.sha256((CLIENT / "openapi.json").read_text()) == _document.DOCUMENT_SHA256, (
        STALE
    )


def test_every_native_route_has_sync_and_async_calls() -> None:
    """Each operation of the document is a module `aka_client.api.<tag>.<operationId>`
    with `sync`, `asyncio` and their `_detailed` forms."""
    operations = [
        (op["tags"][0], op["operationId"])
        for methods in _committed()["paths"].values()
        for op in methods.values()
    ]
    assert len(operations) >= 20
    for tag, operation_id in operations:
        module = importlib.import_module(f"aka_client.api.{tag}.{operation_id}")
        for name in ("sync", "asyncio", "sync_detailed", "asyncio_detailed"):
            assert callable(getattr(module, name, None)), f"{tag}.{operation_id}.{name}: {STALE}"


def test_the_package_is_typed() -> None:
    """aka-client ships `py.typed`, so type checkers read its annotations."""
    assert (Path(aka_client.__file__).parent / "py.typed").is_file()
