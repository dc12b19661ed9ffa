"""graph: which merges the rules allow, what a merge and its undo move, and the group walk."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from aka.core import events as ev
from aka.core import graph
from aka.core.errors import AkaError, Code
from aka.core.model import Event, Identifier, IdentifierKey, Membership, Profile
from aka.core.settings import WorkspaceSettings

from .builders import a_profile, an_edge, an_event, an_identifier, identifiers, merge_payload

DEFAULTS = WorkspaceSettings()


def allowed(
    keep: Profile,
    merge: Profile,
    *,
    force: bool = False,
    keep_identifiers: list[Identifier] | None = None,
    merge_identifiers: list[Identifier] | None = None,
    settings: WorkspaceSettings = DEFAULTS,
) -> None:
    graph.check_merge_allowed(
        keep,
        merge,
        force=force,
        keep_identifiers=keep_identifiers or [],
        merge_identifiers=merge_identifiers or [],
        settings=settings,
    )


def refused(keep: Profile, merge: Profile, **kwargs: Any) -> AkaError:
    with pytest.raises(AkaError) as caught:
        allowed(keep, merge, **kwargs)
    return caught.value


# --- check_merge_allowed -----------------------------------------------------------


def test_a_profile_cannot_be_merged_into_itself() -> None:
    """Refused even with force: there is nothing to merge."""
    profile = a_profile()
    error = refused(profile, profile, force=True)
    assert (error.code, error.field) == (Code.MERGE_SAME_PROFILE, "merge")


def test_two_identified_profiles_are_not_merged_without_force() -> None:
    """Two known people are kept apart unless the caller insists; the error names both."""
    keep, merge = a_profile(identified=True), a_profile(identified=True)
    error = refused(keep, merge)
    assert error.code is Code.MERGE_BOTH_IDENTIFIED
    assert error.details == {"keep": keep.id, "merge": merge.id}
    assert "force" in error.message


def test_force_merges_two_identified_profiles() -> None:
    """force=true is the caller saying: yes, these two are one person."""
    allowed(a_profile(identified=True), a_profile(identified=True), force=True)


@pytest.mark.parametrize(
    ("keep_known", "merge_known"), [(True, False), (False, True), (False, False)]
)
def test_at_most_one_identified_side_merges_without_force(
    keep_known: bool, merge_known: bool
) -> None:
    """An anonymous side can always join an identified one, or another anonymous one."""
    allowed(a_profile(identified=keep_known), a_profile(identified=merge_known))


def test_the_combined_profile_must_stay_within_each_namespace_limit() -> None:
    """3 + 3 devices with a limit of 5 is refused, naming namespace, limit and count."""
    settings = DEFAULTS.updated({"namespaces": {"device": {"max_per_profile": 5}}})
    keep, merge = a_profile(), a_profile()
    error = refused(
        keep,
        merge,
        force=True,
        keep_identifiers=identifiers(keep, "device", 3),
        merge_identifiers=identifiers(merge, "device", 3),
        settings=settings,
    )
    assert error.code is Code.NAMESPACE_LIMIT
    assert error.details == {"namespace": "device", "limit": 5, "actual": 6}
    assert "'device'" in error.message


def test_a_combined_profile_exactly_at_the_limit_is_allowed() -> None:
    """The limit is inclusive, and only the namespace with a rule is held to it."""
    settings = DEFAULTS.updated({"namespaces": {"device": {"max_per_profile": 5}}})
    keep, merge = a_profile(), a_profile()
    allowed(
        keep,
        merge,
        keep_identifiers=identifiers(keep, "device", 3) + identifiers(keep, "other", 50),
        merge_identifiers=identifiers(merge, "device", 2) + identifiers(merge, "other", 50),
        settings=settings,
    )


def test_namespace_limits_are_counted_per_namespace() -> None:
    """Other namespaces fall back to the default of 100."""
    keep, merge = a_profile(), a_profile()
    error = refused(
        keep,
        merge,
        keep_identifiers=identifiers(keep, "crm", 60),
        merge_identifiers=identifiers(merge, "crm", 41),
    )
    assert error.details == {"namespace": "crm", "limit": 100, "actual": 101}


def test_the_same_profile_refusal_comes_before_the_others() -> None:
    """Merging an identified profile into itself says 'same profile', not 'both identified'."""
    profile = a_profile(identified=True)
    assert refused(profile, profile).code is Code.MERGE_SAME_PROFILE


# --- plan_merge ------------------------------------------------------------------------


def plan(
    keep: Profile,
    merge: Profile,
    *,
    keep_identifiers: list[Identifier] | None = None,
    merge_identifiers: list[Identifier] | None = None,
    edges: list[Membership] | None = None,
    tombstones: list[str] | None = None,
) -> ev.Change:
    return graph.plan_merge(
        keep,
        merge,
        keep_identifiers=keep_identifiers or [],
        merge_identifiers=merge_identifiers or [],
        edges=edges or [],
        tombstones=tombstones or [],
        actor="key_1",
    )


def test_plan_merge_records_everything_the_merge_moves() -> None:
    """Identifiers, tombstones, the external id and new attributes: all an undo needs."""
    keep = a_profile(attributes={"plan": "pro"})
    merge = a_profile(identified=True, attributes={"plan": "free", "city": "Oslo"})
    moved = [an_identifier(merge, "email", "b@x.io"), an_identifier(merge, "device", "d1")]
    change = plan(
        keep,
        merge,
        keep_identifiers=[an_identifier(keep, "email", "a@x.io")],
        merge_identifiers=moved,
        tombstones=["t2", "t1"],
    )
    assert (change.type, change.profile_id, change.actor) == (ev.PROFILE_MERGED, keep.id, "key_1")
    assert change.payload == {
        "keep": keep.id,
        "merge": merge.id,
        "identifiers": [["email", "b@x.io"], ["device", "d1"]],
        "identifier_seqs": [1, 1],
        "demoted": [],
        "memberships": [],
        "tombstones": ["t1", "t2"],
        "external_id_moved": merge.external_id,
        "attributes_added": {"city": "Oslo"},
    }


def test_plan_merge_keeps_an_existing_external_id_on_the_survivor() -> None:
    """Forced merge of two known people: the survivor's id stays, nothing moves."""
    change = plan(a_profile(identified=True), a_profile(identified=True))
    assert change.payload["external_id_moved"] is None


def test_plan_merge_demotes_a_moved_primary_where_the_survivor_has_one() -> None:
    """At most one primary per namespace per profile: the survivor's wins."""
    keep, merge = a_profile(), a_profile()
    moved = [
        an_identifier(merge, "email", "b@x.io", primary=True),
        an_identifier(merge, "phone", "+1", primary=True),
    ]
    change = plan(
        keep,
        merge,
        keep_identifiers=[an_identifier(keep, "email", "a@x.io", primary=True)],
        merge_identifiers=moved,
    )
    assert change.payload["demoted"] == [["email", "b@x.io"]]


def test_plan_merge_rewrites_edges_and_marks_the_dropped_ones() -> None:
    """An edge that would become a self-loop or a duplicate is dropped (inserted=false)."""
    keep, merge, group, other, child = (a_profile() for _ in range(5))
    edges = [
        an_edge(group, keep),  # keep's own edge: untouched
        an_edge(group, merge),  # duplicate of the one above once rewritten
        an_edge(keep, merge),  # would be a self-loop
        an_edge(other, merge),  # moves to keep
        an_edge(merge, child),  # merge was a group: keep becomes the group
    ]
    change = plan(keep, merge, edges=sorted(edges))
    assert sorted(map(tuple, change.payload["memberships"])) == sorted(
        [
            (group.id, merge.id, False, 1),
            (keep.id, merge.id, False, 1),
            (other.id, merge.id, True, 1),
            (merge.id, child.id, True, 1),
        ]
    )


# --- plan_unmerge ----------------------------------------------------------------------


def merge_event(keep: Profile, merge: Profile, *, seq: int, **payload: object) -> Event:
    full = merge_payload(keep.id, merge.id, **payload)
    return an_event(ev.PROFILE_MERGED, seq=seq, profile_id=keep.id, **full)


def holding(
    idents: list[Identifier],
) -> Callable[[list[IdentifierKey]], dict[IdentifierKey, Identifier]]:
    def current(keys: list[IdentifierKey]) -> dict[IdentifierKey, Identifier]:
        return {i.key: i for i in idents if i.key in set(keys)}

    return current


def unplan(
    event: Event,
    keep: Profile | None,
    merge: Profile | None,
    *,
    now: list[Identifier] | None = None,
    keep_edges: list[Membership] | None = None,
    tombstones_of_keep: list[str] | None = None,
) -> ev.Change:
    return graph.plan_unmerge(
        event,
        keep=keep,
        merge=merge,
        current=holding(now or []),
        keep_edges=keep_edges or [],
        tombstones_of_keep=tombstones_of_keep or [],
        actor=None,
    )


def test_plan_unmerge_restores_only_what_still_carries_the_merge_seq() -> None:
    """Moved elsewhere, changed since, or unlinked: each stays as it is now."""
    keep = a_profile()
    merge = a_profile(merged_into=keep.id)
    untouched = an_identifier(keep, "device", "a", seq=7)
    changed = an_identifier(keep, "device", "b", seq=9)
    moved_on = an_identifier("p-other", "device", "c", seq=7)
    event = merge_event(
        keep,
        merge,
        seq=7,
        identifiers=[["device", "a"], ["device", "b"], ["device", "c"], ["device", "gone"]],
    )
    change = unplan(event, keep, merge, now=[untouched, changed, moved_on])
    assert change.type == ev.PROFILE_UNMERGED
    assert change.payload["merge_seq"] == 7
    assert change.payload["identifiers"] == [["device", "a"]]


def test_plan_unmerge_promotes_demoted_primaries_only_when_restored() -> None:
    """A demoted primary that changed since stays where and as it is."""
    keep = a_profile()
    merge = a_profile(merged_into=keep.id)
    event = merge_event(
        keep,
        merge,
        seq=3,
        identifiers=[["email", "b@x.io"], ["phone", "+1"]],
        demoted=[["email", "b@x.io"], ["phone", "+1"]],
    )
    now = [an_identifier(keep, "email", "b@x.io", seq=3), an_identifier(keep, "phone", "+1", seq=5)]
    assert unplan(event, keep, merge, now=now).payload["promoted"] == [["email", "b@x.io"]]


def test_plan_unmerge_puts_back_edges_unchanged_since_the_merge() -> None:
    """Rewritten edges still at the merge's seq go back; dropped self-loops are re-created;
    each restored edge takes back the seq it had before the merge."""
    keep = a_profile()
    merge = a_profile(merged_into=keep.id)
    group, other = a_profile(), a_profile()
    event = merge_event(
        keep,
        merge,
        seq=4,
        memberships=[
            [group.id, merge.id, True, 2],  # rewritten to (group, keep), still seq 4
            [other.id, merge.id, True, 2],  # rewritten, then changed since (seq 6)
            [keep.id, merge.id, False, 3],  # was dropped as a self-loop
        ],
    )
    keep_edges = [an_edge(group, keep, seq=4), an_edge(other, keep, seq=6)]
    payload = unplan(event, keep, merge, keep_edges=keep_edges).payload
    assert payload["memberships_removed"] == [[group.id, keep.id]]
    assert payload["memberships_restored"] == [[group.id, merge.id, 2], [keep.id, merge.id, 3]]


def test_plan_unmerge_does_not_restore_a_dropped_duplicate_whose_edge_is_gone() -> None:
    """merge dropped (group, merge) as a duplicate of (group, keep); once that edge is gone
    (the group was deleted or merged away) the membership is not put back: it would point
    at a profile that is no longer live. (An event written before edge seqs were recorded
    restores the edge with the merge's own seq.)"""
    keep = a_profile()
    merge = a_profile(merged_into=keep.id)
    group = a_profile()
    event = merge_event(keep, merge, seq=4, memberships=[[group.id, merge.id, False]])
    payload = unplan(event, keep, merge, keep_edges=[]).payload
    assert payload["memberships_restored"] == []
    still = unplan(event, keep, merge, keep_edges=[an_edge(group, keep, seq=2)]).payload
    assert still["memberships_restored"] == [[group.id, merge.id, 4]]


def test_plan_unmerge_re_points_only_tombstones_still_forwarding_to_keep() -> None:
    """Tombstones that moved on (or were revived) since are left alone."""
    keep = a_profile()
    merge = a_profile(merged_into=keep.id)
    event = merge_event(keep, merge, seq=2, tombstones=["t1", "t2"])
    payload = unplan(event, keep, merge, tombstones_of_keep=["t2", merge.id]).payload
    assert payload["tombstones"] == ["t2"]


def test_plan_unmerge_moves_the_external_id_back_only_while_keep_still_holds_it() -> None:
    """The id goes back with the profile it came from, unless keep now holds another."""
    keep = a_profile(external_id="u1")
    merge = a_profile(merged_into=keep.id)
    event = merge_event(keep, merge, seq=2, external_id_moved="u1")
    assert unplan(event, keep, merge).payload["external_id_moved"] == "u1"
    renamed = a_profile(keep.id, external_id="u2")
    assert unplan(event, renamed, merge).payload["external_id_moved"] is None


def test_plan_unmerge_removes_added_attributes_unless_changed_since() -> None:
    """An attribute the merge added is removed only if it still has the merged value."""
    keep = a_profile(attributes={"city": "Oslo", "plan": "team"})
    merge = a_profile(merged_into=keep.id)
    event = merge_event(keep, merge, seq=2, attributes_added={"city": "Oslo", "plan": "free"})
    assert unplan(event, keep, merge).payload["attributes_removed"] == ["city"]


def test_plan_unmerge_refuses_when_a_profile_was_deleted() -> None:
    """Either side deleted: there is nothing to revive or nothing to take from."""
    keep = a_profile()
    merge = a_profile(merged_into=keep.id)
    event = merge_event(keep, merge, seq=2)
    for k, m in ((None, merge), (keep, None)):
        with pytest.raises(AkaError) as caught:
            unplan(event, k, m)
        assert (caught.value.code, caught.value.field) == (Code.MERGE_NOT_UNDOABLE, "merge_id")
        assert "deleted" in caught.value.message


def test_plan_unmerge_refuses_while_keep_is_itself_merged_away() -> None:
    """A later merge moved keep: that one must be undone first; the error names it."""
    keep = a_profile(merged_into="p-later")
    merge = a_profile(merged_into="p-later")
    with pytest.raises(AkaError) as caught:
        unplan(merge_event(keep, merge, seq=2), keep, merge)
    assert caught.value.code is Code.MERGE_NOT_UNDOABLE
    assert caught.value.details == {"blocking_profile": "p-later"}


def test_plan_unmerge_refuses_when_merge_no_longer_forwards_to_keep() -> None:
    """The merged profile was revived (or re-merged elsewhere): this merge no longer applies."""
    keep, merge = a_profile(), a_profile()
    with pytest.raises(AkaError) as caught:
        unplan(merge_event(keep, merge, seq=2), keep, merge)
    assert caught.value.code is Code.MERGE_NOT_UNDOABLE


# --- walk_groups -----------------------------------------------------------------------


def parents_from(
    edges: list[tuple[str, str]],
) -> Callable[[set[str]], list[Membership]]:
    """`edges` as (group, member) pairs."""

    def parents(ids: set[str]) -> list[Membership]:
        return [Membership(g, m) for g, m in edges if m in ids]

    return parents


def test_walk_groups_finds_nested_groups_breadth_first() -> None:
    """Direct groups first, then their groups, each level sorted."""
    edges = [("team", "ann"), ("dept", "team"), ("all", "dept"), ("admins", "ann")]
    assert graph.walk_groups("ann", parents_from(edges)) == (
        ["admins", "team", "dept", "all"],
        False,
    )


def test_walk_groups_of_a_profile_in_no_group_is_empty() -> None:
    """No memberships: no groups, and nothing was cut short."""
    assert graph.walk_groups("ann", parents_from([])) == ([], False)


def test_walk_groups_visits_each_group_once_in_a_cycle() -> None:
    """Directories have cycles; the walk ends anyway and never lists the start."""
    edges = [("a", "ann"), ("b", "a"), ("a", "b"), ("ann", "b")]
    assert graph.walk_groups("ann", parents_from(edges)) == (["a", "b"], False)


def test_walk_groups_stops_at_the_depth_bound_and_says_so() -> None:
    """Three levels found, and the answer admits there were more."""
    chain = [(f"g{n + 1}", f"g{n}") for n in range(10)]  # g0 <- g1 <- ... <- g10
    found, limited = graph.walk_groups("g0", parents_from(chain), max_depth=3)
    assert (found, limited) == (["g1", "g2", "g3"], True)


def test_walk_groups_exactly_as_deep_as_the_bound_is_not_limited() -> None:
    """Reaching the bound with nothing above is a complete answer."""
    chain = [(f"g{n + 1}", f"g{n}") for n in range(3)]
    assert graph.walk_groups("g0", parents_from(chain), max_depth=3) == (["g1", "g2", "g3"], False)


def test_walk_groups_default_bound_is_16_levels() -> None:
    """Without an explicit bound, expand stops at EXPAND_MAX_DEPTH."""
    chain = [(f"g{n + 1}", f"g{n}") for n in range(40)]
    found, limited = graph.walk_groups("g0", parents_from(chain))
    assert len(found) == graph.EXPAND_MAX_DEPTH == 16
    assert limited


def test_check_room_refuses_one_over_the_namespaces_limit_naming_field_and_limit() -> None:
    settings = WorkspaceSettings().updated({"namespaces": {"crm": {"max_per_profile": 2}}})
    graph.check_room(settings, "crm", 2, holder="profile p", field="new_value")
    with pytest.raises(AkaError) as refused:
        graph.check_room(settings, "crm", 3, holder="profile p", field="new_value")
    assert refused.value.code is Code.NAMESPACE_LIMIT
    assert refused.value.field == "new_value"
    assert refused.value.details == {"namespace": "crm", "limit": 2, "actual": 3}
    assert "profile p would hold 3 identifiers in namespace 'crm'; the limit is 2" in str(
        refused.value.message
    )
