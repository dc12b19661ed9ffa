"""The console's pages: each reads or writes through the same use cases and engine
calls as the native API (`queries`, `profile_view`, the `Merge`/`UndoMerge` commands,
`Runtime.preview` for a merge's dry run), then renders a template. No SQL, no graph
rule: a door that speaks HTML (ADR 0031)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import jinja2
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.templating import Jinja2Templates

from aka.core import consistency, namespace_scope
from aka.core import events as ev
from aka.core.changes import changes_of
from aka.core.errors import AkaError, Code
from aka.core.model import Event
from aka.engine.runtime import Runtime
from aka.http.authentication import principal_of
from aka.http.console import drawing
from aka.http.console.guard import PATH, Guard, NotLoggedIn, Visitor, form, same_origin
from aka.http.problems import problem_from_error
from aka.security.keys import Scope as KeyScope
from aka.service import queries
from aka.service.graph_commands import Merge, UndoMerge
from aka.service.profile_view import profile_view
from aka.service.refs import ProfileRef

HERE: Final = Path(__file__).parent
FIELD_MAX: Final = 1024  # characters in one form field (an identifier's value is shorter)
BY: Final = {"identifier": "namespace + value", "external_id": "external id", "profile_id": "id"}

templates = Jinja2Templates(
    env=jinja2.Environment(
        loader=jinja2.FileSystemLoader(HERE / "templates"),
        # Every value is escaped, in the HTML and in the inline SVG alike.
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
)
templates.env.globals["describe"] = drawing.describe
templates.env.globals["BY"] = BY


Handler = Callable[[Request, Visitor, dict[str, str]], Awaitable[Response]]


@dataclass(frozen=True, slots=True)
class Pages:
    rt: Runtime
    guard: Guard

    # --- the wrapper every page goes through -------------------------------------------
    def page(self, handler: Handler, *, write: bool = False) -> Callable[[Request], Any]:
        """`handler` for a logged-in visitor, under the key's namespace limit; a POST
        only from this site's own pages with the session's token; `write`: only for a
        key that may merge on a console that may write. Errors become error pages."""

        async def endpoint(request: Request) -> Response:
            token = namespace_scope.begin()
            try:
                with consistency.for_request():
                    return await self._run(request, handler, write)
            except AkaError as error:
                return self.error(request, error, None)
            finally:
                namespace_scope.end(token)

        return endpoint

    async def _run(self, request: Request, handler: Handler, write: bool) -> Response:
        try:
            visitor = await self.guard.visitor(request)
        except NotLoggedIn:
            if request.method == "GET":
                return RedirectResponse(f"{PATH}/login", status_code=303)
            raise AkaError(
                Code.UNAUTHENTICATED, "log in again: this session has ended", field="session"
            ) from None
        request.scope["auth"] = visitor.principal  # Starlette's place: the access line's key id
        fields: dict[str, str]
        if request.method == "POST":
            refuse_cross_site(request)
            fields = await form(request)
            if not self.guard.signer.csrf_ok(visitor.session, fields.get("csrf")):
                raise AkaError(
                    Code.FORBIDDEN,
                    "this form is not from this console session: reload the page and try again",
                    field="csrf",
                )
        else:
            fields = dict(request.query_params)
        check_fields(fields)
        if write and not visitor.can_write:
            raise write_refusal(self.guard.writes)
        namespace_scope.enter(visitor.principal.namespaces)
        return await handler(request, visitor, fields)

    def render(
        self,
        request: Request,
        name: str,
        visitor: Visitor | None,
        status: int = 200,
        **context: Any,
    ) -> Response:
        return templates.TemplateResponse(
            request,
            name,
            {"visitor": visitor, "writes_on": self.guard.writes, **context},
            status_code=status,
        )

    def error(self, request: Request, error: AkaError, visitor: Visitor | None) -> Response:
        problem = problem_from_error(error)
        return self.render(request, "error.html", visitor, problem.status, problem=problem)

    # --- logging in and out --------------------------------------------------------------
    async def home(self, request: Request) -> Response:
        try:
            await self.guard.visitor(request)
        except NotLoggedIn:
            return RedirectResponse(f"{PATH}/login", status_code=303)
        return RedirectResponse(f"{PATH}/search", status_code=303)

    async def login_form(self, request: Request) -> Response:
        return self.render(request, "login.html", None, failure=None)

    async def login(self, request: Request) -> Response:
        """The key, entered once: checked as any bearer secret is; the session that
        follows names its id (never the key itself)."""
        try:
            refuse_cross_site(request)
            fields = await form(request)
            check_fields(fields)
            principal = await principal_of(self.rt, fields.get("key", "").strip() or None)
        except AkaError as error:
            problem = problem_from_error(error)
            return self.render(request, "login.html", None, problem.status, failure=problem)
        if KeyScope.READ not in principal.scopes:
            refusal = problem_from_error(
                AkaError(
                    Code.FORBIDDEN,
                    f"this key lacks the scope {KeyScope.READ.value!r}, which the console needs",
                    field="key",
                )
            )
            return self.render(request, "login.html", None, 403, failure=refusal)
        return self.guard.login(request, principal.key_id, f"{PATH}/search")

    async def logout(self, request: Request) -> Response:
        """Clears this browser's cookie; from another site, refused (a forced logout)."""
        try:
            refuse_cross_site(request)
        except AkaError as error:
            return self.error(request, error, None)
        return self.guard.logout()

    # --- reading -------------------------------------------------------------------------
    async def search(self, request: Request, visitor: Visitor, fields: dict[str, str]) -> Response:
        """By any identifier: found, on to its profile page; else the form again, saying
        why (a key limited to namespaces finds nothing outside them: ADR 0026)."""
        if "value" not in fields:
            return self.render(request, "search.html", visitor, fields=fields, failure=None)
        try:
            ref = ref_from(fields)
            ws = visitor.principal.workspace_id
            found = await self.rt.read(ws, lambda tx: queries.get(tx, ref))
        except AkaError as error:
            problem = problem_from_error(error)
            return self.render(
                request, "search.html", visitor, problem.status, fields=fields, failure=problem
            )
        return RedirectResponse(drawing.profile_href(found.profile.id), status_code=303)

    async def profile(self, request: Request, visitor: Visitor, fields: dict[str, str]) -> Response:
        ref = ProfileRef.by_id(request.path_params["id"])
        view = await self.rt.read(
            visitor.principal.workspace_id, lambda tx: profile_view(tx, ref), several=True
        )
        if view.profile.profile.id != ref.profile_id:  # a merged id: show the survivor
            return RedirectResponse(drawing.profile_href(view.profile.profile.id), 303)
        by_namespace: dict[str, list[Any]] = {}
        for identifier in view.profile.identifiers:
            by_namespace.setdefault(identifier.namespace, []).append(identifier)
        return self.render(
            request,
            "profile.html",
            visitor,
            view=view,
            by_namespace=dict(sorted(by_namespace.items())),
            graph=drawing.profile_graph(view),
            merges=merge_events(view.events, view.undone),
            fields=fields,
        )

    async def explain(self, request: Request, visitor: Visitor, fields: dict[str, str]) -> Response:
        if "a_value" not in fields:
            return self.render(request, "explain.html", visitor, fields=fields, result=None)
        a, b = ref_from(fields, "a_"), ref_from(fields, "b_")
        found = await self.rt.read(
            visitor.principal.workspace_id, lambda tx: queries.explain(tx, a, b), several=True
        )
        chain = (
            drawing.explain_chain(
                a.describe(), b.describe(), found.profile_a.profile.id, found.events
            )
            if found.same
            else None
        )
        return self.render(
            request, "explain.html", visitor, fields=fields, result=found, chain=chain
        )

    # --- writing -------------------------------------------------------------------------
    async def merge_preview(
        self, request: Request, visitor: Visitor, fields: dict[str, str]
    ) -> Response:
        """What merging would do, from the real merge run and rolled back (ADR 0023)."""
        keep, gone = ref_from(fields, "keep_"), ref_from(fields, "merge_")
        force = fields.get("force") == "on"
        ws, who = visitor.principal.workspace_id, visitor.principal.key_id
        refusal: AkaError | None = None
        async with self.rt.preview(ws) as rehearsal:
            try:
                await self.rt.write_one(ws, Merge(keep, gone, force=force, actor=who))
            except AkaError as error:
                refusal = error
        events = namespace_scope.current().redact(list(rehearsal.events))
        return self.render(
            request,
            "merge_preview.html",
            visitor,
            422 if refusal is not None else 200,
            fields=fields,
            force=force,
            changes=changes_of(events),
            events=events,
            refusal=problem_from_error(refusal) if refusal is not None else None,
        )

    async def merge(self, _: Request, visitor: Visitor, fields: dict[str, str]) -> Response:
        keep, gone = ref_from(fields, "keep_"), ref_from(fields, "merge_")
        force = fields.get("force") == "on"
        command = Merge(keep, gone, force=force, actor=visitor.principal.key_id)
        done = await self.rt.write_one(visitor.principal.workspace_id, command)
        return RedirectResponse(drawing.profile_href(done.profile.profile.id), status_code=303)

    async def undo(self, request: Request, visitor: Visitor, fields: dict[str, str]) -> Response:
        raw = request.path_params["seq"]
        if not raw.isdigit() or len(raw) > 18:
            raise AkaError(Code.MERGE_NOT_FOUND, f"no merge {raw!r}", field="merge_id")
        command = UndoMerge(int(raw), visitor.principal.key_id)
        done = await self.rt.write_one(visitor.principal.workspace_id, command)
        back = fields.get("back", "")
        # Back to the page the button was on; only ever a console page of this server.
        if back.startswith(f"{PATH}/profiles/") and "//" not in back and "\\" not in back:
            return RedirectResponse(back, status_code=303)
        return RedirectResponse(drawing.profile_href(done.profile.profile.id), status_code=303)


def refuse_cross_site(request: Request) -> None:
    if not same_origin(request):
        raise AkaError(
            Code.FORBIDDEN,
            "a console form must be sent from this console's own pages (Origin mismatch)",
            field="Origin",
        )


def write_refusal(writes_on: bool) -> AkaError:
    if not writes_on:
        return AkaError(
            Code.FORBIDDEN,
            "this console only reads: the server's AKA_CONSOLE_WRITES is off",
            field="AKA_CONSOLE_WRITES",
        )
    return AkaError(
        Code.FORBIDDEN,
        f"this key lacks the scope {KeyScope.MERGE.value!r}",
        field="Authorization",
        details={"required_scope": KeyScope.MERGE.value},
    )


def check_fields(fields: dict[str, str]) -> None:
    for name, value in fields.items():
        if len(value) > FIELD_MAX:
            raise AkaError(
                Code.INVALID_INPUT,
                f"{name} must be at most {FIELD_MAX} characters; it has {len(value)}",
                field=name,
                details={"limit": FIELD_MAX, "actual": len(value)},
            )
        if "\x00" in value:
            raise AkaError(Code.INVALID_INPUT, f"{name} holds a NUL character", field=name)


def ref_from(fields: dict[str, str], prefix: str = "") -> ProfileRef:
    """A profile reference from a form's `by`, `namespace` and `value` fields."""
    by = fields.get(f"{prefix}by", "identifier")
    value = fields.get(f"{prefix}value", "").strip()
    if by not in BY:
        raise AkaError(
            Code.INVALID_INPUT,
            f"{prefix}by must be one of {', '.join(BY)}",
            field=f"{prefix}by",
        )
    if not value:
        raise AkaError(Code.INVALID_INPUT, f"{prefix}value is required", field=f"{prefix}value")
    if by == "external_id":
        return ProfileRef(external_id=value)
    if by == "profile_id":
        return ProfileRef(profile_id=value)
    namespace = fields.get(f"{prefix}namespace", "").strip()
    if not namespace:
        raise AkaError(
            Code.INVALID_INPUT,
            f"{prefix}namespace is required to find a profile by an identifier",
            field=f"{prefix}namespace",
        )
    return ProfileRef(namespace=namespace, value=value)


@dataclass(frozen=True, slots=True)
class MergeRow:
    event: Event
    undone_by: int | None


def merge_events(events: list[Event], undone: dict[int, int]) -> dict[int, MergeRow]:
    """The merges in a history by their seq, each with the event that undid it."""
    return {e.seq: MergeRow(e, undone.get(e.seq)) for e in events if e.type == ev.PROFILE_MERGED}
