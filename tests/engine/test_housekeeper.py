"""The housekeeper of `aka serve`: what has expired leaves every workspace on its own,
whichever doors are open (the job worker belongs to the Coveo door; this does not)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from starlette.testclient import TestClient

from aka.app import build_app
from aka.config import Settings
from aka.core.ports import FileRecord, Store, StoredAnswer
from aka.core.settings import WorkspaceSettings
from aka.engine.housekeeper import Housekeeper
from tests import conftest

NOW = datetime.now(UTC)
GONE = NOW - timedelta(minutes=1)


def expired_records(store: Store, workspace: str) -> None:
    with store.transaction(workspace) as tx:
        tx.answers.put("k", StoredAnswer("h", 201, [], b"{}", GONE - timedelta(days=1), GONE))
        tx.files.add(FileRecord("f", "t", GONE - timedelta(hours=1), GONE))
        tx.files.write_chunk("f", 0, b"abandoned")


def left(store: Store, workspace: str) -> tuple[bool, bool]:
    """(an answer row left, a file left): read beyond expiry, as the table holds them."""
    with store.transaction(workspace) as tx:
        return tx.answers.purge(NOW) > 0, tx.files.get("f") is not None


def test_one_sweep_covers_every_workspace(store: Store) -> None:
    store.create_workspace("default", WorkspaceSettings())
    store.create_workspace("other", WorkspaceSettings())
    expired_records(store, "default")
    expired_records(store, "other")

    swept = Housekeeper(store).sweep_all(NOW)

    assert (swept.answers, swept.files) == (2, 2)
    assert left(store, "default") == (False, False)
    assert left(store, "other") == (False, False)


@pytest.fixture
def settings(database_url: str) -> Settings:
    """The app's settings, and so the store's (`store`, tests/conftest.py)."""
    # No Coveo door, so no job worker: the sweep must not depend on it.
    return Settings(
        database_url=database_url,
        admin_key="test-admin-key",
        dialects="braze",
        housekeeping_seconds=0.05,
    )


@pytest.fixture
def app_store(settings: Settings) -> Iterator[Store]:
    """The app's own store (tests/conftest.py), not this folder's `store`."""
    yield from conftest.app_store(settings)


def test_a_running_server_sweeps_on_its_own(settings: Settings, app_store: Store) -> None:
    store = app_store
    """Expired records written while it runs are gone within a few sweeps."""
    with TestClient(build_app(settings, store=store)):
        expired_records(store, "default")
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with store.transaction("default", write=False) as tx:
                if tx.files.get("f") is None:
                    break
            time.sleep(0.05)
        with store.transaction("default", write=False) as tx:
            assert tx.files.get("f") is None
            assert tx.files.chunk("f", 0) is None
