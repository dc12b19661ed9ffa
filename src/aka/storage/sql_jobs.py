"""Background jobs and file containers: the SQL behind `Transaction`'s job and file
methods (plain functions of a connection, mixed into every SQL transaction)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Row

from aka.core.ports import FileRecord, JobRecord
from aka.core.scrub import Scrubber
from aka.storage.sql_search import rows_holding
from aka.storage.tables import file_chunks, file_containers, jobs


def _job(row: Row[Any]) -> JobRecord:
    return JobRecord(
        id=row.id,
        kind=row.kind,
        status=row.status,
        params=dict(row.params),
        created_at=row.created_at,
        updated_at=row.updated_at,
        done=int(row.done),
        failed=int(row.failed),
        total=None if row.total is None else int(row.total),
        errors=tuple(dict(e) for e in row.errors),
        lease_until=row.lease_until,
    )


def _job_values(job: JobRecord) -> dict[str, Any]:
    return {
        "kind": job.kind,
        "status": job.status,
        "params": job.params,
        "done": job.done,
        "failed": job.failed,
        "total": job.total,
        "errors": list(job.errors),
        "created_at": job.created_at,
        "updated_at": job.updated_at,
        "lease_until": job.lease_until,
    }


class SqlJobs:
    """The Transaction methods for jobs and file containers."""

    _conn: Connection
    workspace_id: str

    def add_job(self, job: JobRecord) -> None:
        self._conn.execute(
            sa.insert(jobs).values(workspace_id=self.workspace_id, id=job.id, **_job_values(job))
        )

    def job(self, job_id: str) -> JobRecord | None:
        row = self._conn.execute(
            sa.select(jobs).where(jobs.c.workspace_id == self.workspace_id, jobs.c.id == job_id)
        ).one_or_none()
        return None if row is None else _job(row)

    def save_job(self, job: JobRecord) -> None:
        self._conn.execute(
            sa.update(jobs)
            .where(jobs.c.workspace_id == self.workspace_id, jobs.c.id == job.id)
            .values(**_job_values(job))
        )

    def runnable_jobs(self, now: datetime) -> list[str]:
        t = jobs
        mine = t.c.workspace_id == self.workspace_id
        rows = self._conn.execute(
            sa.select(t.c.id)
            .where(
                # The workspace in each arm of the OR: SQLite then searches the status
                # index once per status, instead of reading every job the workspace ever
                # ran on each poll (twice a second per process; ADR 0013).
                sa.or_(
                    sa.and_(mine, t.c.status == "queued"),
                    sa.and_(mine, t.c.status == "running", t.c.lease_until <= now),
                ),
            )
            .order_by(t.c.created_at, t.c.id)
        ).all()
        return [str(r.id) for r in rows]

    def scrub_jobs(self, scrubber: Scrubber) -> int:
        t = jobs
        mine = t.c.workspace_id == self.workspace_id
        found = list(
            rows_holding(self._conn, t, [t.c.params, t.c.errors], scrubber.needles(), mine)
        )
        for row in found:
            self._conn.execute(
                sa.update(t)
                .where(mine, t.c.id == row.id)
                .values(params=scrubber.document(row.params), errors=scrubber.document(row.errors))
            )
        return len(found)

    def add_file(self, file: FileRecord) -> None:
        self._conn.execute(
            sa.insert(file_containers).values(
                workspace_id=self.workspace_id,
                id=file.id,
                token_hash=file.token_hash,
                created_at=file.created_at,
                expires_at=file.expires_at,
                size=file.size,
            )
        )

    def file(self, file_id: str) -> FileRecord | None:
        t = file_containers
        row = self._conn.execute(
            sa.select(t).where(t.c.workspace_id == self.workspace_id, t.c.id == file_id)
        ).one_or_none()
        if row is None:
            return None
        size = None if row.size is None else int(row.size)
        return FileRecord(row.id, row.token_hash, row.created_at, row.expires_at, size)

    def _chunks_of(self, file_id: str) -> Any:
        return sa.and_(
            file_chunks.c.workspace_id == self.workspace_id, file_chunks.c.file_id == file_id
        )

    def write_file_chunk(self, file_id: str, n: int, data: bytes) -> None:
        if n == 0:
            self._conn.execute(sa.delete(file_chunks).where(self._chunks_of(file_id)))
            self._conn.execute(
                sa.update(file_containers)
                .where(
                    file_containers.c.workspace_id == self.workspace_id,
                    file_containers.c.id == file_id,
                )
                .values(size=None)
            )
        self._conn.execute(
            sa.insert(file_chunks).values(
                workspace_id=self.workspace_id, file_id=file_id, n=n, data=data
            )
        )

    def finish_file(self, file_id: str, size: int) -> None:
        t = file_containers
        self._conn.execute(
            sa.update(t)
            .where(t.c.workspace_id == self.workspace_id, t.c.id == file_id)
            .values(size=size)
        )

    def file_chunk(self, file_id: str, n: int) -> bytes | None:
        found = self._conn.execute(
            sa.select(file_chunks.c.data).where(self._chunks_of(file_id), file_chunks.c.n == n)
        ).scalar_one_or_none()
        return None if found is None else bytes(found)

    def purge_files(self, now: datetime) -> int:
        t = file_containers
        expired = sa.select(t.c.id).where(
            t.c.workspace_id == self.workspace_id, t.c.expires_at <= now
        )
        self._conn.execute(
            sa.delete(file_chunks).where(
                file_chunks.c.workspace_id == self.workspace_id, file_chunks.c.file_id.in_(expired)
            )
        )
        result = self._conn.execute(
            sa.delete(t).where(t.c.workspace_id == self.workspace_id, t.c.expires_at <= now)
        )
        return int(result.rowcount)

    def remove_file(self, file_id: str) -> None:
        self._conn.execute(sa.delete(file_chunks).where(self._chunks_of(file_id)))
        t = file_containers
        self._conn.execute(
            sa.delete(t).where(t.c.workspace_id == self.workspace_id, t.c.id == file_id)
        )
