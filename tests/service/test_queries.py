"""Reads: resolve, history, explain, expand and the change feed."""

from __future__ import annotations

from itertools import pairwise

import pytest

from aka.core import events as ev
from aka.core.errors import AkaError, Code
from aka.service import identities, queries
from aka.service.refs import ProfileRef

from .builders import World, by, ref


def test_get_resolves_every_kind_of_reference_to_the_live_profile(world: World) -> None:
    """Ids, merged ids, external ids (also one kept by a tombstone) and identifiers."""
    keep = world.person("email:ann@x.io", external_id="u1")
    gone = world.person("device:d1", external_id="u2")
    world.merged(keep, gone, force=True)
    with world.tx(write=False) as tx:
        for target in (
            ref(keep),
            ref(gone),
            ProfileRef(external_id="u1"),
            ProfileRef(external_id="u2"),
            by("email:ANN@x.io"),
            by("device:d1"),
        ):
            resolved = queries.get(tx, target)
            assert resolved.profile.id == keep
            assert {str(i.key) for i in resolved.identifiers} == {"email:ann@x.io", "device:d1"}


@pytest.mark.parametrize(
    "target",
    [
        ProfileRef(profile_id="nobody"),
        ProfileRef(external_id="nobody"),
        ProfileRef(namespace="device", value="nobody"),
        ProfileRef(namespace="device", value="null"),
        ProfileRef(namespace="email", value="not an address"),
    ],
)
def test_get_of_an_unknown_reference_is_not_found(world: World, target: ProfileRef) -> None:
    """Even values that could never be written: reads answer 'not found', not 'invalid'."""
    with pytest.raises(AkaError) as caught, world.tx(write=False) as tx:
        queries.get(tx, target, "who")
    assert (caught.value.code, caught.value.field) == (Code.PROFILE_NOT_FOUND, "who")


# --- history ---------------------------------------------------------------------------


def test_history_lists_the_events_of_the_profile_and_those_merged_into_it(world: World) -> None:
    """Oldest first; a merged id's history is its survivor's; strangers' events stay out."""
    keep = world.person("email:ann@x.io")
    gone = world.person("device:d1")
    world.person("device:stranger")
    world.merged(keep, gone)
    with world.tx(write=False) as tx:
        history = queries.history(tx, ref(gone))
    assert [(e.type, e.profile_id) for e in history] == [
        (ev.PROFILE_CREATED, keep),  # each created with its identifier: one event
        (ev.PROFILE_CREATED, gone),
        (ev.PROFILE_MERGED, keep),
    ]
    assert [e.seq for e in history] == sorted(e.seq for e in history)


def test_history_includes_memberships_from_both_sides(world: World) -> None:
    """Both the group and the member see the edge being made."""
    group, member = world.person(), world.person()
    world.member(group, member)
    with world.tx(write=False) as tx:
        assert queries.history(tx, ref(member))[-1].type == ev.MEMBERSHIP_ADDED
        assert queries.history(tx, ref(group))[-1].type == ev.MEMBERSHIP_ADDED


# --- explain ---------------------------------------------------------------------------


def test_explain_shows_the_events_that_connect_two_identifiers_across_a_merge(
    world: World,
) -> None:
    """The two creations that linked them and the merge that joined them; unrelated
    events stay out."""
    keep = world.person("email:ann@x.io", "device:unrelated")
    gone = world.person("device:d1")
    merge_id = world.merged(keep, gone)
    with world.tx(write=False) as tx:
        answer = queries.explain(tx, by("email:ann@x.io"), by("device:d1"))
    assert answer.same
    assert answer.profile_a.profile.id == answer.profile_b.profile.id == keep
    world.person("device:stranger")
    linking = (ev.PROFILE_CREATED, ev.IDENTIFIER_LINKED)
    values = [
        [k.value for k in ev.linked_keys(e.payload)] if e.type in linking else []
        for e in answer.events
    ]
    assert list(zip([e.type for e in answer.events], values, strict=True)) == [
        (ev.PROFILE_CREATED, ["ann@x.io", "unrelated"]),
        (ev.PROFILE_CREATED, ["d1"]),
        (ev.PROFILE_MERGED, []),
    ]
    assert answer.events[-1].seq == merge_id


def test_explain_follows_a_renamed_identifier_back_to_its_old_name(world: World) -> None:
    """braze:old joined by a merge and was renamed later: the link and the merge that
    connect it happened under its old name, and are part of the answer."""
    keep = world.person("email:ann@x.io")
    gone = world.person("braze:old")
    world.merged(keep, gone)
    with world.tx() as tx:
        identities.rename(tx, "braze", "old", "new")
    with world.tx(write=False) as tx:
        answer = queries.explain(tx, by("email:ann@x.io"), by("braze:new"))
    assert answer.same
    assert [(e.type, e.profile_id) for e in answer.events] == [
        (ev.PROFILE_CREATED, keep),
        (ev.PROFILE_CREATED, gone),
        (ev.PROFILE_MERGED, keep),
        (ev.IDENTIFIER_RENAMED, keep),
    ]


def test_explain_of_an_external_id_shows_the_identification(world: World) -> None:
    """The creation that linked d1 and the identify that put the id on that profile."""
    pid = world.person("device:d1")
    with world.tx() as tx:
        identities.identify(tx, ref(pid), "u1")
    with world.tx(write=False) as tx:
        answer = queries.explain(tx, ProfileRef(external_id="u1"), by("device:d1"))
    assert answer.same
    assert [e.type for e in answer.events] == [ev.PROFILE_CREATED, ev.PROFILE_IDENTIFIED]


def test_explain_of_two_different_people_says_so_with_no_events(world: World) -> None:
    """Not the same: no events, and each side's profile."""
    world.person("email:ann@x.io")
    world.person("email:bob@x.io")
    with world.tx(write=False) as tx:
        answer = queries.explain(tx, by("email:ann@x.io"), by("email:bob@x.io"))
    assert not answer.same
    assert answer.events == []
    assert answer.profile_a.profile.id != answer.profile_b.profile.id


def test_explain_names_the_side_it_cannot_find(world: World) -> None:
    """PROFILE_NOT_FOUND on `a` or `b`."""
    world.person("email:ann@x.io")
    with pytest.raises(AkaError) as caught, world.tx(write=False) as tx:
        queries.explain(tx, by("email:ann@x.io"), by("email:nobody@x.io"))
    assert (caught.value.code, caught.value.field) == (Code.PROFILE_NOT_FOUND, "b")


# --- expand ----------------------------------------------------------------------------


def test_expand_lists_every_group_above_the_profile_transitively(world: World) -> None:
    """Every group reachable upwards, nearest first."""
    ann = world.person("email:ann@x.io")
    team = world.person("coveo:team")
    dept = world.person("coveo:dept")
    everyone = world.person("coveo:everyone")
    unrelated = world.person("coveo:other")
    world.member(team, ann)
    world.member(dept, team)
    world.member(everyone, dept)
    world.member(unrelated, everyone)  # unrelated contains everyone: above it, so listed
    with world.tx(write=False) as tx:
        expansion = queries.expand(tx, by("email:ann@x.io"))
    assert expansion.profile.profile.id == ann
    assert [g.profile.id for g in expansion.groups] == [team, dept, everyone, unrelated]
    assert not expansion.depth_limited


def test_expand_is_safe_in_cycles(world: World) -> None:
    """Each group once; the profile itself is not its own group."""
    ann, a, b = world.person(), world.person(), world.person()
    world.member(a, ann)
    world.member(b, a)
    world.member(a, b)
    world.member(ann, b)
    with world.tx(write=False) as tx:
        expansion = queries.expand(tx, ref(ann))
    assert sorted(g.profile.id for g in expansion.groups) == sorted([a, b])


def test_expand_leaves_disabled_identifiers_out(world: World) -> None:
    """A disabled identity grants nothing, on the profile or on its groups."""
    ann = world.person("email:ann@x.io", "device:old")
    group = world.person("coveo:sales", "coveo:sales-archived")
    world.member(group, ann)
    with world.tx() as tx:
        identities.update_identifier(tx, "device", "old", disabled=True)
        identities.update_identifier(tx, "coveo", "sales-archived", disabled=True)
    with world.tx(write=False) as tx:
        expansion = queries.expand(tx, ref(ann))
        resolved = queries.get(tx, ref(ann))
    assert [str(i.key) for i in expansion.profile.identifiers] == ["email:ann@x.io"]
    assert [str(i.key) for i in expansion.groups[0].identifiers] == ["coveo:sales"]
    assert len(resolved.identifiers) == 2  # resolve still shows everything


def test_expand_stops_at_the_depth_bound_and_says_so(world: World) -> None:
    """A bounded answer says it was bounded."""
    chain = [world.person() for _ in range(5)]
    for member, group in pairwise(chain):
        world.member(group, member)
    with world.tx(write=False) as tx:
        limited = queries.expand(tx, ref(chain[0]), max_depth=2)
        full = queries.expand(tx, ref(chain[0]))
    assert [g.profile.id for g in limited.groups] == chain[1:3]
    assert limited.depth_limited
    assert [g.profile.id for g in full.groups] == chain[1:]
    assert not full.depth_limited


def test_expand_follows_memberships_moved_by_a_merge(world: World) -> None:
    """A merged id expands as its survivor, who took over its memberships."""
    keep, gone, group = world.person(), world.person(), world.person()
    world.member(group, gone)
    world.merged(keep, gone)
    with world.tx(write=False) as tx:
        assert [g.profile.id for g in queries.expand(tx, ref(gone)).groups] == [group]


# --- events_page -----------------------------------------------------------------------


def test_the_change_feed_pages_by_cursor(world: World) -> None:
    """Each page continues after the last seq seen; past the end is empty."""
    for n in range(10):
        world.person(f"crm:c{n}")  # one event each
    with world.tx(write=False) as tx:
        first = queries.events_page(tx, 0, 4)
        second = queries.events_page(tx, first[-1].seq, 4)
        last = queries.events_page(tx, 8, 1000)
        past = queries.events_page(tx, 10, 10)
    assert [e.seq for e in first] == [1, 2, 3, 4]
    assert [e.seq for e in second] == [5, 6, 7, 8]
    assert [e.seq for e in last] == [9, 10]
    assert past == []


@pytest.mark.parametrize(
    ("after", "limit", "field"), [(-1, 10, "after"), (0, 0, "limit"), (0, 1001, "limit")]
)
def test_the_change_feed_refuses_bad_cursors_and_limits(
    world: World, after: int, limit: int, field: str
) -> None:
    """A negative cursor or a limit outside 1-1000 is INVALID_INPUT naming it."""
    with pytest.raises(AkaError) as caught, world.tx(write=False) as tx:
        queries.events_page(tx, after, limit)
    assert (caught.value.code, caught.value.field) == (Code.INVALID_INPUT, field)
