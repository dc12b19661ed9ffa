"""The one place where things are wired together: store, auth, routes, server hooks."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from functools import partial

import anyio
from starlette.applications import Starlette
from starlette.requests import Request

from aka import config
from aka.config import Settings
from aka.core.ports import Store
from aka.engine import job_worker
from aka.engine.feed import Feed
from aka.engine.housekeeper import Housekeeper
from aka.engine.runtime import Runtime
from aka.engine.webhook_worker import WebhookWorker
from aka.http import dialects, native
from aka.http.app import build_asgi
from aka.http.authentication import principal_of
from aka.http.console import console_routes
from aka.http.idempotency import idempotency_interceptor
from aka.http.metrics import metrics_routes
from aka.http.native.dry_run import previewer
from aka.http.native.schemas import DryRunAnswerOut
from aka.http.probes import probes
from aka.http.ratelimit import native_rate_limits
from aka.http.routing import Authenticate, Route, RouteGroup
from aka.http.stopping import on_stop_signal
from aka.logging import configure_logging
from aka.metrics import NULL, Metrics
from aka.security.auth import Principal, bearer_token, require_scopes
from aka.security.ratelimit import open_limiter
from aka.security.sessions import new_secret
from aka.service import admin
from aka.storage import open_store
from aka.storage.memory import MemoryStore
from aka.storage.sql_store import SqlStore

log = logging.getLogger("aka")

VERSION = "0.1.0"
DESCRIPTION = (
    "One identity graph behind several doors: the native API under `/v1`, and the Braze, "
    "Appizer, Coveo and Mimecast APIs at their own paths (each tagged with its door's "
    "name, with its own error body and way of authenticating; the doors `AKA_DIALECTS` "
    "leaves closed are not listed). The native API answers errors as RFC 9457 "
    "`application/problem+json`; docs/dialects/ in the repository describes each door."
)
# The native door's key: scopes per operation.
NATIVE_SECURITY = {
    "bearer": {
        "type": "http",
        "scheme": "bearer",
        "description": "An aka API key (`aka keys create`): `Authorization: Bearer <key>`. "
        "Each operation lists the scopes the key needs.",
    }
}


def _authenticator(rt: Runtime) -> Authenticate:
    async def authenticate(request: Request, route: Route) -> Principal:
        secret = bearer_token(request.headers.get("authorization"))
        found = await principal_of(rt, secret)
        require_scopes(found, route.scopes)
        return found

    return authenticate


def _networked(database_url: str, store: Store) -> bool:
    """Whether store calls may block on the network (then they leave the event loop)."""
    return database_url.startswith("postgres") and not isinstance(store, MemoryStore)


def build_app(settings: Settings, store: Store | None = None) -> Starlette:
    """The ASGI app over `store` (opened from settings.database_url when not given)."""
    own_store = store is None
    store = store or open_store(
        settings.database_url,
        read_urls=settings.read_database_urls,
        sqlite_synchronous=settings.sqlite_synchronous,
    )
    store.migrate()
    issued = admin.bootstrap(store, settings.admin_key)
    if issued is not None and settings.admin_key is None:
        log.warning("created workspace 'default' and admin key %s (shown once)", issued.secret)
    metrics = _metrics(settings, store)
    rt = Runtime(store, settings, offload=_networked(settings.database_url, store), metrics=metrics)
    limiter = open_limiter(settings.redis_url, key_prefix=settings.redis_prefix)
    authenticate = _authenticator(rt)
    group = RouteGroup(
        prefix="/v1",
        door="native",
        authenticate=authenticate,
        # Rate limits outermost: a refused request never reaches the idempotency store.
        interceptors=(native_rate_limits(rt, limiter), idempotency_interceptor(rt)),
        security=(NATIVE_SECURITY,),
        errors=(429,),
        preview=previewer(rt),
        dry_run_answer=DryRunAnswerOut,
    )
    feed = Feed(
        rt,
        max_streams=settings.events_stream_max,
        heartbeat_seconds=settings.events_stream_heartbeat_seconds,
        poll_seconds=settings.events_stream_poll_seconds,
    )
    native.register(group, rt, feed)
    dialect_ctx = dialects.DialectContext(rt, limiter)
    vendor_groups = dialects.build_groups(dialects.chosen(settings.dialects), dialect_ctx)

    housekeeper = Housekeeper(
        store,
        settings.housekeeping_seconds,
        deliveries_kept=timedelta(days=settings.webhook_deliveries_keep_days),
    )
    webhook_worker = WebhookWorker.from_settings(rt, settings)
    scrape = metrics_routes(rt, authenticate)

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        async with anyio.create_task_group() as group:
            group.start_soon(housekeeper.run)
            group.start_soon(webhook_worker.run)
            for start in dialect_ctx.startup:
                await start()
            # Streams end as soon as the process is told to stop: the server waits for
            # open requests before it runs the shutdown below (`http.stopping`).
            with on_stop_signal(feed.close):
                yield
            feed.close()
            for stop in reversed(dialect_ctx.shutdown):
                await stop()
            await webhook_worker.stop()
            await housekeeper.stop()
        await limiter.aclose()
        if own_store:
            store.close()

    console = (
        console_routes(
            rt,
            # `aka serve` draws one for all its workers when none is set; an app built
            # another way (tests, an embedding server) draws its own.
            secret=settings.console_secret or new_secret(),
            session_seconds=settings.console_session_seconds,
            writes=settings.console_writes,
        )
        if settings.console
        else []
    )
    return build_asgi(
        [group, *vendor_groups, probes(rt), *([scrape] if scrape is not None else [])],
        title="aka",
        version=VERSION,
        description=DESCRIPTION,
        max_body_bytes=settings.max_body_bytes,
        extra_routes=console,
        lifespan=lifespan,
        observe=metrics.request if metrics.enabled else None,
    )


def _metrics(settings: Settings, store: Store) -> Metrics:
    """What the app measures (`aka.metrics`): nothing when `AKA_METRICS=off`."""
    if settings.metrics == "off":
        return NULL
    metrics = Metrics()
    if isinstance(store, SqlStore):
        metrics.watch_pool(store.engine)
    metrics.read_job_queue(partial(job_worker.queue, store))
    return metrics


def create_app() -> Starlette:
    """Factory for the server process (`aka serve`): settings from the environment."""
    settings = config.load()
    configure_logging(settings.log_level, settings.log_format, batched=True)
    return build_app(settings)
