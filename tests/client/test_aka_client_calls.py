"""aka-client against a real server: every call returns its typed model or raises a typed
problem carrying aka's `code` and `field`; nothing here mocks the server."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from aka_client import (
    AuthenticatedClient,
    ConflictError,
    NotFoundError,
    ProblemError,
    UnauthenticatedError,
    UnprocessableError,
    connect,
)
from aka_client.api.groups import add_member, expansion
from aka_client.api.history import events, explain, history
from aka_client.api.merges import merge, undo
from aka_client.api.profiles import (
    create_profile,
    delete_profile,
    get_profile,
    identify,
    link,
    resolve,
    unlink,
    update_profile,
)
from aka_client.models import (
    CreateProfileIn,
    CreateProfileInAttributes,
    DryRunAnswerOut,
    ExplainIn,
    IdentifierIn,
    IdentifyIn,
    MembershipIn,
    MergeIn,
    ProfileRefIn,
    UpdateProfileIn,
    UpdateProfileInAttributes,
)
from aka_client.types import UNSET
from tests.client.conftest import ADMIN_KEY

pytestmark = pytest.mark.slow


def fresh(prefix: str) -> str:
    """A value no other spec uses: they share one server."""
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def test_create_link_resolve_and_read_back(aka: AuthenticatedClient) -> None:
    """A created profile comes back typed; a link answers 201 then 200; resolve and get
    find it by the new identifier and by its id; attributes round-trip as a model."""
    user, device = fresh("user"), fresh("ios")
    created = create_profile.sync(
        client=aka,
        body=CreateProfileIn(
            external_id=user,
            attributes=CreateProfileInAttributes.from_dict({"plan": "pro"}),
            identifiers=[IdentifierIn(namespace="email", value=f"{user}@Example.com")],
        ),
    )
    assert created.external_id == user
    assert [i.value for i in created.identifiers] == [f"{user}@example.com"]
    assert created.attributes.to_dict() == {"plan": "pro"}

    body = IdentifierIn(namespace="device", value=device)
    first = link.sync_detailed(created.id, client=aka, body=body)
    again = link.sync_detailed(created.id, client=aka, body=body)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.parsed is not None
    assert device in [i.value for i in again.parsed.identifiers]

    found = resolve.sync(client=aka, namespace="device", value=device)
    assert found.id == created.id
    assert resolve.sync(client=aka, external_id=user).id == created.id
    patched = update_profile.sync(
        created.id,
        client=aka,
        body=UpdateProfileIn(attributes=UpdateProfileInAttributes.from_dict({"plan": None})),
    )
    assert patched.attributes.to_dict() == {}

    unlink.sync(client=aka, namespace="device", value=device)
    with pytest.raises(NotFoundError) as gone:
        resolve.sync(client=aka, namespace="device", value=device)
    assert gone.value.code == "profile_not_found"


def test_merge_forward_explain_undo_and_history(aka: AuthenticatedClient) -> None:
    """Merging an anonymous profile forwards its id, explain says why the two are one,
    undo gives the identifier back, and the history lists each step by type."""
    user, web = fresh("user"), fresh("web")
    known = create_profile.sync(client=aka, body=CreateProfileIn(external_id=user))
    anonymous = create_profile.sync(
        client=aka, body=CreateProfileIn(identifiers=[IdentifierIn(namespace="device", value=web)])
    )
    merged = merge.sync(
        client=aka,
        body=MergeIn(
            keep=ProfileRefIn(external_id=user), merge=ProfileRefIn(profile_id=anonymous.id)
        ),
    )
    assert merged.profile.id == known.id
    assert get_profile.sync(anonymous.id, client=aka).external_id == user

    why = explain.sync(
        client=aka,
        body=ExplainIn(
            a=ProfileRefIn(namespace="device", value=web), b=ProfileRefIn(external_id=user)
        ),
    )
    assert why.same is True
    assert "profile.merged" in [event.type_ for event in why.events]

    revived = undo.sync(merged.id, client=aka)
    assert [i.value for i in revived.profile.identifiers] == [web]
    assert [e.type_ for e in history.sync(known.id, client=aka).events] == [
        "profile.created",
        "profile.merged",
        "profile.unmerged",
    ]
    page = events.sync(client=aka, after=0, limit=1000)
    assert {known.id, anonymous.id} <= {e.profile_id for e in page.events}


def test_identify_groups_and_delete(aka: AuthenticatedClient) -> None:
    """identify names an anonymous profile; memberships show in the expansion; a deleted
    profile is gone (404 as a typed exception)."""
    device, user = fresh("device"), fresh("user")
    anonymous = create_profile.sync(
        client=aka,
        body=CreateProfileIn(identifiers=[IdentifierIn(namespace="device", value=device)]),
    )
    named = identify.sync(
        client=aka,
        body=IdentifyIn(profile=ProfileRefIn(namespace="device", value=device), external_id=user),
    )
    assert (named.id, named.external_id) == (anonymous.id, user)

    group = create_profile.sync(client=aka, body=CreateProfileIn(external_id=fresh("group")))
    add_member.sync(
        client=aka,
        body=MembershipIn(
            group=ProfileRefIn(profile_id=group.id), member=ProfileRefIn(external_id=user)
        ),
    )
    assert group.id in [g.id for g in expansion.sync(named.id, client=aka).groups]

    delete_profile.sync(named.id, client=aka)
    with pytest.raises(NotFoundError):
        get_profile.sync(named.id, client=aka)


def test_a_problem_is_a_typed_exception_with_code_field_and_members(
    aka: AuthenticatedClient, aka_server: str
) -> None:
    """A 409 raises ConflictError carrying the problem's code, field and extra members
    (`owner`); a 422 raises UnprocessableError naming the field; a wrong key raises
    UnauthenticatedError. Each is a ProblemError with the status it stands for."""
    device = fresh("ios")
    owner = create_profile.sync(
        client=aka,
        body=CreateProfileIn(identifiers=[IdentifierIn(namespace="device", value=device)]),
    )
    other = create_profile.sync(client=aka, body=CreateProfileIn())
    with pytest.raises(ConflictError) as conflict:
        link.sync(other.id, client=aka, body=IdentifierIn(namespace="device", value=device))
    assert (conflict.value.status, conflict.value.code) == (409, "identifier_conflict")
    assert conflict.value.field == "value"
    assert conflict.value.extra["owner"] == owner.id
    assert device in str(conflict.value)

    with pytest.raises(UnprocessableError) as invalid:
        link.sync(other.id, client=aka, body=IdentifierIn(namespace="email", value="null"))
    assert isinstance(invalid.value, ProblemError)
    assert (invalid.value.status, invalid.value.field) == (422, "value")
    assert invalid.value.code == "value_blocked"

    stranger = connect(aka_server, "aka_not_a_key")
    with stranger, pytest.raises(UnauthenticatedError) as refused:
        get_profile.sync(owner.id, client=stranger)
    assert refused.value.code == "unauthenticated"


def test_async_calls_return_the_same_models(aka_server: str) -> None:
    """`asyncio` takes the same arguments as `sync`, awaited, on `async with connect()`;
    its problems are the same typed exceptions."""
    user = fresh("user")

    async def scenario() -> None:
        async with connect(aka_server, ADMIN_KEY) as aka:
            created = await create_profile.asyncio(
                client=aka, body=CreateProfileIn(external_id=user)
            )
            found = await resolve.asyncio(client=aka, external_id=user)
            assert found.id == created.id
            detailed = await get_profile.asyncio_detailed(created.id, client=aka)
            assert detailed.status_code == 200
            with pytest.raises(ConflictError) as taken:
                await create_profile.asyncio(client=aka, body=CreateProfileIn(external_id=user))
            assert taken.value.field == "external_id"

    asyncio.run(scenario())


def test_a_dry_run_returns_the_typed_answer_and_what_would_change(
    aka: AuthenticatedClient,
) -> None:
    """`dry_run=True` on a write: the same model, its `dry_run` member typed, nothing
    written; a previewed delete (a real 204) returns the member alone (ADR 0023)."""
    user = fresh("user")
    body = CreateProfileIn(
        external_id=user, identifiers=[IdentifierIn(namespace="device", value=user)]
    )
    preview = create_profile.sync(client=aka, body=body, dry_run=True)
    assert preview.external_id == user
    assert preview.dry_run.status == 201
    assert preview.dry_run.profiles_created == [preview.id]
    assert [e.type_ for e in preview.dry_run.events] == ["profile.created"]
    with pytest.raises(NotFoundError):
        resolve.sync(client=aka, external_id=user)
    created = create_profile.sync(client=aka, body=body)
    assert isinstance(created.dry_run, type(UNSET))  # a real answer has no member
    erased = delete_profile.sync(created.id, client=aka, dry_run=True)
    assert isinstance(erased, DryRunAnswerOut)
    assert (erased.dry_run.status, erased.dry_run.profiles_deleted) == (204, [created.id])
    assert get_profile.sync(created.id, client=aka).id == created.id
