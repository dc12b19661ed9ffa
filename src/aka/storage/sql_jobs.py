"""Background jobs (`Jobs`) over one connection."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Row

from aka.core.ports import JobRecord
from aka.core.scrub import Scrubber
from aka.storage.sql_search import rows_holding
from aka.storage.tables import jobs as t


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


@dataclass(frozen=True, slots=True)
class SqlJobs:
    """The `Jobs` of one workspace, in the transaction `conn` is in."""

    conn: Connection
    workspace_id: str

    def add(self, job: JobRecord) -> None:
        self.conn.execute(
            sa.insert(t).values(workspace_id=self.workspace_id, id=job.id, **_job_values(job))
        )

    def get(self, job_id: str) -> JobRecord | None:
        row = self.conn.execute(
            sa.select(t).where(t.c.workspace_id == self.workspace_id, t.c.id == job_id)
        ).one_or_none()
        return None if row is None else _job(row)

    def save(self, job: JobRecord) -> None:
        self.conn.execute(
            sa.update(t)
            .where(t.c.workspace_id == self.workspace_id, t.c.id == job.id)
            .values(**_job_values(job))
        )

    def runnable(self, now: datetime) -> list[str]:
        mine = t.c.workspace_id == self.workspace_id
        rows = self.conn.execute(
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

    def scrub(self, scrubber: Scrubber) -> int:
        mine = t.c.workspace_id == self.workspace_id
        found = list(rows_holding(self.conn, t, [t.c.params, t.c.errors], scrubber.needles(), mine))
        for row in found:
            self.conn.execute(
                sa.update(t)
                .where(mine, t.c.id == row.id)
                .values(params=scrubber.document(row.params), errors=scrubber.document(row.errors))
            )
        return len(found)
