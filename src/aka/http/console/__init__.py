"""The console (`/console`): server-rendered pages over the graph for people (ADR 0031).

Another door: its pages call the use cases the native API calls, through the same
runtime, as the key logged in; `guard` holds its wire rules (headers, session, CSRF),
`pages` its pages, `drawing` the layout of the SVG graphs, `templates/` and `static/`
what a browser gets (package data: a wheel ships them)."""

from __future__ import annotations

from starlette.routing import BaseRoute, Mount, Route, Router
from starlette.staticfiles import StaticFiles
from starlette.types import Receive, Scope, Send

from aka.core.errors import AkaError, Code
from aka.engine.runtime import Runtime
from aka.http.console.guard import PATH, ConsoleWire, Guard
from aka.http.console.pages import HERE, Pages
from aka.security.sessions import SessionSigner

__all__ = ["PATH", "console_routes"]


def console_routes(
    rt: Runtime, *, secret: str, session_seconds: int, writes: bool
) -> list[BaseRoute]:
    """The console's one mount, every answer with its security headers."""
    pages = Pages(rt, Guard(rt, SessionSigner(secret, session_seconds), writes))

    async def not_found(scope: Scope, receive: Receive, send: Send) -> None:
        from starlette.requests import Request  # noqa: PLC0415 - the rare path only

        error = AkaError(Code.ROUTE_NOT_FOUND, "no such console page", field="path")
        await pages.error(Request(scope, receive), error, None)(scope, receive, send)

    router = Router(
        [
            Route("/", pages.home, methods=["GET"]),
            Route("/login", pages.login_form, methods=["GET"]),
            Route("/login", pages.login, methods=["POST"]),
            Route("/logout", pages.logout, methods=["POST"]),
            Route("/search", pages.page(pages.search), methods=["GET"]),
            Route("/profiles/{id}", pages.page(pages.profile), methods=["GET"]),
            Route("/explain", pages.page(pages.explain), methods=["GET"]),
            Route(
                "/merges/preview",
                pages.page(pages.merge_preview, write=True),
                methods=["POST"],
            ),
            Route("/merges", pages.page(pages.merge, write=True), methods=["POST"]),
            Route("/merges/{seq}/undo", pages.page(pages.undo, write=True), methods=["POST"]),
            Mount("/static", StaticFiles(directory=HERE / "static"), name="console-static"),
        ],
        default=not_found,
    )
    return [Mount(PATH, app=ConsoleWire(router))]
