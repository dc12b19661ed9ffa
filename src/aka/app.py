"""The one place where things are wired together: store, auth, routes, server hooks."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route as StarletteRoute

from aka import config
from aka.config import Settings
from aka.core.ports import Store
from aka.http import native
from aka.http.app import build_asgi
from aka.http.routing import Authenticate, Route, RouteGroup
from aka.http.runtime import Runtime
from aka.logging import configure_logging
from aka.security.auth import Principal, authenticate_secret, bearer_token, require_scopes
from aka.service import admin
from aka.storage import open_store

log = logging.getLogger("aka")

VERSION = "0.1.0"


def _authenticator(store: Store) -> Authenticate:
    async def authenticate(request: Request, route: Route) -> Principal:
        found = authenticate_secret(store, bearer_token(request.headers.get("authorization")))
        require_scopes(found, route.scopes)
        return found

    return authenticate


def _health_routes(store: Store) -> list[StarletteRoute]:
    async def healthz(_: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def readyz(_: Request) -> Response:
        reason = store.readiness()
        if reason is None:
            return JSONResponse({"status": "ready"})
        return JSONResponse({"status": "not ready", "reason": reason}, status_code=503)

    return [
        StarletteRoute("/healthz", healthz, methods=["GET"], include_in_schema=False),
        StarletteRoute("/readyz", readyz, methods=["GET"], include_in_schema=False),
    ]


def build_app(settings: Settings, store: Store | None = None) -> Starlette:
    """The ASGI app over `store` (opened from settings.database_url when not given)."""
    own_store = store is None
    store = store or open_store(settings.database_url)
    store.migrate()
    issued = admin.bootstrap(store, settings.admin_key)
    if issued is not None and settings.admin_key is None:
        log.warning("created workspace 'default' and admin key %s (shown once)", issued.secret)
    rt = Runtime(store, settings)
    group = RouteGroup(prefix="/v1", authenticate=_authenticator(store))
    native.register(group, rt)

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        yield
        if own_store:
            store.close()

    return build_asgi(
        [group],
        title="aka",
        version=VERSION,
        max_body_bytes=settings.max_body_bytes,
        extra_routes=_health_routes(store),
        lifespan=lifespan,
    )


def create_app() -> Starlette:
    """Factory for the server process (`aka serve`): settings from the environment."""
    settings = config.load()
    configure_logging(settings.log_level, settings.log_format)
    return build_app(settings)
