"""Fixtures every vendor door's suite shares: the app with every door open, on each
backend (`database_url`, `settings_overrides` and `store` come from tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from aka.app import build_app
from aka.config import Settings
from aka.core.ports import Store
from tests.http.conftest import ADMIN_KEY


@pytest.fixture
def settings(database_url: str, settings_overrides: dict[str, Any]) -> Settings:
    return Settings(database_url=database_url, admin_key=ADMIN_KEY, **settings_overrides)


@pytest.fixture
def client(settings: Settings, store: Store) -> Iterator[TestClient]:
    """The app with no default credentials: each request says how it authenticates."""
    with TestClient(build_app(settings, store=store)) as c:
        yield c
