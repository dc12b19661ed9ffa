"""`check_workspace` finds each kind of corruption, on every backend, whatever the page.

The corruptions are made behind the store's back (`tamper.py`): raw SQL on the
databases, the memory twin's own tables in memory, as a bad manual fix, a half-applied
migration or a damaged disk would. Each test runs with pages of three rows (so every
read crosses pages) and with the real page size.
"""

from __future__ import annotations

import pytest

from aka.core.model import Kind
from aka.core.ports import Store
from aka.service import check, erasure, identities
from aka.service.check import Violation, check_workspace
from aka.service.identities import NewIdentifier

from .builders import World, ident, ref
from .tamper import Tamper


@pytest.fixture(params=[3, check.PAGE], ids=["pages-of-3", "real-pages"])
def page(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> int:
    size: int = request.param
    monkeypatch.setattr(check, "PAGE", size)
    return size


@pytest.fixture
def town(store: Store, page: int) -> World:
    """A world that may be left broken: these tests break it on purpose."""
    del page
    return World(store)


def history(world: World) -> dict[str, str]:
    """Links, primaries, groups, a merge, an undo, a merge again and an erasure."""
    keep = world.person(ident("email:ann@x.io", primary=True), "device:d1", identified=True)
    gone = world.person(ident("email:ann2@x.io", primary=True), "device:d2", "device:d3")
    group = world.person(ident("coveo:staff", kind=Kind.GROUP))
    other = world.person(identified=True)
    with world.tx() as tx:
        identities.link(tx, ref(other), NewIdentifier("device", "d8"))  # its own event
    doomed = world.person("device:d9")
    world.member(group, gone)
    world.member(group, other)
    world.unmerged(world.merged(keep, gone))
    world.merged(keep, gone)
    with world.tx() as tx:
        erasure.delete_profile(tx, ref(doomed))
    return {"keep": keep, "tombstone": gone, "group": group, "other": other}


def found(world: World) -> list[Violation]:
    with world.tx(write=False) as tx:
        return check_workspace(tx)


def invariants(world: World) -> set[int]:
    return {v.invariant for v in found(world)}


def messages(world: World) -> str:
    return "\n".join(v.message for v in found(world))


def test_a_healthy_workspace_has_no_violations(town: World) -> None:
    """After links, primaries, groups, merges, an undo and an erasure, nothing is found."""
    history(town)
    assert found(town) == []


def test_an_identifier_on_a_tombstone_breaks_invariant_1(store: Store, town: World) -> None:
    ids = history(town)
    Tamper(store).identifier("device", "d1", profile_id=ids["tombstone"])
    assert invariants(town) == {1, 4}
    assert f"identifier device:d1 belongs to {ids['tombstone']}, not a live" in messages(town)


def test_two_primaries_in_a_namespace_break_invariant_1(store: Store, town: World) -> None:
    """ann2 was demoted when its profile merged into ann's; made primary again."""
    ids = history(town)
    Tamper(store).identifier("email", "ann2@x.io", is_primary=True)
    assert invariants(town) == {1, 4}
    assert f"profile {ids['keep']} has 2 primaries in 'email'" in messages(town)


def test_a_tombstone_pointing_at_a_tombstone_breaks_invariant_2(store: Store, town: World) -> None:
    """The survivor made a tombstone itself: forwarding would no longer end in one hop."""
    ids = history(town)
    Tamper(store).profile(ids["keep"], merged_into=ids["other"])
    assert 2 in invariants(town)
    assert f"tombstone {ids['tombstone']} points at {ids['keep']}" in messages(town)


def test_a_membership_on_a_tombstone_breaks_invariant_2(store: Store, town: World) -> None:
    ids = history(town)
    Tamper(store).membership(ids["group"], ids["other"], member_id=ids["tombstone"])
    assert invariants(town) == {2, 4}
    assert f"membership {ids['group']}<-{ids['tombstone']} touches a non-live" in messages(town)


def test_an_external_id_held_twice_breaks_invariant_3(store: Store, town: World) -> None:
    """Only the memory twin can be made to hold it: the databases refuse the row
    (a UNIQUE over every profile row), which is invariant 3 held by the schema."""
    ids = history(town)
    held = town.stored(ids["keep"]).external_id
    tamper = Tamper(store)
    if tamper.refuses_duplicate_external_ids():
        with pytest.raises(tamper.integrity_error):
            tamper.profile(ids["other"], external_id=held)
        return
    tamper.profile(ids["other"], external_id=held)
    assert invariants(town) == {3, 4}
    assert f"external_id {held!r} is held by 2 profiles" in messages(town)


def test_a_lost_event_breaks_invariant_4(store: Store, town: World) -> None:
    """The log no longer rebuilds the graph: the link of d8 is missing from it, so the
    store holds an identifier the replay does not."""
    history(town)
    Tamper(store).drop_link_event("device", "d8")
    assert invariants(town) == {4}
    assert "identifier ('device', 'd8'): replay gives None, store has (" in messages(town)


def test_rows_changed_behind_the_log_break_invariant_4(store: Store, town: World) -> None:
    """A profile's attributes and an identifier's kind edited in place."""
    ids = history(town)
    tamper = Tamper(store)
    tamper.profile(ids["other"], attributes={"plan": "forged"})
    tamper.identifier("device", "d2", kind="GROUP")
    text = messages(town)
    assert invariants(town) == {4}
    assert f"profile {ids['other']}: replay gives (" in text
    assert "('plan', 'forged')" in text
    assert "identifier ('device', 'd2'): replay gives (" in text


def test_rows_removed_behind_the_log_break_invariant_4(store: Store, town: World) -> None:
    """An identifier and an edge deleted behind the log: the replay holds rows the
    store lacks, and each is named."""
    ids = history(town)
    tamper = Tamper(store)
    tamper.delete_identifier("device", "d3")
    tamper.delete_membership(ids["group"], ids["other"])
    text = messages(town)
    assert invariants(town) == {4}
    assert "identifier ('device', 'd3'): replay gives (" in text
    assert f"membership {ids['group']}<-{ids['other']}: replay gives " in text
    assert text.count("store has None") == 2


def test_a_profile_removed_behind_the_log_breaks_invariant_4(store: Store, town: World) -> None:
    """A profile row the log created, gone from the store."""
    lonely = town.person()
    history(town)
    Tamper(store).delete_profile(lonely)
    assert invariants(town) == {4}
    assert f"profile {lonely}: replay gives (" in messages(town)


def test_an_edge_added_behind_the_log_breaks_invariant_4(store: Store, town: World) -> None:
    ids = history(town)
    Tamper(store).add_membership(ids["keep"], ids["other"])
    assert invariants(town) == {4}
    assert f"membership {ids['keep']}<-{ids['other']}: replay gives None" in messages(town)


def test_an_undo_the_store_forgot_breaks_invariant_4(store: Store, town: World) -> None:
    """The unmerge event no longer says which merge it undid."""
    history(town)
    Tamper(store).forget_undos()
    assert invariants(town) == {4}
    assert "undone: replay gives {" in messages(town)


def test_a_log_that_does_not_replay_still_gets_1_to_3_checked(store: Store, town: World) -> None:
    """The replay stops at the broken event; invariants 1-3 are still checked on the
    stored graph, and nothing else is compared."""
    ids = history(town)
    tamper = Tamper(store)
    tamper.drop_create_event(ids["other"])
    tamper.identifier("device", "d1", profile_id=ids["tombstone"])
    found_now = found(town)
    assert {v.invariant for v in found_now} == {1, 4}
    [replay] = [v.message for v in found_now if v.invariant == 4]
    assert replay.startswith("the event log does not replay: event ")


class Recorder:
    def __init__(self) -> None:
        self.total = 0
        self.rows: dict[str, int] = {}

    def start(self, workspace_id: str, total: int) -> None:
        assert workspace_id == "default"
        self.total = total

    def advance(self, phase: str, rows: int) -> None:
        self.rows[phase] = self.rows.get(phase, 0) + rows


def test_check_reports_its_progress_against_the_total_it_announced(town: World) -> None:
    """Events, then profiles, identifiers and edges: the rows read add up to the total
    announced at the start, so a bar ends full."""
    history(town)
    told = Recorder()
    with town.tx(write=False) as tx:
        assert check_workspace(tx, told) == []
        counts = tx.graph_counts()
    assert told.rows == {
        "events": town.last_seq(),
        "profiles": counts.profiles,
        "identifiers": counts.identifiers,
        "memberships": counts.memberships,
    }
    assert sum(told.rows.values()) == told.total
