"""Vendor semantics as service options (aka.service.aliases), on every backend."""

from __future__ import annotations

import pytest

from aka.core.errors import AkaError, Code
from aka.service import aliases
from aka.service.aliases import AliasOutcome, IdentifyOutcome

from .builders import World, ident, ref
from .test_identities import refusal

# --- add_alias -----------------------------------------------------------------------


def test_by_default_a_taken_identifier_is_a_conflict(world: World) -> None:
    world.person("cookie:c1")
    bob = world.person(identified=True)
    error = refusal(world, lambda tx: aliases.add_alias(tx, ref(bob), ident("cookie:c1")))
    assert error.code is Code.IDENTIFIER_CONFLICT


def test_ignore_leaves_a_pair_held_anywhere_as_it_is(world: World) -> None:
    """Braze: an existing label+name pair is a no-op, whoever holds it."""
    ann = world.person("cookie:c1")
    bob = world.person(identified=True)
    before = world.last_seq()
    with world.tx() as tx:
        other = aliases.add_alias(tx, ref(bob), ident("cookie:c1"), if_taken="ignore")
        own = aliases.add_alias(tx, ref(ann), ident("cookie:c1"), if_taken="ignore")
        anonymous = aliases.add_alias(tx, None, ident("cookie:c1"), if_taken="ignore")
    assert (other.outcome, own.outcome, anonymous.outcome) == (
        AliasOutcome.IGNORED,
        AliasOutcome.EXISTING,
        AliasOutcome.IGNORED,
    )
    assert world.last_seq() == before


def test_no_target_makes_an_alias_only_profile(world: World) -> None:
    with world.tx() as tx:
        result = aliases.add_alias(tx, None, ident("cookie:c1"))
    assert result.outcome is AliasOutcome.ADDED
    assert result.profile is not None
    assert not result.profile.profile.identified


def test_one_per_namespace_refuses_a_second_value(world: World) -> None:
    bob = world.person("cookie:c1", identified=True)
    error = refusal(
        world,
        lambda tx: aliases.add_alias(tx, ref(bob), ident("cookie:c2"), one_per_namespace=True),
    )
    assert (error.code, error.details["limit"]) == (Code.NAMESPACE_LIMIT, 1)


def test_refuse_external_ids_refuses_circular_aliases(world: World) -> None:
    """An alias equal to the target's own id, its external id or another's external id."""
    bob = world.person(external_id="bob")
    world.person(external_id="eve")
    for value in ("bob", "eve", bob):
        error = refusal(
            world,
            lambda tx, v=value: aliases.add_alias(
                tx, ref(bob), ident(f"alias:{v}"), refuse_external_ids=True
            ),
        )
        assert (error.code, error.details["reason"]) == (Code.IDENTIFIER_CONFLICT, "circular")


# --- identify_by_identifier ----------------------------------------------------------


def test_identify_sets_a_free_external_id(world: World) -> None:
    anon = world.person("cookie:c1")
    with world.tx() as tx:
        result = aliases.identify_by_identifier(tx, "cookie", "c1", "u1")
    assert result.outcome is IdentifyOutcome.IDENTIFIED
    assert world.stored(anon).external_id == "u1"


def test_identify_merges_into_the_holder(world: World) -> None:
    known = world.person(external_id="u1")
    anon = world.person("cookie:c1", "device:d1")
    with world.tx() as tx:
        result = aliases.identify_by_identifier(tx, "cookie", "c1", "u1")
    assert result.outcome is IdentifyOutcome.MERGED
    assert world.stored(anon).merged_into == known


def test_keep_apart_when_the_holder_has_the_namespace(world: World) -> None:
    known = world.person("cookie:c0", external_id="u1")
    anon = world.person("cookie:c1")
    before = world.last_seq()
    with world.tx() as tx:
        result = aliases.identify_by_identifier(
            tx, "cookie", "c1", "u1", keep_apart_when_namespace_held=True
        )
    assert result.outcome is IdentifyOutcome.NOT_COMBINED
    assert world.last_seq() == before
    assert (world.holds(known), world.holds(anon)) == ({"cookie:c0"}, {"cookie:c1"})


def test_move_identifier_moves_only_that_identifier(world: World) -> None:
    known = world.person(external_id="u1")
    anon = world.person("cookie:c1", "device:d1")
    with world.tx() as tx:
        result = aliases.identify_by_identifier(tx, "cookie", "c1", "u1", move="identifier")
    assert result.outcome is IdentifyOutcome.MOVED
    assert (world.holds(known), world.holds(anon)) == ({"cookie:c1"}, {"device:d1"})


def test_identify_an_unknown_identifier_or_twice(world: World) -> None:
    error = refusal(world, lambda tx: aliases.identify_by_identifier(tx, "cookie", "no", "u1"))
    assert error.code is Code.IDENTIFIER_NOT_FOUND
    world.person("cookie:c1", external_id="u1")
    with world.tx() as tx:
        again = aliases.identify_by_identifier(tx, "cookie", "c1", "u1")
    assert again.outcome is IdentifyOutcome.UNCHANGED


def test_bad_option_values_are_programming_errors(world: World) -> None:
    with pytest.raises(ValueError, match="if_taken"), world.tx() as tx:
        aliases.add_alias(tx, None, ident("cookie:c1"), if_taken="merge")


# --- set_sole_identifier and find_by_any_id ------------------------------------------


def test_set_sole_identifier_renames_links_and_refuses_a_taken_value(world: World) -> None:
    ann = world.person(external_id="ann")
    with world.tx() as tx:
        aliases.set_sole_identifier(tx, ref(ann), "email", "a@x.io")
        aliases.set_sole_identifier(tx, ref(ann), "email", "A2@x.io")
    assert world.holds(ann) == {"email:a2@x.io"}
    world.person("email:b@x.io")
    error = refusal(world, lambda tx: aliases.set_sole_identifier(tx, ref(ann), "email", "b@x.io"))
    assert error.code is Code.IDENTIFIER_CONFLICT


def test_find_by_any_id(world: World) -> None:
    bob = world.person("alias:old-1", external_id="bob")
    with world.tx(write=False) as tx:
        found = [aliases.find_by_any_id(tx, x, namespace="alias") for x in ("bob", "old-1", bob)]
        missing = aliases.find_by_any_id(tx, "nobody", namespace="alias")
    assert [p.id if p else None for p in found] == [bob, bob, bob]
    assert missing is None


def test_find_by_any_id_of_a_merged_profile_forwards(world: World) -> None:
    keep = world.person(external_id="keep")
    gone = world.person("alias:a")
    world.merged(keep, gone)
    with world.tx(write=False) as tx:
        found = aliases.find_by_any_id(tx, gone, namespace="alias")
    assert found is not None
    assert found.id == keep


def test_errors_are_aka_errors(world: World) -> None:
    with pytest.raises(AkaError), world.tx() as tx:
        aliases.add_alias(tx, ref("missing"), ident("cookie:c1"))
