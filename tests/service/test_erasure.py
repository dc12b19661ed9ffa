"""Deleting a profile: gone from the graph, and its personal data gone from the log."""

from __future__ import annotations

import pytest

from aka.core import events as ev
from aka.core.errors import AkaError, Code
from aka.service import erasure, identities, merges, queries
from aka.service.check import check_workspace
from aka.service.refs import ProfileRef

from .builders import World, ident, ref


def delete(world: World, target: ProfileRef) -> str:
    with world.tx() as tx:
        return erasure.delete_profile(tx, target, actor="key_1")


def log_text(world: World) -> str:
    """Every payload of the log as one string, to search for personal data."""
    return "\n".join(repr(e.payload) for e in world.events())


def assert_not_found(world: World, target: ProfileRef) -> None:
    with pytest.raises(AkaError) as caught, world.tx(write=False) as tx:
        queries.get(tx, target)
    assert caught.value.code is Code.PROFILE_NOT_FOUND


def test_delete_removes_the_profile_its_tombstones_identifiers_and_memberships(
    world: World,
) -> None:
    """No reference reaches it any more; other profiles and edges stay."""
    pid = world.person("email:ann@x.io", "device:d1", external_id="u-ann")
    older = world.person("device:d2", external_id="u-old")
    world.merged(pid, older, force=True)
    group, child, bystander = world.person(), world.person(), world.person("device:d9")
    world.member(group, pid)
    world.member(pid, child)
    world.member(group, bystander)

    assert delete(world, ref(pid)) == pid

    assert world.profile(pid) is None
    assert world.profile(older) is None
    for gone in ("email:ann@x.io", "device:d1", "device:d2"):
        assert world.owner(gone) is None
    assert world.edges(group) == {(group, bystander)}
    assert world.edges(child) == set()
    for target in (
        ref(pid),
        ref(older),
        ProfileRef(external_id="u-ann"),
        ProfileRef(external_id="u-old"),
    ):
        assert_not_found(world, target)
    assert world.owner("device:d9") == bystander
    with world.tx(write=False) as tx:
        assert check_workspace(tx) == []


def test_delete_through_a_tombstone_id_deletes_the_survivor(world: World) -> None:
    """References forward: a merged id names the person it became."""
    keep, gone = world.person("crm:k"), world.person("crm:g")
    world.merged(keep, gone)
    assert delete(world, ref(gone)) == keep
    assert world.profile(keep) is None


def test_the_log_keeps_its_events_but_loses_the_values_and_external_ids(world: World) -> None:
    """Right to erasure: every event stays (the log still replays), no personal data does."""
    pid = world.person(
        ident("email:ann@x.io", note="vip"),
        "phone:+4712345678",
        external_id="u-ann",
        attributes={"city": "Oslo"},
    )
    older = world.person("device:ann-laptop", attributes={"pet": "Rex"})
    world.merged(pid, older)
    with world.tx() as tx:
        identities.link(tx, ref(pid), ident("crm:ann-42"))
        identities.update_attributes(tx, ref(pid), {"team": "Sales"})
    bob = world.person("email:bob@x.io", external_id="u-bob")
    count = len(world.events())

    delete(world, ref(pid))

    events = world.events()
    assert len(events) == count + 1
    assert events[-1].type == ev.PROFILE_DELETED
    assert events[-1].actor == "key_1"
    text = log_text(world)
    for secret in (
        "ann@x.io",
        "+4712345678",
        "u-ann",
        "ann-laptop",
        "ann-42",
        "Oslo",
        "Rex",
        "Sales",
        "vip",
    ):
        assert secret not in text, f"{secret!r} is still in the log"
    assert "bob@x.io" in text
    assert "u-bob" in text
    assert world.holds(bob) == {"email:bob@x.io"}
    assert world.violations() == []


def test_values_the_profile_held_earlier_are_erased_too(world: World) -> None:
    """A value renamed away or unlinked was the person's data as much as the current ones."""
    pid = world.person("braze:ann-old", "crm:ann-unlinked", "crm:ann-kept")
    with world.tx() as tx:
        identities.rename(tx, "braze", "ann-old", "ann-new")
        identities.unlink(tx, "crm", "ann-unlinked")
    delete(world, ref(pid))
    text = log_text(world)
    for secret in ("ann-old", "ann-new", "ann-unlinked", "ann-kept"):
        assert secret not in text, f"{secret!r} is still in the log"
    assert world.violations() == []


def test_a_former_value_now_held_by_someone_else_stays_theirs(world: World) -> None:
    """Erasure never touches another person's live identifier."""
    pid = world.person("crm:shared")
    with world.tx() as tx:
        identities.unlink(tx, "crm", "shared")
    other = world.person("crm:shared")
    delete(world, ref(pid))
    assert world.owner("crm:shared") == other
    assert world.violations() == []


def test_delete_after_merges_were_undone_still_replays(world: World) -> None:
    """An identifier linked on L, carried to P and beyond by merges, changed on P and so
    left there when the merges were undone: erasing it must also rewrite L's events, or
    replay would keep it on L."""
    lasting = world.person("crm:x")
    pid, other = world.person(), world.person()
    first = world.merged(pid, lasting)
    second = world.merged(other, pid)
    world.unmerged(second)
    with world.tx() as tx:  # changed since the first merge: its undo leaves it on P
        identities.update_identifier(tx, "crm", "x", attributes={"source": "import"})
    world.unmerged(first)
    assert world.owner("crm:x") == pid

    delete(world, ref(pid))

    assert world.owner("crm:x") is None
    assert world.profile(lasting) is not None
    assert "'x'" not in log_text(world)
    assert world.violations() == []


def test_delete_after_an_undone_merge_into_a_profile_updated_since_still_replays(
    world: World,
) -> None:
    """The merge gave `keep` the deleted profile's `city`; keep's own update later wrote
    its whole attribute map, city included; the undo removed city again. Erasing the
    merge's values must leave replay adding and removing the same names."""
    keep = world.person(attributes={"plan": "free"})
    pid = world.person(attributes={"city": "Trondheim"})
    merge_id = world.merged(keep, pid)
    with world.tx() as tx:
        identities.update_attributes(tx, ref(keep), {"plan": "pro"})
        merges.unmerge(tx, merge_id)
    delete(world, ref(pid))
    assert world.stored(keep).attributes == {"plan": "pro"}
    assert world.violations() == []


def test_a_deleted_identifier_can_be_linked_again_as_a_new_one(world: World) -> None:
    """After erasure the value is free, and the log still replays."""
    pid = world.person("email:ann@x.io")
    delete(world, ref(pid))
    newcomer = world.person("email:ann@x.io")
    assert world.owner("email:ann@x.io") == newcomer
    assert world.violations() == []


def test_a_deleted_external_id_can_be_used_again(world: World) -> None:
    """The external id is released with the profile."""
    pid = world.person(external_id="u-ann")
    delete(world, ref(pid))
    again = world.person(external_id="u-ann")
    with world.tx(write=False) as tx:
        assert queries.get(tx, ProfileRef(external_id="u-ann")).profile.id == again


def test_deleting_an_unknown_profile_is_not_found(world: World) -> None:
    """PROFILE_NOT_FOUND, and nothing is written."""
    with pytest.raises(AkaError) as caught, world.tx() as tx:
        erasure.delete_profile(tx, ref("nobody"))
    assert caught.value.code is Code.PROFILE_NOT_FOUND


def test_history_of_a_merge_partner_survives_the_deletion(world: World) -> None:
    """An undone merge with the deleted profile stays in the partner's history, redacted."""
    partner = world.person("crm:partner")
    pid = world.person("crm:ann")
    merge_id = world.merged(partner, pid)
    with world.tx() as tx:
        merges.unmerge(tx, merge_id)
    delete(world, ref(pid))
    with world.tx(write=False) as tx:
        types = [e.type for e in queries.history(tx, ref(partner))]
    assert types == [ev.PROFILE_CREATED, ev.PROFILE_MERGED, ev.PROFILE_UNMERGED]
    assert "'ann'" not in log_text(world)
    assert world.violations() == []
