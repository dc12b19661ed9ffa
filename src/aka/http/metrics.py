"""`GET /metrics`: the Prometheus scrape (ADR 0028).

`AKA_METRICS` says who may read it: `key` (the default) an API key with the
`metrics:read` scope, refused in the native problem envelope (401 without a key, 403
without the scope); `open` anyone; `off` nobody: the route is not served (404) and
nothing is measured.
"""

from __future__ import annotations

import logging

from starlette.responses import Response

from aka.engine.runtime import Runtime
from aka.http.routing import Authenticate, RawBody, RequestContext, RouteGroup
from aka.metrics import CONTENT_TYPE, JobQueue
from aka.security.keys import Scope

__all__ = ["metrics_routes"]

log = logging.getLogger("aka.metrics")

TEXT: RawBody = RawBody(
    CONTENT_TYPE.partition(";")[0],
    {"type": "string", "description": "The Prometheus text exposition format 0.0.4."},
)


def metrics_routes(rt: Runtime, authenticate: Authenticate) -> RouteGroup | None:
    """The `/metrics` route as `AKA_METRICS` says (None when `off`)."""
    mode = rt.settings.metrics
    if mode == "off" or not rt.metrics.enabled:
        return None
    keyed = mode == "key"
    group = RouteGroup(
        tags=("metrics",),
        authenticate=authenticate if keyed else None,
        # A scraper's URL is configured elsewhere: a parameter nobody reads is ignored.
        refuse_unknown_query=False,
        about="Prometheus metrics of the whole server (every worker, every workspace).",
    )
    needs = " Requires a key with the `metrics:read` scope." if keyed else " No key."

    @group.get(
        "/metrics",
        response=TEXT,
        scopes=(Scope.METRICS_READ,) if keyed else (),
        summary="Prometheus metrics",
        description="Requests, graph operations, group-commit rounds, the job queue, the "
        "database pool and rate-limit refusals, summed over every worker of the server "
        "(README's Metrics)." + needs,
        operation_id="metrics",
    )
    async def metrics(_: RequestContext[None, None, None]) -> Response:
        queue: JobQueue | None = None
        try:
            queue = await rt.call(rt.metrics.job_queue)
        except Exception:  # the rest of the figures still help while the store is down
            log.warning("metrics: the job queue could not be read", exc_info=True)
        return Response(rt.metrics.render(queue), media_type=CONTENT_TYPE)

    return group
