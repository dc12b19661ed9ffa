"""Native routes for merges, history, explain, expansion, memberships and the change feed."""

from __future__ import annotations

from typing import Annotated

from msgspec import Meta
from starlette.responses import Response

from aka.core.model import Event
from aka.core.ports import Transaction
from aka.engine.runtime import Runtime
from aka.http.input_rules import NonNegativeInt64
from aka.http.native.common import MergePath, ProfilePath, json_response, no_content, principal
from aka.http.native.schemas import (
    EventsPageOut,
    ExpansionOut,
    ExplainIn,
    ExplainOut,
    HistoryOut,
    MembershipIn,
    MembershipOut,
    MergeIn,
    MergeOut,
    _In,
    event_out,
    expansion_out,
    profile_out,
)
from aka.http.routing import RequestContext, RouteGroup
from aka.security.keys import Scope
from aka.service import queries
from aka.service.graph_commands import AddMembership, Merge, RemoveMembership, UndoMerge
from aka.service.refs import ProfileRef


class EventsQuery(_In):
    after: NonNegativeInt64 = 0
    limit: Annotated[int, Meta(ge=1, le=queries.EVENTS_PAGE_MAX)] = 100


class MembershipQuery(_In):
    group_id: str
    member_id: str


def register(group: RouteGroup, rt: Runtime) -> None:
    @group.post(
        "/merges",
        body=MergeIn,
        response=MergeOut,
        status=201,
        dry_run=True,
        scopes=(Scope.MERGE,),
        errors=(404, 409),
        tags=("merges",),
        summary="Merge one profile into another",
        description="Moves every identifier and membership of `merge` onto `keep`; `merge` "
        "forwards to `keep` from then on. Refused for two identified profiles unless "
        "`force`, and when the merged profile would pass a namespace limit.",
    )
    async def merge(ctx: RequestContext[MergeIn, None, None]) -> MergeOut:
        who, b = principal(ctx.auth), ctx.body
        command = Merge(b.keep.ref(), b.merge.ref(), force=b.force, actor=who.key_id)
        done = await rt.write_one(who.workspace_id, command)
        return MergeOut(done.merge_id, profile_out(done.profile))

    @group.post(
        "/merges/{id}/undo",
        path_params=MergePath,
        response=MergeOut,
        dry_run=True,
        scopes=(Scope.MERGE,),
        errors=(404, 409),
        tags=("merges",),
        summary="Undo a merge",
        description="Puts back every identifier and membership the merge moved and that "
        "has not changed since, and revives the merged profile (returned).",
    )
    async def undo(ctx: RequestContext[None, None, MergePath]) -> MergeOut:
        who, merge_id = principal(ctx.auth), ctx.path.id
        done = await rt.write_one(who.workspace_id, UndoMerge(merge_id, who.key_id))
        return MergeOut(done.merge_id, profile_out(done.profile))

    @group.get(
        "/profiles/{id}/history",
        path_params=ProfilePath,
        response=HistoryOut,
        scopes=(Scope.READ,),
        errors=(404,),
        tags=("history",),
        summary="Every event about a profile and the profiles merged into it",
    )
    async def history(ctx: RequestContext[None, None, ProfilePath]) -> HistoryOut:
        ref = ProfileRef.by_id(ctx.path.id)

        def work(tx: Transaction) -> tuple[str, list[Event]]:
            live = queries.get(tx, ref).profile.id
            return live, queries.history(tx, ProfileRef.by_id(live))

        # Rendered once read: the engine redacts what a limited key may not see.
        live, events = await rt.read(principal(ctx.auth).workspace_id, work)
        return HistoryOut(live, [event_out(e) for e in events])

    @group.post(
        "/explain",
        body=ExplainIn,
        response=ExplainOut,
        scopes=(Scope.READ,),
        errors=(404,),
        tags=("history",),
        summary="Why are two references one person?",
        description="`same` says whether both resolve to one profile; `events` are the links, "
        "identifications and merges that brought them together.",
    )
    async def explain(ctx: RequestContext[ExplainIn, None, None]) -> ExplainOut:
        a, b = ctx.body.a.ref(), ctx.body.b.ref()
        found = await rt.read(
            principal(ctx.auth).workspace_id, lambda tx: queries.explain(tx, a, b)
        )
        return ExplainOut(
            found.same,
            found.profile_a.profile.id,
            found.profile_b.profile.id,
            [event_out(e) for e in found.events],
        )

    @group.get(
        "/profiles/{id}/expansion",
        path_params=ProfilePath,
        response=ExpansionOut,
        scopes=(Scope.READ,),
        errors=(404,),
        tags=("groups",),
        summary="A profile's identifiers and every group above it",
        description="Transitive and cycle-safe; at most 16 levels (`depth_limited` says "
        "whether the bound cut it short). Disabled identifiers are left out.",
    )
    async def expansion(ctx: RequestContext[None, None, ProfilePath]) -> ExpansionOut:
        ref = ProfileRef.by_id(ctx.path.id)
        found = await rt.read(principal(ctx.auth).workspace_id, lambda tx: queries.expand(tx, ref))
        return expansion_out(found)

    @group.post(
        "/memberships",
        body=MembershipIn,
        response=MembershipOut,
        status=201,
        also=(200,),
        dry_run=True,
        scopes=(Scope.WRITE,),
        errors=(404, 409),
        tags=("groups",),
        summary="Make a profile a member of a group profile",
        description="201: added. 200: it was already a member.",
    )
    async def add_member(ctx: RequestContext[MembershipIn, None, None]) -> Response:
        who, b = principal(ctx.auth), ctx.body
        command = AddMembership(b.group.ref(), b.member.ref(), who.key_id)
        edge, created = await rt.write_one(who.workspace_id, command)
        return json_response(MembershipOut(edge.group_id, edge.member_id), 201 if created else 200)

    @group.delete(
        "/memberships",
        query=MembershipQuery,
        status=204,
        dry_run=True,
        scopes=(Scope.WRITE,),
        errors=(404,),
        tags=("groups",),
        summary="Remove a profile from a group",
    )
    async def remove_member(ctx: RequestContext[None, MembershipQuery, None]) -> Response:
        who, q = principal(ctx.auth), ctx.query
        group_ref, member_ref = ProfileRef.by_id(q.group_id), ProfileRef.by_id(q.member_id)
        await rt.write_one(who.workspace_id, RemoveMembership(group_ref, member_ref, who.key_id))
        return no_content()

    @group.get(
        "/events",
        query=EventsQuery,
        response=EventsPageOut,
        scopes=(Scope.READ,),
        tags=("history",),
        summary="The change feed",
        description="Events after the cursor `after` (an event `seq`), oldest first. Poll "
        "with the returned `next_after` to follow every change.",
    )
    async def events(ctx: RequestContext[None, EventsQuery, None]) -> EventsPageOut:
        q = ctx.query
        page = await rt.read(
            principal(ctx.auth).workspace_id, lambda tx: queries.events_page(tx, q.after, q.limit)
        )
        return EventsPageOut([event_out(e) for e in page], page[-1].seq if page else q.after)
