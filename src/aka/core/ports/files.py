"""File containers: uploads kept in the database in chunks until a job applies them or
they expire (ADR 0006)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True, slots=True)
class FileRecord:
    """A file container: written through an upload URL holding the token whose hash is
    kept here, until `expires_at`. `size` is None until an upload completed."""

    id: str
    token_hash: str
    created_at: datetime
    expires_at: datetime
    size: int | None = None


class Files(Protocol):
    """The workspace's file containers and their content (`tx.files`)."""

    def add(self, file: FileRecord) -> None:
        """Store a new, empty file container of this workspace."""

    def get(self, file_id: str) -> FileRecord | None:
        """This workspace's file container, or None."""

    def write_chunk(self, file_id: str, n: int, data: bytes) -> None:
        """Store chunk `n` (0, 1, ...) of the container's content; chunk 0 first drops
        whatever an earlier upload left, and marks the upload incomplete again."""

    def finish(self, file_id: str, size: int) -> None:
        """Mark the container's upload complete with `size` bytes."""

    def chunk(self, file_id: str, n: int) -> bytes | None:
        """Chunk `n` of the container's content, or None past the last one."""

    def remove(self, file_id: str) -> None:
        """Forget the container and its content."""

    def purge(self, now: datetime) -> int:
        """Remove every container of this workspace expired at `now`, with its content
        (an expired upload is never applied). How many were removed."""
