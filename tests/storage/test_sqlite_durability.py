"""SQLite's durability level, `AKA_SQLITE_SYNCHRONOUS`: `normal` by default (safe from a
killed process), `full` on request (safe from power loss too), on every connection the
store opens: the writers' pool and each thread's reader. Only SQLite has the setting."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import get_args

import pytest
from pydantic import ValidationError

from aka.cli.context import opened_store
from aka.config import Settings
from aka.storage import open_store
from aka.storage.sqlite import SYNCHRONOUS_LEVELS, SqliteStore

NORMAL, FULL = 1, 2  # what `PRAGMA synchronous` answers


def _levels(store: SqliteStore) -> tuple[int, int]:
    """`PRAGMA synchronous` on a pooled (writer) connection and on this thread's reader."""
    with store.engine.connect() as conn:
        writer = conn.exec_driver_sql("PRAGMA synchronous").scalar()
    reader = store._readers.idle()
    assert reader is not None
    raw: sqlite3.Connection = reader.raw
    (read_level,) = raw.execute("PRAGMA synchronous").fetchone()
    return int(writer), int(read_level)


@pytest.fixture
def url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'aka.db'}"


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, url: str) -> pytest.MonkeyPatch:
    """The environment of a process with only `AKA_DATABASE_URL` set."""
    for name in Settings.model_fields:
        monkeypatch.delenv(f"AKA_{name.upper()}", raising=False)
    monkeypatch.setenv("AKA_DATABASE_URL", url)
    return monkeypatch


def test_the_default_is_normal_on_every_connection(url: str) -> None:
    """Without the setting, writers and readers run `synchronous=NORMAL`."""
    store = open_store(url)
    assert isinstance(store, SqliteStore)
    try:
        assert _levels(store) == (NORMAL, NORMAL)
    finally:
        store.close()


def test_full_reaches_writers_and_readers(url: str) -> None:
    """`full` is set on the pool's connections and on the per-thread readers alike."""
    store = open_store(url, sqlite_synchronous="full")
    assert isinstance(store, SqliteStore)
    try:
        assert _levels(store) == (FULL, FULL)
    finally:
        store.close()


def test_the_setting_is_read_from_the_environment(env: pytest.MonkeyPatch) -> None:
    """`AKA_SQLITE_SYNCHRONOUS=FULL` (any case) opens the CLI's store with `full`."""
    env.setenv("AKA_SQLITE_SYNCHRONOUS", " FULL ")
    assert Settings().sqlite_synchronous == "full"
    with opened_store() as store:
        assert isinstance(store, SqliteStore)
        assert _levels(store) == (FULL, FULL)


@pytest.mark.parametrize("bad", ["off", "extra", "2", ""])
def test_other_levels_are_refused_naming_the_setting(env: pytest.MonkeyPatch, bad: str) -> None:
    """`off` would lose commits to a killed process and `extra` adds nothing under WAL:
    anything but `normal` or `full` is refused at startup, naming the setting and the
    levels it accepts."""
    env.setenv("AKA_SQLITE_SYNCHRONOUS", bad)
    with pytest.raises(ValidationError) as refused:
        Settings()
    message = str(refused.value)
    assert "sqlite_synchronous" in message
    assert "'normal' or 'full'" in message


def test_the_setting_and_the_store_offer_the_same_levels() -> None:
    """One list of levels: the setting accepts exactly what the store can run."""
    annotation = Settings.model_fields["sqlite_synchronous"].annotation
    assert get_args(annotation) == SYNCHRONOUS_LEVELS


def test_the_store_refuses_an_unknown_level(url: str) -> None:
    """A level given in code, not through the settings, is checked too."""
    with pytest.raises(ValueError, match="synchronous must be one of normal, full"):
        SqliteStore(url, synchronous="off")  # type: ignore[arg-type]
