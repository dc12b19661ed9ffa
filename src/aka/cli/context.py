"""Opening the store a command works on (the one `AKA_DATABASE_URL` names)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from aka import config
from aka.core.ports import Store
from aka.storage import open_store


@contextmanager
def opened_store(*, migrate: bool = True) -> Iterator[Store]:
    settings = config.load()
    store = open_store(settings.database_url, sqlite_synchronous=settings.sqlite_synchronous)
    try:
        if migrate:
            store.migrate()
        yield store
    finally:
        store.close()
