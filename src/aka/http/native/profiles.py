"""Native routes for profiles and identifiers: create, read, resolve, link, identify."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from msgspec import Meta
from starlette.responses import Response

from aka.core.model import ResolvedProfile
from aka.engine.read_batch import ReadBatcher
from aka.engine.runtime import Runtime
from aka.http.input_rules import NonNegativeInt64
from aka.http.native.common import ProfilePath, json_response, no_content, principal
from aka.http.native.schemas import (
    CreateProfileIn,
    IdentifierIn,
    IdentifierKeyIn,
    IdentifyIn,
    ProfileOut,
    RenameIn,
    UpdateProfileIn,
    _In,
    profile_out,
)
from aka.http.routing import RequestContext, RouteGroup
from aka.security.keys import Scope
from aka.service import as_of, queries
from aka.service.graph_commands import (
    CreateProfile,
    DeleteProfile,
    Identify,
    Link,
    RenameExternalId,
    Unlink,
    UpdateAttributes,
)
from aka.service.identities import LinkOutcome
from aka.service.refs import ProfileRef

TAG = ("profiles",)


# Resolve as of a moment (ADR 0025): an RFC 3339 time with its offset, or an event's seq.
AsOfTime = Annotated[
    datetime,
    Meta(
        tz=True,
        description="Answer as of this moment: after the last event at or before it "
        "(RFC 3339, with an offset).",
    ),
]
AsOfSeq = Annotated[
    NonNegativeInt64,
    Meta(description="Answer as of this event: just after the event with this `seq`."),
]


class AsOfQuery(_In):
    as_of: AsOfTime | None = None
    as_of_seq: AsOfSeq | None = None


class ResolveQuery(_In):
    namespace: str | None = None
    value: str | None = None
    external_id: str | None = None
    as_of: AsOfTime | None = None
    as_of_seq: AsOfSeq | None = None


def register(group: RouteGroup, rt: Runtime) -> None:
    # Where a store call leaves the event loop (PostgreSQL), concurrent resolves share a
    # read transaction (`read_batch`); inline (SQLite) each reads on its own.
    resolves: ReadBatcher[ProfileRef, ResolvedProfile] | None = (
        ReadBatcher(rt, lambda tx, refs: queries.resolve_many(tx, refs, "query"))
        if rt.offload
        else None
    )

    @group.post(
        "/profiles",
        body=CreateProfileIn,
        response=ProfileOut,
        status=201,
        dry_run=True,
        scopes=(Scope.WRITE,),
        errors=(409,),
        tags=TAG,
        summary="Create a profile",
        description="Optionally identified (`external_id`) and holding identifiers from the "
        "start. Every identifier is checked before anything is written.",
    )
    async def create_profile(ctx: RequestContext[CreateProfileIn, None, None]) -> ProfileOut:
        who, body = principal(ctx.auth), ctx.body
        items = [i.new() for i in body.identifiers]
        command = CreateProfile(body.external_id, body.attributes, items, actor=who.key_id)
        # One request, one small command: committed with concurrent ones.
        return profile_out(await rt.write_one(who.workspace_id, command, group=True))

    @group.get(
        "/profiles/{id}",
        path_params=ProfilePath,
        query=AsOfQuery,
        response=ProfileOut,
        scopes=(Scope.READ,),
        errors=(404,),
        tags=TAG,
        summary="Read a profile",
        description="A merged profile's old id answers with the profile it was merged into. "
        "With `as_of` or `as_of_seq`: the profile as it was then (its identifiers, "
        "attributes and external id then); 404 when it did not exist then or was erased.",
    )
    async def get_profile(ctx: RequestContext[None, AsOfQuery, ProfilePath]) -> ProfileOut:
        ref, q = ProfileRef.by_id(ctx.path.id), ctx.query
        found = await rt.read(
            principal(ctx.auth).workspace_id,
            lambda tx: as_of.get_then(tx, ref, q.as_of, q.as_of_seq, "profile"),
            several=as_of.asked(q.as_of, q.as_of_seq),
        )
        return profile_out(found)

    @group.patch(
        "/profiles/{id}",
        path_params=ProfilePath,
        body=UpdateProfileIn,
        response=ProfileOut,
        dry_run=True,
        scopes=(Scope.WRITE,),
        errors=(404,),
        tags=TAG,
        summary="Update a profile's attributes (JSON merge patch)",
    )
    async def update_profile(ctx: RequestContext[UpdateProfileIn, None, ProfilePath]) -> ProfileOut:
        who, ref, patch = principal(ctx.auth), ProfileRef.by_id(ctx.path.id), ctx.body.attributes
        updated = await rt.write_one(who.workspace_id, UpdateAttributes(ref, patch, who.key_id))
        return profile_out(updated)

    @group.delete(
        "/profiles/{id}",
        path_params=ProfilePath,
        status=204,
        dry_run=True,
        scopes=(Scope.DELETE,),
        errors=(404,),
        tags=TAG,
        summary="Delete a profile (right to erasure)",
        description="Removes the profile, the profiles merged into it, their identifiers and "
        "memberships; identifier values, external ids and attributes are redacted from "
        "the events about them.",
    )
    async def delete_profile(ctx: RequestContext[None, None, ProfilePath]) -> Response:
        who, ref = principal(ctx.auth), ProfileRef.by_id(ctx.path.id)
        await rt.write_one(who.workspace_id, DeleteProfile(ref, who.key_id))
        return no_content()

    @group.get(
        "/resolve",
        query=ResolveQuery,
        response=ProfileOut,
        scopes=(Scope.READ,),
        errors=(404,),
        tags=TAG,
        summary="Resolve an identifier or external id to its profile",
        description="Pass `namespace` and `value`, or `external_id`. An external id the "
        "profile was renamed away from still resolves (until removed), and the answer "
        "says so with `deprecated_match: true`. With `as_of` or `as_of_seq`: who held it "
        "then, with the profile as it was then; 404 when nobody did (or the value was "
        "erased since).",
    )
    async def resolve(ctx: RequestContext[None, ResolveQuery, None]) -> ProfileOut:
        q = ctx.query
        ref = ProfileRef(None, q.external_id, q.namespace, q.value)
        workspace_id = principal(ctx.auth).workspace_id
        if as_of.asked(q.as_of, q.as_of_seq):
            found = await rt.read(
                workspace_id,
                lambda tx: as_of.get_then(tx, ref, q.as_of, q.as_of_seq, "query"),
                several=True,
            )
            return profile_out(found, deprecated_match=queries.deprecated_match(found, ref))
        if resolves is not None:
            found = await resolves.read(workspace_id, ref)
        else:
            found = await rt.read(workspace_id, lambda tx: queries.get(tx, ref, "query"))
        return profile_out(found, deprecated_match=queries.deprecated_match(found, ref))

    @group.post(
        "/profiles/{id}/identifiers",
        path_params=ProfilePath,
        body=IdentifierIn,
        response=ProfileOut,
        status=201,
        also=(200,),
        dry_run=True,
        scopes=(Scope.WRITE,),
        errors=(404, 409),
        tags=TAG,
        summary="Link an identifier to a profile",
        description="201: linked. 200: it was already on this profile. 409: it belongs to "
        "another profile (the problem's `owner` names it), unless the workspace's merge "
        "policy is `auto` and at most one of the two profiles is identified: then they "
        "are merged (201).",
    )
    async def link(ctx: RequestContext[IdentifierIn, None, ProfilePath]) -> Response:
        who, ref, item = principal(ctx.auth), ProfileRef.by_id(ctx.path.id), ctx.body.new()
        result = await rt.write_one(who.workspace_id, Link(ref, item, who.key_id), group=True)
        status = 200 if result.outcome is LinkOutcome.EXISTING else 201
        return json_response(profile_out(result.profile), status)

    @group.delete(
        "/identifiers",
        query=IdentifierKeyIn,
        status=204,
        dry_run=True,
        scopes=(Scope.WRITE,),
        errors=(404,),
        tags=TAG,
        summary="Unlink an identifier from its profile",
        description="Also removes a deprecated identifier: an external id a profile was "
        "renamed away from (`namespace=aka:external_id`), which then no longer resolves.",
    )
    async def unlink(ctx: RequestContext[None, IdentifierKeyIn, None]) -> Response:
        who, q = principal(ctx.auth), ctx.query
        await rt.write_one(who.workspace_id, Unlink(q.namespace, q.value, who.key_id))
        return no_content()

    @group.post(
        "/profiles/{id}/rename",
        path_params=ProfilePath,
        body=RenameIn,
        response=ProfileOut,
        scopes=(Scope.WRITE,),
        errors=(404, 409),
        tags=TAG,
        summary="Rename a profile's external id, keeping the old one",
        dry_run=True,
        description="The profile takes the new external id; the current one stays as a "
        "deprecated identifier (namespace `aka:external_id`, `deprecated: true`): it still "
        "resolves and nobody else may take it, until removed with "
        "`DELETE /v1/identifiers?namespace=aka:external_id&value=...`. 409: the new id is "
        "another profile's (current or deprecated), or the profile has none to rename "
        "(`not_identified`). Renaming back to one of its own deprecated ids takes it back.",
    )
    async def rename(ctx: RequestContext[RenameIn, None, ProfilePath]) -> ProfileOut:
        who, ref = principal(ctx.auth), ProfileRef.by_id(ctx.path.id)
        command = RenameExternalId(ref, ctx.body.external_id, actor=who.key_id)
        return profile_out(await rt.write_one(who.workspace_id, command))

    @group.post(
        "/identify",
        body=IdentifyIn,
        response=ProfileOut,
        dry_run=True,
        scopes=(Scope.WRITE,),
        errors=(404, 409),
        tags=TAG,
        summary="Give a profile its external id",
        description="If another profile already has that external id (also as a "
        "deprecated one), the (anonymous) profile is merged into it and the survivor is "
        "returned. 409 `already_identified` for a profile with another external id: "
        "rename it instead (`POST /v1/profiles/{id}/rename`).",
    )
    async def identify(ctx: RequestContext[IdentifyIn, None, None]) -> ProfileOut:
        who, body = principal(ctx.auth), ctx.body
        command = Identify(body.profile.ref(), body.external_id, who.key_id)
        return profile_out(await rt.write_one(who.workspace_id, command))
