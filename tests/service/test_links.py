"""Linking several identifiers to one profile in one command: one event, and each item
answered exactly as linking them one after another would answer it. Every backend."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aka.core import events as ev
from aka.core.errors import AkaError, Code
from aka.core.model import Event
from aka.core.ports import Transaction
from aka.service import erasure, identities, links, merges, queries
from aka.service.identities import NewIdentifier
from aka.service.links import Attached, LinkOutcome
from aka.service.refs import ProfileRef

from .builders import World, by, ident, ref


def linked_values(event: Event) -> list[str]:
    return [str(k) for k in ev.linked_keys(event.payload)]


def outcomes(items: tuple[Attached | AkaError, ...]) -> list[LinkOutcome | Code]:
    return [i.code if isinstance(i, AkaError) else i.outcome for i in items]


# --- one event -----------------------------------------------------------------------------


def test_several_identifiers_linked_to_a_profile_are_one_event_listing_them(
    world: World,
) -> None:
    """One `identifier.linked` carrying every new identifier in the order given, with the
    actor; the profile holds them all and its history shows the one event."""
    pid = world.person("email:ann@x.io", identified=True)
    done = world.linked_many(
        pid, "device:d1", ident("email:Ann.Work@X.io", primary=True), "crm:c1", actor="key_1"
    )
    assert done.profile_id == pid
    assert outcomes(done.items) == [LinkOutcome.LINKED] * 3
    last = world.events()[-1]
    assert (last.type, last.profile_id, last.actor) == (ev.IDENTIFIER_LINKED, pid, "key_1")
    assert linked_values(last) == ["device:d1", "email:ann.work@x.io", "crm:c1"]
    assert world.holds(pid) == {"email:ann@x.io", "device:d1", "email:ann.work@x.io", "crm:c1"}
    with world.tx(write=False) as tx:
        history = queries.history(tx, ref(pid))
    assert [e.type for e in history] == [ev.PROFILE_CREATED, ev.IDENTIFIER_LINKED]


def test_identifiers_it_holds_and_repeats_are_existing_and_left_out_of_the_event(
    world: World,
) -> None:
    """As one link after another: the second of two equal items finds the first linked."""
    pid = world.person("device:d1")
    done = world.linked_many(pid, "device:d1", "device:d2", "device:d2", "email:A@x.io")
    assert outcomes(done.items) == [
        LinkOutcome.EXISTING,
        LinkOutcome.LINKED,
        LinkOutcome.EXISTING,
        LinkOutcome.LINKED,
    ]
    assert linked_values(world.events()[-1]) == ["device:d2", "email:a@x.io"]


def test_nothing_new_writes_no_event(world: World) -> None:
    pid = world.person("device:d1")
    before = world.last_seq()
    done = world.linked_many(pid, "device:d1", "device:d1")
    assert outcomes(done.items) == [LinkOutcome.EXISTING] * 2
    assert world.last_seq() == before


def test_refused_items_are_left_out_and_the_others_are_still_one_event(world: World) -> None:
    """An identifier another profile holds (policy `refuse`) and a blocked value are
    refused, each naming its item; the rest links."""
    pid = world.person("device:d1")
    other = world.person("crm:taken")
    done = world.linked_many(pid, "device:d2", "crm:taken", "crm:null", "crm:free")
    assert outcomes(done.items) == [
        LinkOutcome.LINKED,
        Code.IDENTIFIER_CONFLICT,
        Code.VALUE_BLOCKED,
        LinkOutcome.LINKED,
    ]
    taken, blocked = done.items[1], done.items[2]
    assert isinstance(taken, AkaError)
    assert isinstance(blocked, AkaError)
    assert (taken.field, taken.details["owner"]) == ("identifiers[1]", other)
    assert blocked.field == "identifiers[2].value"
    assert linked_values(world.events()[-1]) == ["device:d2", "crm:free"]
    assert world.owner("crm:taken") == other


def test_namespace_limits_count_the_items_linked_before(world: World) -> None:
    """Limit 3 devices, one held: two more link, the next ones are refused."""
    world.configure({"namespaces": {"device": {"max_per_profile": 3}}})
    pid = world.person("device:d1")
    done = world.linked_many(pid, "device:d2", "crm:c1", "device:d3", "device:d4", "device:d5")
    assert outcomes(done.items) == [
        LinkOutcome.LINKED,
        LinkOutcome.LINKED,
        LinkOutcome.LINKED,
        Code.NAMESPACE_LIMIT,
        Code.NAMESPACE_LIMIT,
    ]
    refused = done.items[3]
    assert isinstance(refused, AkaError)
    assert refused.field == "identifiers[3].namespace"
    assert world.holds(pid) == {"device:d1", "device:d2", "device:d3", "crm:c1"}


def test_a_later_primary_demotes_the_stored_one_and_an_earlier_one_of_the_request(
    world: World,
) -> None:
    pid = world.person(ident("email:a@x.io", primary=True))
    world.linked_many(pid, ident("email:b@x.io", primary=True), ident("email:c@x.io", primary=True))
    with world.tx(write=False) as tx:
        primaries = {str(i.key) for i in tx.identifiers_of(pid) if i.primary}
    assert primaries == {"email:c@x.io"}


def test_an_unknown_target_refuses_each_item_after_the_item_s_own_checks(world: World) -> None:
    """As `link` does: a bad value is named first; the others are PROFILE_NOT_FOUND."""
    with world.tx() as tx:
        done = links.link_many(
            tx, ProfileRef(external_id="nobody"), [ident("device:d1"), ident("crm:null")]
        )
    assert done.profile_id is None
    assert outcomes(done.items) == [Code.PROFILE_NOT_FOUND, Code.VALUE_BLOCKED]
    assert world.events() == []


# --- the `auto` merge policy ---------------------------------------------------------------


def test_an_item_that_merges_splits_the_links_around_the_merge(world: World) -> None:
    """`auto`: an item held by an anonymous profile merges it in, exactly as `link` would;
    the links before it are one event, those after it another."""
    world.configure({"merge_policy": "auto"})
    pid = world.person("email:ann@x.io", identified=True)
    anon = world.person("device:shared", "crm:old")
    done = world.linked_many(pid, "device:d1", "device:shared", "device:d2")
    assert outcomes(done.items) == [LinkOutcome.LINKED, LinkOutcome.MERGED, LinkOutcome.LINKED]
    merged = done.items[1]
    assert isinstance(merged, Attached)
    assert merged.merge_id is not None
    assert [e.type for e in world.events()[-3:]] == [
        ev.IDENTIFIER_LINKED,
        ev.PROFILE_MERGED,
        ev.IDENTIFIER_LINKED,
    ]
    assert world.stored(anon).merged_into == pid
    assert world.holds(pid) == {
        "email:ann@x.io",
        "device:d1",
        "device:shared",
        "crm:old",
        "device:d2",
    }


def test_when_the_target_is_merged_away_the_rest_links_to_the_survivor(world: World) -> None:
    """An anonymous target merges into the identified owner of an item; the items after
    it link to that survivor."""
    world.configure({"merge_policy": "auto"})
    anon = world.person("device:d0")
    known = world.person("crm:k", identified=True)
    done = world.linked_many(anon, "device:d1", "crm:k", "device:d2")
    assert done.profile_id == known
    assert outcomes(done.items) == [LinkOutcome.LINKED, LinkOutcome.MERGED, LinkOutcome.LINKED]
    assert world.stored(anon).merged_into == known
    assert world.holds(known) == {"crm:k", "device:d0", "device:d1", "device:d2"}


# --- what reads the log answers as before --------------------------------------------------


def test_undo_of_a_merge_takes_back_what_one_multi_link_brought(world: World) -> None:
    """Identifiers linked by one event onto a profile later merged away go back with it."""
    keep = world.person("email:ann@x.io")
    gone = world.person("device:d0")
    world.linked_many(gone, "device:d1", "crm:c1")
    merge_id = world.merged(keep, gone)
    assert world.holds(keep) == {"email:ann@x.io", "device:d0", "device:d1", "crm:c1"}
    world.unmerged(merge_id)
    assert world.holds(gone) == {"device:d0", "device:d1", "crm:c1"}
    assert world.holds(keep) == {"email:ann@x.io"}


def test_explain_shows_the_one_event_that_linked_both(world: World) -> None:
    pid = world.person("email:ann@x.io")
    world.linked_many(pid, "device:d1", "crm:c1")
    with world.tx(write=False) as tx:
        answer = queries.explain(tx, by("device:d1"), by("crm:c1"))
    assert answer.same
    (event,) = answer.events
    assert (event.type, linked_values(event)) == (ev.IDENTIFIER_LINKED, ["device:d1", "crm:c1"])


def test_erasure_redacts_every_item_of_the_event(world: World) -> None:
    """The event stays (the log still replays) with none of the values."""
    pid = world.person("email:ann@x.io")
    world.linked_many(pid, ident("device:ann-phone", note="vip"), "crm:ann-42")
    seq = world.last_seq()
    with world.tx() as tx:
        erasure.delete_profile(tx, ref(pid))
    (event,) = [e for e in world.events() if e.seq == seq]
    assert event.type == ev.IDENTIFIER_LINKED
    assert len(ev.linked_items(event.payload)) == 2
    text = repr(event.payload)
    for secret in ("ann-phone", "ann-42", "vip"):
        assert secret not in text


# --- the same answers as one link after another --------------------------------------------

# Values that collide: held by the target, by an anonymous and an identified stranger,
# an email spelt two ways, a blocked value, and room for the device limit of 3.
POOL = [
    ("device", "t1"),
    ("device", "a1"),
    ("device", "n1"),
    ("device", "n2"),
    ("device", "n3"),
    ("email", "T@x.io"),
    ("email", "new@x.io"),
    ("email", "NEW@x.io"),
    ("crm", "a"),
    ("crm", "b"),
    ("crm", "null"),
]
ITEMS = st.lists(
    st.tuples(st.sampled_from(POOL), st.booleans()).map(
        lambda pair: NewIdentifier(*pair[0], primary=pair[1])
    ),
    max_size=8,
)


def graph_of(tx: Transaction) -> dict[str, Any]:
    state = tx.graph()
    return {
        "identifiers": {
            str(k): (i.profile_id, i.kind, i.primary, i.attributes)
            for k, i in state.identifiers.items()
        },
        "profiles": {p.id: (p.external_id, p.merged_into) for p in state.profiles.values()},
    }


def answer(item: Attached | AkaError) -> tuple[Any, ...]:
    if isinstance(item, AkaError):
        return (item.code, item.field, item.message)
    return (item.outcome, item.profile_id, str(item.key), item.merge_id is not None)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(items=ITEMS, auto=st.booleans(), anonymous_target=st.booleans())
def test_each_item_is_answered_as_one_link_after_another_would_be(
    world: World, items: list[NewIdentifier], auto: bool, anonymous_target: bool
) -> None:
    """Hypothesis: on the same graph, `link_many` answers every item as `attach` one after
    another does (outcome, profile, refusal and its message) and leaves the same graph."""
    if not world.last_seq():
        world.configure({"namespaces": {"device": {"max_per_profile": 3}}})
        world.person("device:t1", "email:t@x.io", external_id="target")
        world.person("device:a1", "crm:a")
        world.person("crm:b", external_id="stranger")
        world.person("device:z")
    world.configure({"merge_policy": "auto" if auto else "refuse"})
    target = ProfileRef(external_id="target") if not anonymous_target else by("device:z")

    def one_by_one(tx: Transaction) -> tuple[list[tuple[Any, ...]], dict[str, Any]]:
        results = []
        for n, item in enumerate(items):
            try:
                done: Attached | AkaError = identities.attach(
                    tx, target, item, field_prefix=f"identifiers[{n}]"
                )
            except AkaError as refused:
                done = refused
            results.append(answer(done))
        return results, graph_of(tx)

    def at_once(tx: Transaction) -> tuple[list[tuple[Any, ...]], dict[str, Any]]:
        done = links.link_many(tx, target, items)
        return [answer(i) for i in done.items], graph_of(tx)

    expected, at_once_answers = world.rolled_back(one_by_one), world.rolled_back(at_once)
    assert at_once_answers == expected


def test_a_merge_in_link_many_is_the_merge_link_makes(world: World) -> None:
    """The fallback path is `merges.merge` itself: its undo puts the target back."""
    world.configure({"merge_policy": "auto"})
    pid = world.person("email:ann@x.io", identified=True)
    anon = world.person("device:shared")
    done = world.linked_many(pid, "device:shared")
    merged = done.items[0]
    assert isinstance(merged, Attached)
    assert merged.merge_id is not None
    with world.tx() as tx:
        merges.unmerge(tx, merged.merge_id)
    assert world.owner("device:shared") == anon
    assert world.holds(pid) == {"email:ann@x.io"}
