"""`GET /healthz` and `GET /readyz`: the probes a load balancer or orchestrator calls.

Declared as typed routes like any other, so `/openapi.json` describes them; no key, no
rate limit, and a query string is ignored (a probe's URL is configured elsewhere and
must not start failing for a parameter nobody reads).
"""

from __future__ import annotations

import msgspec
from starlette.responses import Response

from aka.engine.runtime import Runtime
from aka.http.routing import RequestContext, RouteGroup

__all__ = ["Health", "probes"]

_encode = msgspec.json.Encoder().encode


class Health(msgspec.Struct, omit_defaults=True):
    """`{"status": "ok"}`, `{"status": "ready"}`, or `{"status": "not ready", "reason"}`."""

    status: str
    reason: str | None = None


def probes(rt: Runtime) -> RouteGroup:
    group = RouteGroup(
        tags=("probes",),
        refuse_unknown_query=False,
        about="Liveness and readiness, for load balancers and orchestrators: no key.",
    )

    @group.get(
        "/healthz",
        response=Health,
        summary="Liveness: the process answers",
        operation_id="healthz",
    )
    async def healthz(_: RequestContext[None, None, None]) -> Health:
        return Health("ok")

    @group.get(
        "/readyz",
        response=Health,
        also=(503,),
        summary="Readiness: the store is reachable and migrated",
        description='503 `{status: "not ready", reason}` while the database cannot be '
        "reached or is not at the newest migration.",
        operation_id="readyz",
    )
    async def readyz(_: RequestContext[None, None, None]) -> Health | Response:
        # Through the runtime: during a database outage the probe may wait on the network.
        reason = await rt.call(rt.store.readiness)
        if reason is None:
            return Health("ready")
        content = _encode(Health("not ready", reason))
        return Response(content, 503, media_type="application/json")

    return group
