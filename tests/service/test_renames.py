"""Renaming a profile's external id without losing the old one (ADR 0024), on every
backend: the old id stays as a deprecated identifier that still names the profile,
blocks anyone else from taking it, moves with merges and back with their undo, is erased
with the profile, and is forgotten when removed. Every test ends with invariants 1-4
checked (`world` fixture), so `aka check`'s replay holds after each."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import pytest

from aka.core import events as ev
from aka.core.errors import AkaError, Code
from aka.core.model import IdentifierKey
from aka.core.ports import Transaction
from aka.core.settings import WorkspaceSettings
from aka.service import erasure, identities, imports, queries, refs, renames, transfer
from aka.service.check import invariants_1_to_3
from aka.service.identities import NewIdentifier
from aka.service.refs import ProfileRef
from tests.core.builders import Log

from .builders import World, ident, ref

OLD = IdentifierKey(ev.EXTERNAL_IDS, "u-old")


def rename(world: World, profile_id: str, new: str, **options: bool) -> None:
    with world.tx() as tx:
        renames.rename_external_id(tx, ref(profile_id), new, actor="key_1", **options)


def refusal(world: World, operation: Callable[[Transaction], object]) -> AkaError:
    before = world.last_seq()
    with pytest.raises(AkaError) as caught, world.tx() as tx:
        operation(tx)
    assert world.last_seq() == before, "a refused operation must not leave events behind"
    return caught.value


def found_by(world: World, external_id: str) -> str | None:
    with world.tx(write=False) as tx:
        found = refs.find(tx, ProfileRef(external_id=external_id))
        return found.id if found else None


def deprecated_of(world: World, profile_id: str) -> set[str]:
    with world.tx(write=False) as tx:
        return {i.value for i in tx.identifiers_of(profile_id) if i.deprecated}


def test_a_rename_keeps_the_old_external_id_as_a_deprecated_identifier(world: World) -> None:
    """One `profile.renamed` event; the profile answers to both ids; the old one is an
    identifier in `aka:external_id` marked deprecated, and a resolve by it says so."""
    pid = world.person("email:ann@x.io", external_id="u-old")

    with world.tx() as tx:
        answer = renames.rename_external_id(tx, ref(pid), "u-new", actor="key_1")

    assert answer.profile.external_id == "u-new"
    (old,) = [i for i in answer.identifiers if i.namespace == ev.EXTERNAL_IDS]
    assert (old.value, old.deprecated, old.primary) == ("u-old", True, False)
    event = world.events()[-1]
    assert (event.type, event.profile_id, event.actor) == (ev.PROFILE_RENAMED, pid, "key_1")
    assert event.payload == {"external_id": "u-new", "previous": "u-old"}
    assert found_by(world, "u-new") == found_by(world, "u-old") == pid
    with world.tx(write=False) as tx:
        by_old = queries.get(tx, ProfileRef(external_id="u-old"))
        by_new = queries.get(tx, ProfileRef(external_id="u-new"))
    assert queries.deprecated_match(by_old, ProfileRef(external_id="u-old"))
    assert not queries.deprecated_match(by_new, ProfileRef(external_id="u-new"))


def test_the_new_id_must_be_free_of_current_and_deprecated_ids(world: World) -> None:
    """Another profile's current id, a tombstone's, or another profile's deprecated id:
    `external_id_conflict` naming the owner (and whether the id is a deprecated one)."""
    ann = world.person(external_id="u-ann")
    bob = world.person(external_id="u-bob")
    rename(world, bob, "u-bob-2")

    taken = refusal(world, lambda tx: renames.rename_external_id(tx, ref(ann), "u-bob-2"))
    assert (taken.code, taken.details) == (Code.EXTERNAL_ID_CONFLICT, {"owner": bob})
    old = refusal(world, lambda tx: renames.rename_external_id(tx, ref(ann), "u-bob"))
    assert old.code is Code.EXTERNAL_ID_CONFLICT
    assert old.details == {"owner": bob, "deprecated": True}


def test_a_deprecated_id_blocks_creates_and_names_its_profile_to_identify(
    world: World,
) -> None:
    """Nobody else may take it: a create with it is refused; identify with it merges the
    anonymous profile into the renamed one, as identify does with a current id."""
    pid = world.person(external_id="u-old")
    rename(world, pid, "u-new")

    made = refusal(world, lambda tx: identities.create_profile(tx, external_id="u-old"))
    assert made.code is Code.EXTERNAL_ID_CONFLICT
    assert made.details == {"owner": pid, "deprecated": True}
    anonymous = world.person("device:d1")
    with world.tx() as tx:
        survivor = identities.identify(tx, ref(anonymous), "u-old")
    assert survivor.profile.id == pid
    assert world.owner("device:d1") == pid


def test_renaming_back_takes_the_old_id_back_unless_the_caller_forbids_it(
    world: World,
) -> None:
    """The profile's own deprecated id may be taken back (the rename undone), unless
    `take_back_own=False` (Braze's rule), which also refuses the current id itself."""
    pid = world.person(external_id="u-old")
    rename(world, pid, "u-new")

    strict = refusal(
        world, lambda tx: renames.rename_external_id(tx, ref(pid), "u-old", take_back_own=False)
    )
    assert strict.code is Code.EXTERNAL_ID_CONFLICT
    same = refusal(
        world, lambda tx: renames.rename_external_id(tx, ref(pid), "u-new", take_back_own=False)
    )
    assert (same.code, same.field) == (Code.INVALID_INPUT, "external_id")

    rename(world, pid, "u-old")

    assert world.stored(pid).external_id == "u-old"
    assert deprecated_of(world, pid) == {"u-new"}
    assert world.events()[-1].payload == {
        "external_id": "u-old",
        "previous": "u-new",
        "reclaimed": True,
    }


def test_only_an_identified_profile_is_renamed_and_only_by_its_current_id(
    world: World,
) -> None:
    """An anonymous profile has nothing to rename (`not_identified`); a reference by a
    deprecated id does not name the id to rename."""
    anonymous = world.person("device:d1")
    none = refusal(world, lambda tx: renames.rename_external_id(tx, ref(anonymous), "u-1"))
    assert none.code is Code.NOT_IDENTIFIED
    pid = world.person(external_id="u-old")
    rename(world, pid, "u-new")
    by_old = ProfileRef(external_id="u-old")
    stale = refusal(world, lambda tx: renames.rename_external_id(tx, by_old, "u-3"))
    assert stale.code is Code.INVALID_INPUT


def test_removing_a_deprecated_id_frees_it_and_a_current_one_is_refused(
    world: World,
) -> None:
    """Removed: it no longer resolves and anyone may take it. A current id is refused
    (`external_id_not_deprecated`); an unknown one is `identifier_not_found`."""
    pid = world.person(external_id="u-old")
    rename(world, pid, "u-new")

    current = refusal(
        world, lambda tx: renames.remove_deprecated_external_id(tx, "u-new", actor="k")
    )
    assert (current.code, current.details) == (Code.EXTERNAL_ID_NOT_DEPRECATED, {"owner": pid})
    unknown = refusal(world, lambda tx: renames.remove_deprecated_external_id(tx, "u-x"))
    assert unknown.code is Code.IDENTIFIER_NOT_FOUND

    with world.tx() as tx:
        removed = renames.remove_deprecated_external_id(tx, "u-old", actor="k")

    assert (removed.key, removed.profile_id) == (OLD, pid)
    assert world.events()[-1].type == ev.IDENTIFIER_UNLINKED
    assert found_by(world, "u-old") is None
    other = world.person(external_id="u-old")
    assert found_by(world, "u-old") == other


def test_the_reserved_namespace_is_only_written_by_renames(world: World) -> None:
    """Linking, creating with or renaming into `aka:external_id` is refused, naming the
    rename route."""
    pid = world.person(external_id="u-1")
    linked = refusal(
        world,
        lambda tx: identities.link(tx, ref(pid), NewIdentifier(ev.EXTERNAL_IDS, "x")),
    )
    assert linked.code is Code.NAMESPACE_INVALID
    assert "rename" in linked.message
    created = refusal(
        world,
        lambda tx: identities.create_profile(tx, identifiers=[NewIdentifier(ev.EXTERNAL_IDS, "y")]),
    )
    assert (created.code, created.field) == (Code.NAMESPACE_INVALID, "identifiers[0].namespace")
    rename(world, pid, "u-2")
    moved = refusal(world, lambda tx: identities.rename(tx, ev.EXTERNAL_IDS, "u-1", "u-3"))
    assert moved.code is Code.NAMESPACE_INVALID


def test_deprecated_ids_move_with_a_merge_and_back_with_its_undo(world: World) -> None:
    """They are identifiers like any other: the merge carries them to the survivor (the
    old id then names it), the undo brings them back."""
    keep = world.person("device:d1")
    gone = world.person(external_id="u-old")
    rename(world, gone, "u-new")

    merge_id = world.merged(keep, gone)

    assert found_by(world, "u-old") == keep
    assert deprecated_of(world, keep) == {"u-old"}
    assert world.stored(keep).external_id == "u-new"

    world.unmerged(merge_id)

    assert found_by(world, "u-old") == gone
    assert deprecated_of(world, gone) == {"u-old"}
    assert deprecated_of(world, keep) == set()


def test_erasure_erases_deprecated_ids_everywhere(world: World) -> None:
    """Deleting the profile removes its deprecated ids, and neither the old nor the new
    id survives in any event; the log still replays (checked by the fixture)."""
    pid = world.person("email:ann@x.io", external_id="u-old")
    rename(world, pid, "u-mid")
    rename(world, pid, "u-new")
    with world.tx() as tx:
        renames.remove_deprecated_external_id(tx, "u-mid")

    with world.tx() as tx:
        erasure.delete_profile(tx, ref(pid))

    assert found_by(world, "u-old") is None
    text = "\n".join(repr(e.payload) for e in world.events())
    for value in ("u-old", "u-mid", "u-new", "ann@x.io"):
        assert value not in text


def test_erasing_a_person_erases_its_external_id_where_another_kept_it_deprecated(
    world: World,
) -> None:
    """Ann was `u2`, renamed away from it (kept deprecated) and had it removed; then Bob
    took `u2` and is erased. Ann's events name `u2` as a deprecated identifier: they are
    redacted alike, so the log still replays (found by the stateful test)."""
    ann = world.person("email:ann@x.io", external_id="u2")
    rename(world, ann, "u1")
    with world.tx() as tx:
        renames.remove_deprecated_external_id(tx, "u2")
    bob = world.person("email:bob@x.io", external_id="u2")

    with world.tx() as tx:
        erasure.delete_profile(tx, ref(bob))

    assert world.violations() == []
    assert "'u2'" not in "\n".join(repr(e.payload) for e in world.events())
    assert found_by(world, "u1") == ann


def test_an_identifier_rename_may_keep_the_old_value_as_deprecated(world: World) -> None:
    """`keep=True`: the old value stays (deprecated, no longer primary) and resolves;
    the new one takes its kind, primary flag and attributes. It counts against the
    namespace's limit like any identifier."""
    pid = world.person(ident("crm:c1", primary=True, tier="gold"))

    with world.tx() as tx:
        new = identities.rename(tx, "crm", "c1", "c2", keep=True)

    assert (new.value, new.primary, new.deprecated, new.attributes) == (
        "c2",
        True,
        False,
        {"tier": "gold"},
    )
    with world.tx(write=False) as tx:
        old = tx.identifier(IdentifierKey("crm", "c1"))
    assert old is not None
    assert (old.profile_id, old.deprecated, old.primary) == (pid, True, False)
    assert world.events()[-1].payload["keep"] is True

    world.configure({"namespaces": {"crm": {"max_per_profile": 2}}})
    full = refusal(world, lambda tx: identities.rename(tx, "crm", "c2", "c3", keep=True))
    assert full.code is Code.NAMESPACE_LIMIT


def test_aka_check_flags_a_deprecated_id_that_is_also_a_current_one() -> None:
    """Invariant 3 covers deprecated external ids: still taken, so no profile may hold
    one as its current id (the rules never write that; a tampered store may)."""
    log = Log()
    pid = log.created(external_id="u-old")
    log.add(ev.PROFILE_RENAMED, pid, external_id="u-new", previous="u-old")
    assert invariants_1_to_3(log.state) == []
    other = log.created(external_id="u-x")
    log.state.profiles[other] = replace(log.state.profiles[other], external_id="u-old")

    (found,) = invariants_1_to_3(log.state)
    assert found.invariant == 3
    assert "u-old" in found.message


def test_export_then_import_reproduces_deprecated_ids(world: World) -> None:
    """An export line says `deprecated: true`; importing it into an empty workspace
    gives the same profile, current id, deprecated ids and kept aliases, and importing
    it again changes nothing."""
    pid = world.person("device:d1", "crm:c1", external_id="u-1")
    rename(world, pid, "u-2")
    rename(world, pid, "u-3")
    with world.tx() as tx:
        identities.rename(tx, "crm", "c1", "c2", keep=True)
    with world.tx(write=False) as tx:
        lines = list(transfer.export_lines(tx))
        source = {(str(i.key), i.deprecated) for i in tx.identifiers_of(pid)}
    (line,) = lines
    assert {"namespace": ev.EXTERNAL_IDS, "value": "u-1", "deprecated": True} in line["identifiers"]

    world.store.create_workspace("copy", WorkspaceSettings())
    copy = World(world.store, "copy")
    for _ in range(2):
        with copy.tx() as tx:
            (outcome,) = imports.apply_chunk(tx, [transfer.parse_object(line)], actor="import")
        assert not isinstance(outcome, AkaError)
        assert copy.stored(pid).external_id == "u-3"
        with copy.tx(write=False) as tx:
            assert {(str(i.key), i.deprecated) for i in tx.identifiers_of(pid)} == source
    assert outcome.action is transfer.Action.UNCHANGED
    assert copy.violations() == []


def test_import_refuses_a_deprecated_id_someone_else_holds(world: World) -> None:
    """An import never merges: a deprecated id held by another profile is refused,
    naming the item by its place in the record."""
    world.person(external_id="u-taken")
    record = transfer.parse_object(
        {
            "external_id": "u-mine",
            "identifiers": [
                {"namespace": "device", "value": "d1"},
                {"namespace": ev.EXTERNAL_IDS, "value": "u-taken", "deprecated": True},
            ],
        }
    )
    refused = refusal(world, lambda tx: transfer.upsert(tx, record))
    assert (refused.code, refused.field) == (Code.EXTERNAL_ID_CONFLICT, "identifiers[1].value")
    current = transfer.parse_object(
        {"external_id": "u-x", "identifiers": [{"namespace": ev.EXTERNAL_IDS, "value": "u-y"}]}
    )
    not_old = refusal(world, lambda tx: transfer.upsert(tx, current))
    assert (not_old.code, not_old.field) == (Code.NAMESPACE_INVALID, "identifiers[0].namespace")
    bad = transfer.parse_object(
        {
            "external_id": "u-z",
            "identifiers": [
                {"namespace": ev.EXTERNAL_IDS, "value": "u-w", "deprecated": True},
                {"namespace": "device", "value": ""},
            ],
        }
    )
    empty = refusal(world, lambda tx: transfer.upsert(tx, bad))
    assert empty.field == "identifiers[1].value"
