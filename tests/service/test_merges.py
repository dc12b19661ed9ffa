"""Merging two profiles into one, and undoing it from what the merge event recorded."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from aka.core import events as ev
from aka.core.errors import AkaError, Code
from aka.core.ports import Transaction
from aka.service import erasure, groups, identities, merges, queries
from aka.service.refs import ProfileRef

from .builders import World, ident, ref


def refused(world: World, operation: Callable[[Transaction], object]) -> AkaError:
    before = world.last_seq()
    with pytest.raises(AkaError) as caught, world.tx() as tx:
        operation(tx)
    assert world.last_seq() == before
    return caught.value


# --- merge -----------------------------------------------------------------------------


def test_a_merge_moves_every_identifier_and_leaves_a_forwarding_tombstone(world: World) -> None:
    """The merge event's seq is the merge id; the old id still resolves."""
    keep = world.person("email:ann@x.io")
    gone = world.person("device:d1", "device:d2")
    with world.tx() as tx:
        result = merges.merge(tx, ref(keep), ref(gone), actor="key_1")
    assert result.profile.profile.id == keep
    assert world.holds(keep) == {"email:ann@x.io", "device:d1", "device:d2"}
    assert world.holds(gone) == set()
    assert world.stored(gone).merged_into == keep
    event = world.events()[-1]
    assert (event.seq, event.type, event.actor) == (result.merge_id, ev.PROFILE_MERGED, "key_1")
    with world.tx(write=False) as tx:
        assert queries.get(tx, ref(gone)).profile.id == keep


def test_a_merge_moves_memberships_in_both_roles(world: World) -> None:
    """`gone` was a member of a group and a group of a member: keep takes both places."""
    keep, gone, group, child = (world.person() for _ in range(4))
    world.member(group, gone)
    world.member(gone, child)
    world.merged(keep, gone)
    assert world.edges(keep) == {(group, keep), (keep, child)}
    assert world.edges(gone) == set()


def test_a_merge_drops_edges_that_would_loop_or_repeat(world: World) -> None:
    """keep cannot be its own member, nor a member of one group twice."""
    keep, gone, group = (world.person() for _ in range(3))
    world.member(group, keep)
    world.member(group, gone)
    world.member(keep, gone)
    world.merged(keep, gone)
    assert world.edges(keep) == {(group, keep)}


def test_a_merge_moves_the_external_id_to_an_anonymous_survivor(world: World) -> None:
    """The survivor becomes identified; the id resolves to it."""
    keep = world.person()
    gone = world.person(external_id="u1")
    world.merged(keep, gone)
    assert world.stored(keep).external_id == "u1"
    assert world.stored(gone).external_id is None
    with world.tx(write=False) as tx:
        assert queries.get(tx, ProfileRef(external_id="u1")).profile.id == keep


def test_a_merge_adds_attributes_the_survivor_lacks(world: World) -> None:
    """The survivor's own values win."""
    keep = world.person(attributes={"plan": "pro"})
    gone = world.person(attributes={"plan": "free", "city": "Oslo"})
    world.merged(keep, gone)
    assert world.stored(keep).attributes == {"plan": "pro", "city": "Oslo"}


def test_tombstones_forward_in_one_hop_after_a_chain_of_merges(world: World) -> None:
    """A <- B, then C <- A: B must point straight at C."""
    a, b, c = world.person("crm:a"), world.person("crm:b"), world.person("crm:c")
    world.merged(a, b)
    world.merged(c, a)
    assert world.stored(b).merged_into == c
    assert world.stored(a).merged_into == c
    assert world.holds(c) == {"crm:a", "crm:b", "crm:c"}
    with world.tx() as tx:
        identities.link(tx, ref(b), ident("crm:via-b"))
        assert queries.get(tx, ref(b)).profile.id == c
    assert world.owner("crm:via-b") == c


def test_merge_refs_forward_from_tombstones(world: World) -> None:
    """Merging into or from a merged id acts on the live profile behind it."""
    a, b, c = world.person(), world.person(), world.person()
    world.merged(a, b)
    with world.tx() as tx:
        merges.merge(tx, ref(c), ref(b))  # b forwards to a: a is merged into c
    assert world.stored(a).merged_into == c


@pytest.mark.parametrize("through_tombstone", [False, True], ids=["directly", "via-tombstone"])
def test_a_profile_cannot_be_merged_into_itself(world: World, through_tombstone: bool) -> None:
    """A tombstone id of keep is keep."""
    keep, gone = world.person(), world.person()
    world.merged(keep, gone)
    other = gone if through_tombstone else keep
    error = refused(world, lambda tx: merges.merge(tx, ref(keep), ref(other)))
    assert error.code is Code.MERGE_SAME_PROFILE


def test_two_identified_profiles_merge_only_with_force(world: World) -> None:
    """Forced: the survivor keeps its id; the tombstone keeps the other, which forwards."""
    keep = world.person(external_id="u1")
    gone = world.person("device:d1", external_id="u2")
    error = refused(world, lambda tx: merges.merge(tx, ref(keep), ref(gone)))
    assert error.code is Code.MERGE_BOTH_IDENTIFIED
    assert error.details == {"keep": keep, "merge": gone}
    world.merged(keep, gone, force=True)
    assert world.owner("device:d1") == keep
    assert world.stored(keep).external_id == "u1"
    with world.tx(write=False) as tx:  # the tombstone keeps u2, which forwards
        assert queries.get(tx, ProfileRef(external_id="u2")).profile.id == keep


def test_a_merge_that_would_break_a_namespace_limit_is_refused(world: World) -> None:
    """The combined profile is counted; the error names namespace, limit and count."""
    world.configure({"namespaces": {"device": {"max_per_profile": 3}}})
    keep = world.person("device:1", "device:2")
    gone = world.person("device:3", "device:4")
    error = refused(world, lambda tx: merges.merge(tx, ref(keep), ref(gone)))
    assert error.code is Code.NAMESPACE_LIMIT
    assert error.details == {"namespace": "device", "limit": 3, "actual": 4}


def test_a_deleted_profile_cannot_be_merged(world: World) -> None:
    """On either side: PROFILE_NOT_FOUND naming the side."""
    keep, gone = world.person(), world.person()
    with world.tx() as tx:
        erasure.delete_profile(tx, ref(gone))
    error = refused(world, lambda tx: merges.merge(tx, ref(keep), ref(gone)))
    assert (error.code, error.field) == (Code.PROFILE_NOT_FOUND, "merge")
    error = refused(world, lambda tx: merges.merge(tx, ref(gone), ref(keep)))
    assert (error.code, error.field) == (Code.PROFILE_NOT_FOUND, "keep")


# --- unmerge ---------------------------------------------------------------------------


def test_unmerge_puts_identifiers_back_where_they_were(world: World) -> None:
    """The merged profile is revived holding what it held; the undo is an event."""
    keep = world.person("email:ann@x.io")
    gone = world.person("device:d1", "device:d2")
    merge_id = world.merged(keep, gone)
    with world.tx() as tx:
        result = merges.unmerge(tx, merge_id, actor="key_2")
    assert result.merge_id == merge_id
    assert result.profile.profile.id == gone
    assert result.profile.profile.merged_into is None
    assert world.holds(keep) == {"email:ann@x.io"}
    assert world.holds(gone) == {"device:d1", "device:d2"}
    event = world.events()[-1]
    assert (event.type, event.payload["merge_seq"], event.actor) == (
        ev.PROFILE_UNMERGED,
        merge_id,
        "key_2",
    )


def test_unmerge_restores_primary_flags(world: World) -> None:
    """The merge demoted gone's primary (keep had one); undo promotes it again."""
    keep = world.person(ident("email:a@x.io", primary=True))
    gone = world.person(ident("email:b@x.io", primary=True))
    merge_id = world.merged(keep, gone)
    with world.tx(write=False) as tx:
        assert {i.value for i in tx.identifiers_of(keep) if i.primary} == {"a@x.io"}
    world.unmerged(merge_id)
    with world.tx(write=False) as tx:
        assert [i.primary for i in tx.identifiers_of(keep)] == [True]
        assert [i.primary for i in tx.identifiers_of(gone)] == [True]


def test_unmerge_restores_memberships(world: World) -> None:
    """Moved edges go back, and so do the ones the merge dropped."""
    keep, gone, group, child, shared = (world.person() for _ in range(5))
    world.member(group, gone)
    world.member(gone, child)
    world.member(shared, keep)
    world.member(shared, gone)  # dropped by the merge as a duplicate
    world.member(keep, gone)  # dropped by the merge as a self-loop
    merge_id = world.merged(keep, gone)
    world.unmerged(merge_id)
    assert world.edges(gone) == {(group, gone), (gone, child), (shared, gone), (keep, gone)}
    assert world.edges(keep) == {(shared, keep), (keep, gone)}


def test_unmerge_re_points_the_tombstones_back(world: World) -> None:
    """A <- B, then C <- A; undoing the second makes B forward to A again."""
    a, b, c = world.person("crm:a"), world.person("crm:b"), world.person("crm:c")
    world.merged(a, b)
    second = world.merged(c, a)
    world.unmerged(second)
    assert world.stored(b).merged_into == a
    assert world.stored(a).merged_into is None
    assert world.holds(a) == {"crm:a", "crm:b"}
    assert world.holds(c) == {"crm:c"}


def test_unmerge_moves_the_external_id_back(world: World) -> None:
    """The id and the attributes the merge gave go back with the revived profile."""
    keep = world.person()
    gone = world.person(external_id="u1", attributes={"city": "Oslo"})
    merge_id = world.merged(keep, gone)
    world.unmerged(merge_id)
    assert world.stored(gone).external_id == "u1"
    assert world.stored(keep).external_id is None
    assert world.stored(keep).attributes == {}
    with world.tx(write=False) as tx:
        assert queries.get(tx, ProfileRef(external_id="u1")).profile.id == gone


def test_unmerge_leaves_what_changed_since_the_merge(world: World) -> None:
    """Unlinked, renamed or re-flagged after the merge: those stay as they are now."""
    keep = world.person()
    gone = world.person("crm:same", "crm:unlinked", "crm:renamed", "crm:flagged")
    merge_id = world.merged(keep, gone)
    with world.tx() as tx:
        identities.unlink(tx, "crm", "unlinked")
        identities.rename(tx, "crm", "renamed", "renamed-later")
        identities.update_identifier(tx, "crm", "flagged", disabled=True)
    world.unmerged(merge_id)
    assert world.holds(gone) == {"crm:same"}
    assert world.holds(keep) == {"crm:renamed-later", "crm:flagged"}


def test_a_merge_cannot_be_undone_twice(world: World) -> None:
    """MERGE_ALREADY_UNDONE names the undo."""
    keep, gone = world.person(), world.person()
    merge_id = world.merged(keep, gone)
    world.unmerged(merge_id)
    undone_by = world.last_seq()
    error = refused(world, lambda tx: merges.unmerge(tx, merge_id))
    assert error.code is Code.MERGE_ALREADY_UNDONE
    assert error.details == {"undone_by": undone_by}


def test_a_merge_cannot_be_undone_while_a_later_merge_moved_its_survivor(world: World) -> None:
    """Undo the later merge first; the error names the profile in the way."""
    a, b, c = world.person(), world.person(), world.person()
    first = world.merged(a, b)
    world.merged(c, a)
    error = refused(world, lambda tx: merges.unmerge(tx, first))
    assert error.code is Code.MERGE_NOT_UNDOABLE
    assert error.details == {"blocking_profile": c}


def test_a_merge_cannot_be_undone_once_its_profile_is_deleted(world: World) -> None:
    """The survivor was deleted (with its tombstones): nothing to revive."""
    keep, gone = world.person(), world.person()
    merge_id = world.merged(keep, gone)
    with world.tx() as tx:
        erasure.delete_profile(tx, ref(keep))
    error = refused(world, lambda tx: merges.unmerge(tx, merge_id))
    assert (error.code, error.field) == (Code.MERGE_NOT_UNDOABLE, "merge_id")


def test_a_merge_whose_tombstone_was_merged_again_cannot_be_undone(world: World) -> None:
    """Undo A <- B, merge B into C: the first merge no longer describes B."""
    a, b, c = world.person(), world.person(), world.person()
    first = world.merged(a, b)
    world.unmerged(first)
    world.merged(c, b)
    error = refused(world, lambda tx: merges.unmerge(tx, first))
    assert error.code is Code.MERGE_ALREADY_UNDONE


@pytest.mark.parametrize("merge_id", [0, -1, "1", True, 1, 999])
def test_unmerge_of_something_that_is_not_a_merge_is_not_found(
    world: World, merge_id: object
) -> None:
    """Seq 1 exists but is a `profile.created`; 999 does not exist at all."""
    world.person()
    error = refused(world, lambda tx: merges.unmerge(tx, merge_id))
    assert (error.code, error.field) == (Code.MERGE_NOT_FOUND, "merge_id")


def test_unmerge_does_not_restore_a_membership_in_a_group_deleted_since(world: World) -> None:
    """gone's membership of `group` was folded into keep's by the merge; the group is
    deleted later: undoing the merge must not re-create an edge to a deleted profile."""
    keep, gone, group = world.person(), world.person(), world.person()
    world.member(group, keep)
    world.member(group, gone)
    merge_id = world.merged(keep, gone)
    with world.tx() as tx:
        erasure.delete_profile(tx, ref(group))
    world.unmerged(merge_id)
    assert world.edges(gone) == set()
    assert world.violations() == []


def test_unmerge_does_not_restore_a_membership_in_a_group_merged_away_since(
    world: World,
) -> None:
    """The edge moved on with the group; the revived profile is not put back into a tombstone."""
    keep, gone, group, bigger = (world.person() for _ in range(4))
    world.member(group, keep)
    world.member(group, gone)
    merge_id = world.merged(keep, gone)
    world.merged(bigger, group)
    world.unmerged(merge_id)
    assert world.edges(keep) == {(bigger, keep)}
    assert world.edges(gone) == set()
    assert world.violations() == []


def test_a_membership_removed_after_the_merge_stays_removed(world: World) -> None:
    """A change since the merge is respected by the undo."""
    keep, gone, group = world.person(), world.person(), world.person()
    world.member(group, gone)
    merge_id = world.merged(keep, gone)
    with world.tx() as tx:
        groups.remove_member(tx, ref(group), ref(keep))
    world.unmerged(merge_id)
    assert world.edges(gone) == set()
    assert world.edges(keep) == set()


def test_merges_undone_newest_first_put_everything_back(world: World) -> None:
    """A <- B, C <- A; undo the second, then the first: B gets its identifiers back,
    because an undo restores each identifier's seq from before its merge."""
    a, b, c = world.person("crm:a"), world.person("crm:b"), world.person("crm:c")
    first = world.merged(a, b)
    second = world.merged(c, a)
    world.unmerged(second)
    world.unmerged(first)
    assert world.holds(b) == {"crm:b"}
