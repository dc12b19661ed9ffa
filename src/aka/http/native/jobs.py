"""`GET /v1/jobs/{id}`: a background job's status, progress and per-item errors."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec

from aka.engine.runtime import Runtime
from aka.http.native.common import KeyPath, principal
from aka.http.routing import RequestContext, RouteGroup
from aka.security.keys import Scope
from aka.service import jobs


class JobOut(msgspec.Struct):
    """`status`: queued, running, done or failed. `done` items were applied (`failed`
    of them were refused, the first 100 listed in `errors` with their `item` index)."""

    id: str
    kind: str
    status: str
    done: int
    failed: int
    total: int | None
    errors: list[dict[str, Any]]
    created_at: datetime
    updated_at: datetime


def register(group: RouteGroup, rt: Runtime) -> None:
    @group.get(
        "/jobs/{id}",
        path_params=KeyPath,
        response=JobOut,
        scopes=(Scope.READ,),
        errors=(404,),
        tags=("jobs",),
        summary="A background job's progress",
    )
    async def get_job(ctx: RequestContext[None, None, KeyPath]) -> JobOut:
        job_id, who = ctx.path.id, principal(ctx.auth)
        mine = who.key_id if who.namespaces.limited else None
        job = await rt.read(
            who.workspace_id, lambda tx: jobs.get(tx, job_id, started_by=mine), primary=True
        )
        return JobOut(
            job.id,
            job.kind,
            job.status,
            job.done,
            job.failed,
            job.total,
            [dict(e) for e in job.errors],
            job.created_at,
            job.updated_at,
        )
