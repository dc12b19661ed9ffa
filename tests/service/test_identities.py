"""Creating profiles and linking, unlinking, renaming and identifying their identifiers."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from aka.core import events as ev
from aka.core.errors import AkaError, Code
from aka.core.model import Kind
from aka.core.ports import Transaction
from aka.service import identities, refs
from aka.service.identities import LinkOutcome
from aka.service.refs import ProfileRef

from .builders import World, by, ident, key, ref


def refusal(world: World, operation: Callable[[Transaction], object]) -> AkaError:
    """Run `operation(tx)` expecting a refusal; the refused transaction is rolled back."""
    before = world.last_seq()
    with pytest.raises(AkaError) as caught, world.tx() as tx:
        operation(tx)
    assert world.last_seq() == before, "a refused operation must not leave events behind"
    return caught.value


# --- create_profile ----------------------------------------------------------------


def test_a_profile_can_be_created_with_nothing_at_all(world: World) -> None:
    """An empty anonymous profile: live, unidentified, one `profile.created` event."""
    with world.tx() as tx:
        created = identities.create_profile(tx)
    assert created.identifiers == ()
    assert not created.profile.identified
    assert created.profile.merged_into is None
    assert [e.type for e in world.events()] == [ev.PROFILE_CREATED]


def test_a_profile_can_be_created_identified_with_identifiers_and_attributes(
    world: World,
) -> None:
    """One event for the whole command, carrying the actor and every identifier in the
    order given; emails normalised."""
    with world.tx() as tx:
        created = identities.create_profile(
            tx,
            external_id="u1",
            attributes={"plan": "pro"},
            identifiers=[ident("email:Ann@X.io", primary=True), ident("device:d1")],
            actor="key_1",
        )
    assert created.profile.external_id == "u1"
    assert created.profile.attributes == {"plan": "pro"}
    assert {str(i.key) for i in created.identifiers} == {"email:ann@x.io", "device:d1"}
    (event,) = world.events()
    assert (event.type, event.actor) == (ev.PROFILE_CREATED, "key_1")
    assert [(i["namespace"], i["value"], i["primary"]) for i in event.payload["identifiers"]] == [
        ("email", "ann@x.io", True),
        ("device", "d1", False),
    ]


def test_creating_with_a_taken_external_id_names_the_owner(world: World) -> None:
    """EXTERNAL_ID_CONFLICT with the owner, and nothing written."""
    owner = world.person(external_id="u1")
    error = refusal(world, lambda tx: identities.create_profile(tx, external_id="u1"))
    assert error.code is Code.EXTERNAL_ID_CONFLICT
    assert (error.field, error.details) == ("external_id", {"owner": owner})


def test_an_external_id_kept_by_a_tombstone_is_taken_by_its_survivor(world: World) -> None:
    """A forced merge leaves the merged id on the tombstone; the owner named is live."""
    keep = world.person(external_id="u1")
    gone = world.person(external_id="u2")
    world.merged(keep, gone, force=True)
    error = refusal(world, lambda tx: identities.create_profile(tx, external_id="u2"))
    assert error.details == {"owner": keep}


def test_creating_with_a_taken_identifier_writes_nothing(world: World) -> None:
    """Everything is checked first: no half-made profile is left behind."""
    owner = world.person("email:ann@x.io")
    error = refusal(
        world,
        lambda tx: identities.create_profile(
            tx, identifiers=[ident("device:new"), ident("email:ANN@x.io")]
        ),
    )
    assert error.code is Code.IDENTIFIER_CONFLICT
    assert error.field == "identifiers[1]"
    assert error.details["owner"] == owner


def test_creating_with_the_same_identifier_twice_is_refused(world: World) -> None:
    """Two spellings of one email are one identifier: the second is a repeat."""
    error = refusal(
        world,
        lambda tx: identities.create_profile(
            tx, identifiers=[ident("email:ann@x.io"), ident("email:Ann@X.io")]
        ),
    )
    assert (error.code, error.field) == (Code.INVALID_INPUT, "identifiers[1]")


def test_creating_with_an_invalid_identifier_names_its_field(world: World) -> None:
    """The error points at the exact item of the list."""
    error = refusal(
        world, lambda tx: identities.create_profile(tx, identifiers=[ident("device:null")])
    )
    assert (error.code, error.field) == (Code.VALUE_BLOCKED, "identifiers[0].value")


def test_creating_over_a_namespace_limit_is_refused(world: World) -> None:
    """A new profile is held to the same per-namespace limit."""
    world.configure({"namespaces": {"device": {"max_per_profile": 2}}})
    error = refusal(
        world,
        lambda tx: identities.create_profile(
            tx, identifiers=[ident("device:1"), ident("device:2"), ident("device:3")]
        ),
    )
    assert error.code is Code.NAMESPACE_LIMIT
    assert error.details == {"namespace": "device", "limit": 2, "actual": 3}


# --- link ------------------------------------------------------------------------------


def test_linking_an_unknown_identifier_adds_it_to_the_profile(world: World) -> None:
    """LINKED, with the identifier's attributes, and the profile as it is now."""
    pid = world.person("email:ann@x.io")
    with world.tx() as tx:
        result = identities.link(tx, ref(pid), ident("device:d1", source="app"))
    assert result.outcome is LinkOutcome.LINKED
    assert result.identifier.profile_id == pid
    assert result.identifier.attributes == {"source": "app"}
    assert {str(i.key) for i in result.profile.identifiers} == {"email:ann@x.io", "device:d1"}


@pytest.mark.parametrize(
    "target",
    [ProfileRef(external_id="u1"), ProfileRef(namespace="email", value="ANN@x.io")],
    ids=["by-external-id", "by-identifier"],
)
def test_link_targets_may_be_named_by_external_id_or_identifier(
    world: World, target: ProfileRef
) -> None:
    """Any profile-ref form reaches the same profile."""
    pid = world.person("email:ann@x.io", external_id="u1")
    with world.tx() as tx:
        identities.link(tx, target, ident("device:d1"))
    assert world.owner("device:d1") == pid


def test_linking_what_the_profile_already_holds_is_reported_and_changes_nothing(
    world: World,
) -> None:
    """Email comparison ignores case, so `ANN@X.IO` is the same identifier."""
    pid = world.person("email:ann@x.io")
    before = world.last_seq()
    with world.tx() as tx:
        result = identities.link(tx, ref(pid), ident("email:ANN@X.IO"))
    assert result.outcome is LinkOutcome.EXISTING
    assert result.merge_id is None
    assert world.last_seq() == before


def test_linking_another_profiles_identifier_is_a_conflict_naming_the_owner(
    world: World,
) -> None:
    """The default `refuse` policy: 409, and the owner in details."""
    owner = world.person("email:ann@x.io")
    other = world.person()
    error = refusal(world, lambda tx: identities.link(tx, ref(other), ident("email:ann@x.io")))
    assert error.code is Code.IDENTIFIER_CONFLICT
    assert error.details["owner"] == owner
    assert error.field == "value"
    assert world.owner("email:ann@x.io") == owner


def test_the_conflict_field_carries_the_callers_prefix(world: World) -> None:
    """Batch bodies get errors pointing at their own item."""
    world.person("email:ann@x.io")
    other = world.person()
    error = refusal(
        world,
        lambda tx: identities.link(
            tx, ref(other), ident("email:ann@x.io"), field_prefix="identifiers[3]"
        ),
    )
    assert error.field == "identifiers[3]"


def test_linking_to_a_merged_profile_id_lands_on_the_survivor(world: World) -> None:
    """A tombstone id forwards; nothing is ever linked to a tombstone."""
    keep, gone = world.person(), world.person()
    world.merged(keep, gone)
    with world.tx() as tx:
        result = identities.link(tx, ref(gone), ident("device:d1"))
    assert result.profile.profile.id == keep
    assert world.owner("device:d1") == keep


def test_linking_to_an_unknown_profile_is_not_found(world: World) -> None:
    """No profile is created implicitly for an unknown reference."""
    error = refusal(world, lambda tx: identities.link(tx, ref("nobody"), ident("device:d1")))
    assert (error.code, error.field) == (Code.PROFILE_NOT_FOUND, "profile")


def test_a_reference_must_use_exactly_one_form(world: World) -> None:
    """Two forms at once, or half an identifier, is INVALID_INPUT naming the field."""
    pid = world.person(external_id="u1")
    both = ProfileRef(profile_id=pid, external_id="u1")
    error = refusal(world, lambda tx: identities.link(tx, both, ident("device:d1")))
    assert (error.code, error.field) == (Code.INVALID_INPUT, "profile")
    half = ProfileRef(namespace="email")
    error = refusal(world, lambda tx: identities.link(tx, half, ident("device:d1")))
    assert (error.code, error.field) == (Code.INVALID_INPUT, "profile.value")


def test_linking_with_no_target_creates_an_anonymous_profile(world: World) -> None:
    """Braze's alias-only user, Appizer's anonymous profile."""
    with world.tx() as tx:
        result = identities.link(tx, None, ident("device:d1"))
    assert result.outcome is LinkOutcome.LINKED
    assert not result.profile.profile.identified
    assert world.holds(result.profile.profile.id) == {"device:d1"}


def test_an_anonymous_link_of_a_known_identifier_is_a_conflict(world: World) -> None:
    """No second profile for an identifier someone already holds."""
    owner = world.person("device:d1")
    error = refusal(world, lambda tx: identities.link(tx, None, ident("device:d1")))
    assert (error.code, error.details["owner"]) == (Code.IDENTIFIER_CONFLICT, owner)


def test_linking_past_the_namespace_limit_is_refused(world: World) -> None:
    """The limit stops a runaway cluster; the error names namespace and limit."""
    world.configure({"namespaces": {"device": {"max_per_profile": 2}}})
    pid = world.person("device:1", "device:2")
    error = refusal(world, lambda tx: identities.link(tx, ref(pid), ident("device:3")))
    assert (error.code, error.field) == (Code.NAMESPACE_LIMIT, "namespace")
    assert error.details == {"namespace": "device", "limit": 2}


def test_a_linked_primary_demotes_the_previous_primary_of_its_namespace(world: World) -> None:
    """At most one primary per namespace per profile: the newest wins."""
    pid = world.person(ident("email:a@x.io", primary=True))
    with world.tx() as tx:
        identities.link(tx, ref(pid), ident("email:b@x.io", primary=True))
        primaries = {i.value for i in tx.identifiers_of(pid) if i.primary}
    assert primaries == {"b@x.io"}


def test_a_refused_link_value_names_its_field(world: World) -> None:
    """Invalid emails and oversized values are refused before anything else."""
    pid = world.person()
    error = refusal(world, lambda tx: identities.link(tx, ref(pid), ident("email:not-an-address")))
    assert (error.code, error.field) == (Code.EMAIL_INVALID, "value")
    error = refusal(world, lambda tx: identities.link(tx, ref(pid), ident("crm:" + "x" * 1025)))
    assert (error.code, error.field) == (Code.VALUE_INVALID, "value")


# --- link under the auto policy -----------------------------------------------------


@pytest.fixture
def auto(world: World) -> World:
    world.configure({"merge_policy": "auto"})
    return world


def test_auto_merges_an_anonymous_owner_into_an_identified_target(auto: World) -> None:
    """The identified side survives; the owner becomes its tombstone."""
    owner = auto.person("device:d1")
    target = auto.person(identified=True)
    with auto.tx() as tx:
        result = identities.link(tx, ref(target), ident("device:d1"))
    assert result.outcome is LinkOutcome.MERGED
    assert result.merge_id is not None
    assert result.profile.profile.id == target
    assert auto.owner("device:d1") == target
    assert auto.stored(owner).merged_into == target


def test_auto_merges_an_anonymous_target_into_an_identified_owner(auto: World) -> None:
    """The identified side survives, whichever side of the link it was on."""
    owner = auto.person("device:d1", identified=True)
    target = auto.person("device:d2")
    with auto.tx() as tx:
        result = identities.link(tx, ref(target), ident("device:d1"))
    assert result.outcome is LinkOutcome.MERGED
    assert result.profile.profile.id == owner
    assert auto.holds(owner) == {"device:d1", "device:d2"}
    assert auto.stored(target).merged_into == owner


def test_auto_merges_two_anonymous_profiles_into_the_target(auto: World) -> None:
    """Neither is identified: the profile being linked to survives."""
    owner = auto.person("device:d1")
    target = auto.person()
    with auto.tx() as tx:
        result = identities.link(tx, ref(target), ident("device:d1"))
    assert result.profile.profile.id == target
    assert auto.stored(owner).merged_into == target


def test_auto_refuses_when_both_profiles_are_identified(auto: World) -> None:
    """Two known people are never merged implicitly: 409 naming the owner."""
    owner = auto.person("device:d1", identified=True)
    target = auto.person(identified=True)
    error = refusal(auto, lambda tx: identities.link(tx, ref(target), ident("device:d1")))
    assert (error.code, error.details["owner"]) == (Code.IDENTIFIER_CONFLICT, owner)


def test_auto_merges_respect_the_namespace_limit(auto: World) -> None:
    """An implicit merge is still a merge, held to the same rules."""
    auto.configure({"namespaces": {"device": {"max_per_profile": 2}}})
    auto.person("device:d1", "device:d2")
    target = auto.person("device:d3")
    error = refusal(auto, lambda tx: identities.link(tx, ref(target), ident("device:d1")))
    assert error.code is Code.NAMESPACE_LIMIT


def test_an_auto_merge_can_be_undone(auto: World) -> None:
    """The link reports the merge id, and undoing it separates the two again."""
    owner = auto.person("device:d1")
    target = auto.person("device:d2", identified=True)
    with auto.tx() as tx:
        merge_id = identities.link(tx, ref(target), ident("device:d1")).merge_id
    assert merge_id is not None
    auto.unmerged(merge_id)
    assert (auto.owner("device:d1"), auto.owner("device:d2")) == (owner, target)


# --- unlink ------------------------------------------------------------------------


def test_unlinking_removes_the_identifier_and_keeps_the_profile(world: World) -> None:
    """Lookups normalise the value; the profile stays, holding the rest."""
    pid = world.person("email:ann@x.io", "device:d1")
    with world.tx() as tx:
        removed = identities.unlink(tx, "email", "ANN@x.io")
    assert removed.profile_id == pid
    assert world.holds(pid) == {"device:d1"}
    assert world.events()[-1].type == ev.IDENTIFIER_UNLINKED


def test_an_unlinked_identifier_can_be_linked_elsewhere(world: World) -> None:
    """Once unlinked, the value is free."""
    world.person("device:d1")
    other = world.person()
    with world.tx() as tx:
        identities.unlink(tx, "device", "d1")
        identities.link(tx, ref(other), ident("device:d1"))
    assert world.owner("device:d1") == other


def test_unlinking_an_unknown_identifier_is_not_found(world: World) -> None:
    """IDENTIFIER_NOT_FOUND, and nothing is written."""
    error = refusal(world, lambda tx: identities.unlink(tx, "device", "nope"))
    assert (error.code, error.field) == (Code.IDENTIFIER_NOT_FOUND, "value")


# --- rename ------------------------------------------------------------------------


def test_renaming_keeps_the_profile_and_the_flags(world: World) -> None:
    """Braze's alias/update: same identifier, new value."""
    pid = world.person(ident("braze:old", primary=True))
    with world.tx() as tx:
        renamed = identities.rename(tx, "braze", "old", "new")
    assert (renamed.profile_id, renamed.value, renamed.primary) == (pid, "new", True)
    assert world.holds(pid) == {"braze:new"}


def test_renaming_normalises_the_new_value(world: World) -> None:
    """The new value follows the namespace's rule like any identifier."""
    pid = world.person("email:old@x.io")
    with world.tx() as tx:
        identities.rename(tx, "email", "OLD@x.io", "New@X.io")
    assert world.holds(pid) == {"email:new@x.io"}


def test_renaming_to_the_same_value_changes_nothing(world: World) -> None:
    """Another spelling of the same email is not a rename: no event."""
    world.person("email:ann@x.io")
    before = world.last_seq()
    with world.tx() as tx:
        identities.rename(tx, "email", "ann@x.io", "ANN@X.IO")
    assert world.last_seq() == before


def test_renaming_onto_a_taken_value_names_the_owner(world: World) -> None:
    """A rename never swallows another identifier."""
    owner = world.person("braze:taken")
    world.person("braze:old")
    error = refusal(world, lambda tx: identities.rename(tx, "braze", "old", "taken"))
    assert error.code is Code.IDENTIFIER_CONFLICT
    assert (error.field, error.details["owner"]) == ("new_value", owner)


def test_renaming_an_unknown_identifier_or_to_a_blocked_value_is_refused(world: World) -> None:
    """Not found, or a placeholder value: refused like a link would be."""
    world.person("braze:old")
    assert refusal(world, lambda tx: identities.rename(tx, "braze", "x", "y")).code is (
        Code.IDENTIFIER_NOT_FOUND
    )
    assert refusal(world, lambda tx: identities.rename(tx, "braze", "old", "null")).code is (
        Code.VALUE_BLOCKED
    )


# --- identify ----------------------------------------------------------------------


def test_identify_sets_the_external_id(world: World) -> None:
    """The profile is then reachable by its external id."""
    pid = world.person("device:d1")
    with world.tx() as tx:
        result = identities.identify(tx, by("device:d1"), "u1")
    assert result.profile.id == pid
    assert result.profile.external_id == "u1"
    with world.tx(write=False) as tx:
        assert refs.require(tx, ProfileRef(external_id="u1")).id == pid


def test_identify_with_the_id_the_profile_already_has_changes_nothing(world: World) -> None:
    """Idempotent: no event."""
    pid = world.person(external_id="u1")
    before = world.last_seq()
    with world.tx() as tx:
        assert identities.identify(tx, ref(pid), "u1").profile.id == pid
    assert world.last_seq() == before


def test_identify_merges_an_anonymous_profile_into_the_one_with_the_id(world: World) -> None:
    """The survivor is the identified profile; the anonymous one forwards to it."""
    known = world.person("email:ann@x.io", external_id="u1")
    anon = world.person("device:d1")
    with world.tx() as tx:
        result = identities.identify(tx, ref(anon), "u1")
    assert result.profile.id == known
    assert world.holds(known) == {"email:ann@x.io", "device:d1"}
    assert world.stored(anon).merged_into == known
    assert world.events()[-1].type == ev.PROFILE_MERGED


@pytest.mark.parametrize("other", ["u2", "u3"], ids=["taken", "free"])
def test_identify_refuses_a_different_id_on_an_identified_profile(world: World, other: str) -> None:
    """An external id is never replaced, whether the other id is taken or free."""
    pid = world.person(external_id="u1")
    world.person(external_id="u2")
    error = refusal(world, lambda tx: identities.identify(tx, ref(pid), other))
    assert error.code is Code.ALREADY_IDENTIFIED
    assert (error.field, error.details) == ("external_id", {"profile_id": pid})


def test_identify_with_an_id_kept_by_a_tombstone_merges_into_its_survivor(world: World) -> None:
    """An id kept by a tombstone forwards to the live profile like any reference."""
    keep = world.person(external_id="u1")
    gone = world.person(external_id="u2")
    world.merged(keep, gone, force=True)
    anon = world.person("device:d1")
    with world.tx() as tx:
        assert identities.identify(tx, ref(anon), "u2").profile.id == keep
    assert world.owner("device:d1") == keep


def test_identify_refuses_a_placeholder_id(world: World) -> None:
    """null/None/undefined are not ids."""
    pid = world.person()
    error = refusal(world, lambda tx: identities.identify(tx, ref(pid), "undefined"))
    assert (error.code, error.field) == (Code.VALUE_BLOCKED, "external_id")


# --- attributes and identifier flags -----------------------------------------------


def test_profile_attributes_take_a_merge_patch(world: World) -> None:
    """Values replace, null removes, other keys stay."""
    pid = world.person(attributes={"plan": "free", "city": "Oslo"})
    with world.tx() as tx:
        result = identities.update_attributes(tx, ref(pid), {"plan": "pro", "city": None})
    assert result.profile.attributes == {"plan": "pro"}


def test_a_patch_that_changes_nothing_writes_nothing(world: World) -> None:
    """No event for a patch that leaves the map as it was."""
    pid = world.person(attributes={"plan": "free"})
    before = world.last_seq()
    with world.tx() as tx:
        identities.update_attributes(tx, ref(pid), {"plan": "free", "gone": None})
    assert world.last_seq() == before


def test_attributes_must_be_a_small_json_object(world: World) -> None:
    """Not an object, or over 16 KiB encoded: ATTRIBUTES_INVALID naming the limit."""
    pid = world.person()
    assert refusal(world, lambda tx: identities.update_attributes(tx, ref(pid), [1])).code is (
        Code.ATTRIBUTES_INVALID
    )
    big = {"blob": "x" * 20_000}
    error = refusal(world, lambda tx: identities.update_attributes(tx, ref(pid), big))
    assert error.details["limit"] == 16 * 1024


def test_identifier_flags_change_and_a_new_primary_demotes_the_old(world: World) -> None:
    """Kind, primary and disabled change in one event; the old primary is demoted."""
    pid = world.person(ident("email:a@x.io", primary=True), "email:b@x.io")
    with world.tx() as tx:
        changed = identities.update_identifier(
            tx, "email", "B@x.io", primary=True, kind=Kind.GROUP, disabled=True
        )
        old = tx.identifier(key("email:a@x.io"))
    assert (changed.primary, changed.kind, changed.disabled) == (True, Kind.GROUP, True)
    assert old is not None
    assert not old.primary
    assert world.holds(pid) == {"email:a@x.io", "email:b@x.io"}


def test_an_identifier_update_that_changes_nothing_writes_nothing(world: World) -> None:
    """Setting flags to what they already are is not an event."""
    world.person("device:d1")
    before = world.last_seq()
    with world.tx() as tx:
        identities.update_identifier(tx, "device", "d1", disabled=False, kind=Kind.USER)
    assert world.last_seq() == before
