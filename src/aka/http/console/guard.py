"""The console's wire rules, around every page: security headers, the session cookie,
the key behind it, and the checks a write must pass (ADR 0031)."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Final
from urllib.parse import parse_qsl, urlsplit

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from aka.core.errors import AkaError, Code
from aka.engine.runtime import Runtime
from aka.http.app import DOOR_SCOPE
from aka.security.auth import Principal, principal_for
from aka.security.keys import Scope as KeyScope
from aka.security.sessions import Session, SessionSigner

COOKIE: Final = "aka_console"
PATH: Final = "/console"
FORM_MAX_BYTES: Final = 16 * 1024  # the console's forms hold a few short fields

# No script at all, styles and images from the console itself, no framing, forms
# posted only back here.
CSP: Final = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
HEADERS: Final = (
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    # Not `no-referrer`: under it a browser posts `Origin: null`, and the Origin check
    # that guards every form would refuse this site's own pages.
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
    (b"cache-control", b"no-store"),
    (b"cross-origin-opener-policy", b"same-origin"),
)


@dataclass(frozen=True, slots=True)
class _Template:
    path: str  # what the access line reads of a route


class ConsoleWire:
    """Around the console's router: adds `HEADERS` to every answer (pages, redirects,
    errors, static files), and names the door and the full route template for the
    access line (`http.request_log`: the template, never the path, which holds the
    identifiers searched for)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                names = {name for name, _ in HEADERS}
                kept = [(n, v) for n, v in message.get("headers", []) if n.lower() not in names]
                message["headers"] = [*kept, *HEADERS]
            await send(message)

        scope[DOOR_SCOPE] = "console"
        try:
            await self.app(scope, receive, send_with_headers)
        finally:
            # The router put its own route (a path under the mount) in the scope.
            inner = getattr(scope.get("route"), "path", None)
            scope["route"] = _Template(PATH + inner if inner is not None else f"{PATH}/*")


@dataclass(frozen=True, slots=True)
class Visitor:
    """Who is looking: the session and the key it names."""

    session: Session
    principal: Principal
    csrf: str
    can_write: bool  # the key may merge AND the server lets the console write


class NotLoggedIn(Exception):  # noqa: N818 - a signal to the page wrapper: go to the login page
    pass


@dataclass(frozen=True, slots=True)
class Guard:
    rt: Runtime
    signer: SessionSigner
    writes: bool

    async def visitor(self, request: Request) -> Visitor:
        """The session's visitor; `NotLoggedIn` when there is none, it expired, or its
        key is gone or revoked (looked up on every request, so revocation is at once)."""
        session = self.signer.read(request.cookies.get(COOKIE), time.time())
        if session is None:
            raise NotLoggedIn
        record = await self.rt.call(self.rt.store.key_by_id, session.key_id)
        if record is None or record.revoked_at is not None:
            raise NotLoggedIn
        principal = principal_for(record)
        if KeyScope.READ not in principal.scopes:
            raise NotLoggedIn
        can_write = self.writes and KeyScope.MERGE in principal.scopes
        return Visitor(session, principal, self.signer.csrf_token(session), can_write)

    def login(self, request: Request, key_id: str, to: str) -> Response:
        """Answer a good login: a fresh session's cookie, and on to `to`."""
        _, cookie = self.signer.issue(key_id, time.time())
        response = RedirectResponse(to, status_code=303)
        response.set_cookie(
            COOKIE,
            cookie,
            max_age=self.signer.lifetime,
            path=PATH,
            httponly=True,
            secure=request.url.scheme == "https",
            samesite="strict",
        )
        return response

    def logout(self) -> Response:
        response = RedirectResponse(f"{PATH}/login", status_code=303)
        response.delete_cookie(COOKIE, path=PATH, httponly=True, samesite="strict")
        return response


def same_origin(request: Request) -> bool:
    """Whether a POST comes from a page of this server: its `Origin` (or, when a browser
    left that out, its `Referer`) names the host the request was sent to."""
    claimed = request.headers.get("origin") or request.headers.get("referer")
    if not claimed or claimed == "null":
        return False
    host = request.headers.get("host")
    return bool(host) and urlsplit(claimed).netloc == host


async def form(request: Request) -> dict[str, str]:
    """An `application/x-www-form-urlencoded` body as a dict (the last of a repeated
    field). Refused when it is of another type or too long."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind != "application/x-www-form-urlencoded":
        raise AkaError(
            Code.UNSUPPORTED_MEDIA_TYPE,
            "the console's forms are sent as application/x-www-form-urlencoded",
            field="Content-Type",
        )
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > FORM_MAX_BYTES:
            raise AkaError(
                Code.BODY_TOO_LARGE,
                f"a console form is at most {FORM_MAX_BYTES} bytes",
                field="body",
                details={"limit": FORM_MAX_BYTES},
            )
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise AkaError(Code.INVALID_INPUT, "the form is not UTF-8", field="body") from None
    return dict(parse_qsl(text, keep_blank_values=True))


Page = Callable[[Request], Awaitable[Response]]
