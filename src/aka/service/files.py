"""File containers: somewhere to upload a batch file, reachable by an unguessable token.

The upload URL carries a random token (kept only as its hash), like a presigned URL:
holding it is the permission to write the container, until it expires.
"""

from __future__ import annotations

import hmac
import secrets
from datetime import datetime, timedelta
from typing import Final

import uuid_utils

from aka.core.errors import AkaError, Code
from aka.core.ports import FileRecord, Transaction
from aka.security.keys import hash_secret

TTL: Final = timedelta(minutes=60)
MAX_BYTES: Final = 256 * 1024 * 1024
CHUNK_BYTES: Final = 1024 * 1024


def create(tx: Transaction, now: datetime) -> tuple[FileRecord, str]:
    """A new empty container and the token of its upload URL (shown once)."""
    ttl = TTL  # read at call time: tests shorten it
    token = secrets.token_urlsafe(32)
    record = FileRecord(f"file_{uuid_utils.uuid7().hex}", hash_secret(token), now, now + ttl)
    tx.files.add(record)
    return record, token


def _live(tx: Transaction, file_id: str, now: datetime) -> FileRecord:
    found = tx.files.get(file_id)
    if found is None or found.expires_at <= now:
        raise AkaError(
            Code.FILE_NOT_FOUND,
            f"no file container {file_id!r}, or it expired",
            field="fileId",
        )
    return found


def writable(tx: Transaction, file_id: str, token: str, now: datetime) -> FileRecord:
    """The container an upload URL may write: FORBIDDEN for a wrong token (as a bad
    presigned URL is), FILE_NOT_FOUND once expired."""
    found = tx.files.get(file_id)
    if found is None or not hmac.compare_digest(found.token_hash, hash_secret(token)):
        raise AkaError(Code.FORBIDDEN, "this upload URL is not valid", field="token")
    return _live(tx, file_id, now)


def uploaded(tx: Transaction, file_id: str, now: datetime) -> FileRecord:
    """A live container whose upload completed; FILE_NOT_FOUND otherwise."""
    found = _live(tx, file_id, now)
    if found.size is None:
        raise AkaError(
            Code.FILE_NOT_FOUND, f"nothing was uploaded to {file_id!r} yet", field="fileId"
        )
    return found
