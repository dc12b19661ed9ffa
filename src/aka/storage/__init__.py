"""Store implementations: SQLite (default), PostgreSQL, and the memory twin."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from aka.core.ports import Store

if TYPE_CHECKING:
    from aka.storage.sqlite import Synchronous


def open_store(
    url: str, *, read_urls: Sequence[str] = (), sqlite_synchronous: Synchronous = "normal"
) -> Store:
    """The store for a database URL; it is not migrated here (`Store.migrate()` does).

    `sqlite:///path` (or `sqlite+pysqlite:///path`) opens a SQLite file;
    `postgresql://...` (or `postgres://...`, `postgresql+psycopg://...`) a PostgreSQL
    database through psycopg 3; `memory://` an empty in-memory twin. Any other scheme is
    a ValueError naming it. `read_urls`: PostgreSQL read replicas
    (`AKA_READ_DATABASE_URL`), a ValueError with any other store. `sqlite_synchronous`
    is SQLite's durability level (`AKA_SQLITE_SYNCHRONOUS`); other backends ignore it.
    """
    scheme = url.partition("://")[0].lower() if "://" in url else url.partition(":")[0]
    # Imported lazily: a memory-only test run never loads SQLAlchemy, and a backend's
    # optional driver is only needed by those who use it.
    if read_urls and scheme not in ("postgres", "postgresql", "postgresql+psycopg"):
        raise ValueError(
            "read replicas (AKA_READ_DATABASE_URL) need a PostgreSQL store;"
            f" this store's scheme is {scheme!r}"
        )
    if url == "memory://":
        from aka.storage.memory import MemoryStore  # noqa: PLC0415

        return MemoryStore()
    if scheme in ("sqlite", "sqlite+pysqlite"):
        from aka.storage.sqlite import SqliteStore  # noqa: PLC0415

        return SqliteStore(url, synchronous=sqlite_synchronous)
    if scheme in ("postgres", "postgresql", "postgresql+psycopg"):
        from aka.storage.postgres import PostgresStore  # noqa: PLC0415

        return PostgresStore(url, read_urls=read_urls)
    raise ValueError(
        f"unsupported database URL scheme {scheme!r}: use sqlite:///path/to/aka.db,"
        " postgresql://user@host/dbname or memory://"
    )
