"""`aka backup`: a consistent copy of a live SQLite store, taken with SQLite's online
backup API while aka keeps serving (ADR 0029).

The copy is made in one step (`Connection.backup(pages=-1)`): one read transaction, so
one snapshot, which under WAL never blocks a writer and is never restarted by one. (In
steps of a few pages, each write to the source between two steps would restart the
copy, and a store written all the time might never finish.) PostgreSQL has its own
tools, which this module only names.
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from sqlalchemy.engine import make_url

from aka.storage.sqlite import BUSY_TIMEOUT_MS

PG_DUMP_HINT: Final = (
    "`aka backup` copies a SQLite store; for PostgreSQL use its own tools, which take a"
    " consistent snapshot while aka keeps writing: `pg_dump --format=custom"
    " --file=aka.dump DBURL`, restored with `pg_restore --no-owner --dbname=NEWDBURL"
    " aka.dump` (docs/operations.md)"
)


class BackupRefused(Exception):  # noqa: N818 - a refusal the CLI prints, not a bug
    """Why no backup was made, in words for the operator."""


@dataclass(frozen=True)
class Backup:
    """What a backup holds: where, its size, and each workspace's last event."""

    path: Path
    size_bytes: int
    last_seq: dict[str, int]


def backup(database_url: str, dest: Path) -> Backup:
    """Copy the SQLite store at `database_url` to the new file `dest`, consistently,
    while other processes keep writing to it. Every write committed before the call
    began is in the copy. The copy is a single self-contained file (rollback-journal
    mode; aka puts it back in WAL when it opens it), checked with `quick_check`, readable
    by its owner only, and appears at `dest` only once complete. Raises BackupRefused
    for another kind of store, a missing store, or a `dest` that exists."""
    source = _sqlite_path(database_url)
    if dest.exists():
        raise BackupRefused(f"{dest} already exists: name a new file")
    if not dest.parent.is_dir():
        raise BackupRefused(f"{dest.parent} is not a directory")
    fd, partial_name = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".partial", dir=dest.parent)
    os.close(fd)
    partial = Path(partial_name)
    try:
        os.chmod(partial, 0o600)  # the graph is personal data
        last_seq = _copy(source, partial)
        with partial.open("rb") as written:
            os.fsync(written.fileno())
        os.replace(partial, dest)
        _fsync_dir(dest.parent)
    finally:
        partial.unlink(missing_ok=True)
    return Backup(dest, dest.stat().st_size, last_seq)


def _sqlite_path(database_url: str) -> Path:
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite":
        raise BackupRefused(
            "memory:// keeps nothing to back up"
            if database_url == "memory://"
            else PG_DUMP_HINT
            if url.get_backend_name() == "postgresql"
            else f"cannot back up a {url.get_backend_name()!r} store"
        )
    if not url.database:
        raise BackupRefused(f"{database_url} names no file")
    path = Path(url.database)
    if not path.is_file():
        raise BackupRefused(f"there is no store at {path} (AKA_DATABASE_URL)")
    return path


def _copy(source: Path, dest: Path) -> dict[str, int]:
    """The online backup of `source` into `dest`; each workspace's last_seq in the copy."""
    src = sqlite3.connect(source, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
    try:
        out = sqlite3.connect(dest, isolation_level=None)
        try:
            src.backup(out, pages=-1)  # one step: one snapshot (module docstring)
            # The copy carries the source's WAL mode in its header; a backup is one file.
            out.execute("PRAGMA journal_mode=DELETE")
            check = [row[0] for row in out.execute("PRAGMA quick_check")]
            if check != ["ok"]:
                raise BackupRefused(f"the copy failed SQLite's quick_check: {check[:5]}")
            return dict(out.execute("SELECT id, last_seq FROM workspaces ORDER BY id").fetchall())
        finally:
            out.close()
    finally:
        src.close()


def _fsync_dir(directory: Path) -> None:
    """Make the rename that published the backup survive a crash too."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
