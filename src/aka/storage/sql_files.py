"""File containers and their content in chunks (`Files`) over one connection."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from aka.core.ports import FileRecord
from aka.storage.tables import file_chunks as chunks
from aka.storage.tables import file_containers as t


@dataclass(frozen=True, slots=True)
class SqlFiles:
    """The `Files` of one workspace, in the transaction `conn` is in."""

    conn: Connection
    workspace_id: str

    def add(self, file: FileRecord) -> None:
        self.conn.execute(
            sa.insert(t).values(
                workspace_id=self.workspace_id,
                id=file.id,
                token_hash=file.token_hash,
                created_at=file.created_at,
                expires_at=file.expires_at,
                size=file.size,
            )
        )

    def get(self, file_id: str) -> FileRecord | None:
        row = self.conn.execute(sa.select(t).where(*self._file(file_id))).one_or_none()
        if row is None:
            return None
        size = None if row.size is None else int(row.size)
        return FileRecord(row.id, row.token_hash, row.created_at, row.expires_at, size)

    def write_chunk(self, file_id: str, n: int, data: bytes) -> None:
        if n == 0:
            self.conn.execute(sa.delete(chunks).where(*self._chunks(file_id)))
            self.conn.execute(sa.update(t).where(*self._file(file_id)).values(size=None))
        self.conn.execute(
            sa.insert(chunks).values(
                workspace_id=self.workspace_id, file_id=file_id, n=n, data=data
            )
        )

    def finish(self, file_id: str, size: int) -> None:
        self.conn.execute(sa.update(t).where(*self._file(file_id)).values(size=size))

    def chunk(self, file_id: str, n: int) -> bytes | None:
        found = self.conn.execute(
            sa.select(chunks.c.data).where(*self._chunks(file_id), chunks.c.n == n)
        ).scalar_one_or_none()
        return None if found is None else bytes(found)

    def remove(self, file_id: str) -> None:
        self.conn.execute(sa.delete(chunks).where(*self._chunks(file_id)))
        self.conn.execute(sa.delete(t).where(*self._file(file_id)))

    def purge(self, now: datetime) -> int:
        mine = t.c.workspace_id == self.workspace_id
        expired = sa.select(t.c.id).where(mine, t.c.expires_at <= now)
        self.conn.execute(
            sa.delete(chunks).where(
                chunks.c.workspace_id == self.workspace_id, chunks.c.file_id.in_(expired)
            )
        )
        result = self.conn.execute(sa.delete(t).where(mine, t.c.expires_at <= now))
        return int(result.rowcount)

    def _file(self, file_id: str) -> tuple[sa.ColumnElement[bool], ...]:
        return (t.c.workspace_id == self.workspace_id, t.c.id == file_id)

    def _chunks(self, file_id: str) -> tuple[sa.ColumnElement[bool], ...]:
        return (chunks.c.workspace_id == self.workspace_id, chunks.c.file_id == file_id)
