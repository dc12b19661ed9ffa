"""Opening the store a command works on (the one `AKA_DATABASE_URL` names)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from aka import config
from aka.core.ports import Store
from aka.storage import open_store

log = logging.getLogger("aka")


@contextmanager
def opened_store(*, migrate: bool = True, replicas: bool = False) -> Iterator[Store]:
    """The store; `replicas`: its reads may go to the read replicas
    (`AKA_READ_DATABASE_URL`). Only `aka export` asks: a command has no earlier write
    to wait for, and the others either write or check the primary itself."""
    settings = config.load()
    store = open_store(
        settings.database_url,
        read_urls=settings.read_database_urls if replicas else (),
        sqlite_synchronous=settings.sqlite_synchronous,
    )
    try:
        if migrate:
            applied = store.migrate()
            if applied:
                log.info("migrated the store: applied %s", ", ".join(applied))
        yield store
    finally:
        store.close()
