"""The Coveo door: Push API security identities (`/push/v1/organizations/...`) and the
Security Cache expansion (`/rest/organizations/...`). See docs/dialects/coveo.md."""

from __future__ import annotations

from collections.abc import Mapping

import anyio
import anyio.abc

from aka.core.rates import Rate, parse_rate
from aka.engine.job_worker import JobWorker
from aka.http.dialects import DialectContext
from aka.http.dialects.coveo import batch, expansion, files, push
from aka.http.dialects.coveo.auth import bearer_for_org
from aka.http.dialects.coveo.wire import ErrorOut, render_error
from aka.http.ratelimit import rate_limit_interceptor
from aka.http.routing import RouteGroup
from aka.security.ratelimit_policy import RateLimitPolicy

GROUP = "coveo"
ABOUT = (
    "Coveo's Push API security identities and Security Cache expansion at Coveo's own "
    "paths (docs/dialects/coveo.md). Errors: `{errorCode, message}` (invalid input is "
    "400). The organization id is the workspace id."
)
SECURITY = (
    {
        "coveoBearer": {
            "type": "http",
            "scheme": "bearer",
            "description": "An aka key of the organization's workspace: `Authorization: "
            "Bearer <key>`. Coveo privilege names work as scopes (`Security identities "
            "| Edit`, `Security identities | View`).",
        }
    },
)


def groups(ctx: DialectContext) -> list[RouteGroup]:
    rt = ctx.rt

    async def workspace_limits(workspace_id: str) -> Mapping[str, Rate]:
        return await rt.read(workspace_id, lambda tx: tx.settings().rate_limits, primary=True)

    policy = RateLimitPolicy(
        # The server's default for this door is its native write limit.
        {GROUP: parse_rate(rt.settings.rate_limit_write)},
        workspace_limits,
        cache_seconds=rt.settings.rate_limit_cache_seconds,
    )
    limits = rate_limit_interceptor(
        ctx.limiter, policy, group_of=lambda _: GROUP, door="coveo", metrics=rt.metrics
    )
    authenticate = bearer_for_org(rt)

    def face(prefix: str, *, keyed: bool = True) -> RouteGroup:
        return RouteGroup(
            prefix=prefix,
            authenticate=authenticate if keyed else None,
            error_renderer=render_error,
            error_schema=ErrorOut,
            error_media_type="application/json",
            tags=("coveo",),
            interceptors=(limits,) if keyed else (),
            # Coveo ignores query parameters it does not know (docs/dialects/coveo.md).
            refuse_unknown_query=False,
            security=SECURITY,
            errors=(429,) if keyed else (),
            about=ABOUT,
        )

    pushing = face("/push/v1/organizations")
    push.register(pushing, rt)
    files.register(pushing, rt)
    batch.register(pushing, rt)
    uploads = face(files.UPLOAD_PREFIX, keyed=False)  # the URI's token authorises
    files.register_upload(uploads, rt)
    worker = JobWorker(
        rt.store,
        {batch.KIND: batch.BATCH_JOB},
        rt.settings.job_lease_seconds,
        metrics=rt.metrics,
    )
    running: list[anyio.abc.TaskGroup] = []

    async def start() -> None:
        group = anyio.create_task_group()
        await group.__aenter__()
        group.start_soon(worker.run)
        running.append(group)

    async def stop() -> None:
        await worker.stop()
        for group in running:
            await group.__aexit__(None, None, None)

    ctx.startup.append(start)
    ctx.shutdown.append(stop)
    cache = face("/rest/organizations")
    expansion.register(cache, rt)
    return [pushing, uploads, cache]
