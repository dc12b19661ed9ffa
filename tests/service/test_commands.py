"""Commands say what they will read, and say it truthfully.

A command's `reads()` is what the bulk runner prefetches for it, a window of commands
at a time, before any of them runs. Each spec here arranges a graph, prefetches one
command's `reads()` into a `BufferedTransaction` over a transaction that records every
read the buffer then makes of the store, and runs the command on the buffer:

- a command the buffer models runs there to the end (no `NeedsSlowPath`) without one
  read the prefetch missed: with a window of 2,000 commands, a miss is a query per
  command again;
- a command marked direct is one the buffer would send to the real transaction anyway
  (it writes what the buffer does not model), so running it direct loses nothing.

Nothing is flushed: the transaction ends without a write. Every backend.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from contextlib import suppress
from typing import Any, cast

import pytest

from aka.core.errors import AkaError, Code
from aka.core.model import Identifier, IdentifierKey, Membership, Profile
from aka.core.ports import Transaction
from aka.service.aliases import UserRef
from aka.service.bulk import BufferedTransaction, NeedsSlowPath
from aka.service.commands import Command, Reads, Refuse
from aka.service.graph_commands import (
    AddMembership,
    CreateProfile,
    DeleteProfile,
    Identify,
    Link,
    LinkMany,
    Merge,
    RemoveMembership,
    Rename,
    UndoMerge,
    Unlink,
    UpdateAttributes,
    UpdateIdentifier,
)
from aka.service.imports import ImportRecord
from aka.service.refs import ProfileRef
from aka.service.transfer import parse_object
from aka.service.vendor_commands import (
    AddAlias,
    AddAliases,
    AddEmailAlias,
    CreateEmailUser,
    IdentifyByIdentifier,
    RemoveEmailAlias,
    UpsertUser,
)

from .builders import World, by, ident, ref

Scenario = Callable[[World], Command[object]]


class RecordingTransaction:
    """The real transaction; every graph read the buffer makes of it is recorded."""

    def __init__(self, real: Transaction) -> None:
        self.real = real
        self.reads: list[tuple[str, Any]] = []

    def identifiers_by_keys(self, keys: Collection[IdentifierKey]) -> dict[Any, Identifier]:
        self.reads.append(("identifiers_by_keys", sorted(map(str, keys))))
        return self.real.identifiers_by_keys(keys)

    def profiles_by_ids(self, ids: Collection[str]) -> dict[str, Profile]:
        self.reads.append(("profiles_by_ids", sorted(ids)))
        return self.real.profiles_by_ids(ids)

    def profiles_by_external_ids(self, external_ids: Collection[str]) -> dict[str, Profile]:
        self.reads.append(("profiles_by_external_ids", sorted(external_ids)))
        return self.real.profiles_by_external_ids(external_ids)

    def identifiers_of_many(self, profile_ids: Collection[str]) -> list[Identifier]:
        self.reads.append(("identifiers_of_many", sorted(profile_ids)))
        return self.real.identifiers_of_many(profile_ids)

    def groups_of(self, member_ids: Collection[str]) -> list[Membership]:
        self.reads.append(("groups_of", sorted(member_ids)))
        return self.real.groups_of(member_ids)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)


UNUSED_ID = "0190a8a0-0000-7000-8000-000000000001"


def run_prefetched(world: World, command: Command[object]) -> tuple[list[Any], bool]:
    """Run `command` on a buffer that prefetched its `reads()`: (the reads the prefetch
    missed, whether it stayed in the buffer). A refusal is an outcome like any other."""
    with world.tx() as tx:
        recording = RecordingTransaction(tx)
        buffered = BufferedTransaction(cast(Transaction, recording))
        buffered.prefetch([command.reads()])
        recording.reads.clear()
        try:
            with suppress(AkaError):
                command.run(cast(Transaction, buffered))
        except NeedsSlowPath:
            return recording.reads, False
        return recording.reads, True


def scenarios(table: dict[str, Scenario]) -> list[Any]:
    return [pytest.param(arrange, id=name) for name, arrange in table.items()]


# --- commands the buffer models ------------------------------------------------------------

BUFFERED: dict[str, Scenario] = {}
DIRECT: dict[str, Scenario] = {}


def scenario(table: dict[str, Scenario], name: str) -> Callable[[Scenario], Scenario]:
    def register(arrange: Scenario) -> Scenario:
        table[name] = arrange
        return arrange

    return register


@scenario(BUFFERED, "create a profile with identifiers and an external id")
def _create(w: World) -> Command[object]:
    items = [ident("email:Ann@X.io", primary=True), ident("device:d1")]
    return CreateProfile("u-new", {"plan": "pro"}, items)


@scenario(BUFFERED, "create a profile whose identifier is taken (refused)")
def _create_taken(w: World) -> Command[object]:
    w.person("device:taken")
    return CreateProfile(identifiers=[ident("device:free"), ident("device:taken")])


@scenario(BUFFERED, "create a profile whose external id is taken (refused)")
def _create_external_id_taken(w: World) -> Command[object]:
    w.person(external_id="u-taken")
    return CreateProfile("u-taken", identifiers=[ident("device:d1")])


@scenario(BUFFERED, "create a profile with a chosen id")
def _create_with_id(w: World) -> Command[object]:
    return CreateProfile(profile_id=UNUSED_ID, identifiers=[ident("device:d1")])


@scenario(BUFFERED, "link to a profile by id")
def _link_by_id(w: World) -> Command[object]:
    return Link(ref(w.person("device:d1")), ident("device:d2"))


@scenario(BUFFERED, "link to a profile by external id")
def _link_by_external_id(w: World) -> Command[object]:
    w.person("email:a@x.io", external_id="u1")
    return Link(ProfileRef(external_id="u1"), ident("email:b@x.io", primary=True))


@scenario(BUFFERED, "link to a profile by one of its identifiers")
def _link_by_identifier(w: World) -> Command[object]:
    w.person("device:d1", "email:a@x.io")
    return Link(by("device:d1"), ident("email:b@x.io", primary=True))


@scenario(BUFFERED, "link to a merged-away profile (forwarded to the survivor)")
def _link_to_tombstone(w: World) -> Command[object]:
    keep, gone = w.person("device:keep"), w.person("device:gone")
    w.merged(keep, gone)
    return Link(ref(gone), ident("device:d3"))


@scenario(BUFFERED, "link to a new anonymous profile")
def _link_to_new(w: World) -> Command[object]:
    return Link(None, ident("device:fresh"))


@scenario(BUFFERED, "link an identifier the profile holds already")
def _link_existing(w: World) -> Command[object]:
    return Link(ref(w.person("device:d1")), ident("device:d1"))


@scenario(BUFFERED, "link an identifier another profile holds (refused)")
def _link_held(w: World) -> Command[object]:
    w.person("device:held")
    return Link(ref(w.person("device:d1")), ident("device:held"))


@scenario(BUFFERED, "link past a namespace limit (refused)")
def _link_past_limit(w: World) -> Command[object]:
    w.configure({"namespaces": {"device": {"max_per_profile": 1}}})
    return Link(ref(w.person("device:d1")), ident("device:d2"))


@scenario(BUFFERED, "link to a profile that does not exist (refused)")
def _link_to_nobody(w: World) -> Command[object]:
    return Link(ref(UNUSED_ID), ident("device:d1"))


@scenario(BUFFERED, "link many to a profile by external id (new, held, taken, past a limit)")
def _link_many(w: World) -> Command[object]:
    w.configure({"namespaces": {"crm": {"max_per_profile": 1}}})
    w.person("device:d1", external_id="u1")
    w.person("device:taken")
    items = [ident("device:d2"), ident("device:d1"), ident("device:taken")]
    return LinkMany(ProfileRef(external_id="u1"), [*items, ident("crm:c1"), ident("crm:c2")])


@scenario(BUFFERED, "link many to a profile by one of its identifiers")
def _link_many_by_identifier(w: World) -> Command[object]:
    w.person("device:d1", "email:a@x.io")
    return LinkMany(by("device:d1"), [ident("email:b@x.io", primary=True), ident("crm:c1")])


@scenario(BUFFERED, "link many to a profile that does not exist (each item refused)")
def _link_many_to_nobody(w: World) -> Command[object]:
    return LinkMany(ref(UNUSED_ID), [ident("device:d1"), ident("device:d2")])


@scenario(BUFFERED, "add a membership")
def _add_membership(w: World) -> Command[object]:
    return AddMembership(ref(w.person("device:group")), ref(w.person("device:member")))


@scenario(BUFFERED, "add a membership that exists")
def _add_existing_membership(w: World) -> Command[object]:
    group, member = w.person("device:group"), w.person("device:member")
    w.member(group, member)
    return AddMembership(ref(group), ref(member))


@scenario(BUFFERED, "remove a membership")
def _remove_membership(w: World) -> Command[object]:
    group, member = w.person("device:group"), w.person("device:member")
    w.member(group, member)
    return RemoveMembership(ref(group), ref(member))


@scenario(BUFFERED, "add an alias to a user by external id (Braze)")
def _braze_alias(w: World) -> Command[object]:
    w.person("device:d1", external_id="u1")
    target = ProfileRef(external_id="u1")
    return AddAlias(target, ident("crm:c1"), if_taken="ignore", one_per_namespace=True)


@scenario(BUFFERED, "add an alias that exists anywhere (Braze: ignored)")
def _braze_alias_ignored(w: World) -> Command[object]:
    w.person("crm:c1")
    return AddAlias(None, ident("crm:c1"), if_taken="ignore", one_per_namespace=True)


@scenario(BUFFERED, "add many aliases to users and alias-only users (Braze alias/new)")
def _braze_aliases(w: World) -> Command[object]:
    w.person("device:d1", external_id="u1")
    w.person("crm:held")
    u1, u2 = ProfileRef(external_id="u1"), ProfileRef(external_id="u2")
    entries = [
        (u1, ident("crm:c1")),
        (None, ident("cookie:anon")),
        (u1, ident("crm:c2")),
        (u1, ident("crm:held")),
        (u2, ident("crm:c3")),
        (u1, ident("cookie:anon")),
    ]
    return AddAliases(entries, if_taken="ignore", one_per_namespace=True)


@scenario(BUFFERED, "add many aliases, refusing user ids (Appizer's rule)")
def _aliases_not_user_ids(w: World) -> Command[object]:
    w.person("alias:a1", external_id="u1")
    w.person(external_id="u2")
    u1 = ProfileRef(external_id="u1")
    return AddAliases([(u1, ident("alias:u2")), (u1, ident("alias:a2"))], refuse_external_ids=True)


@scenario(BUFFERED, "add an alias to a user named by one of its aliases (Appizer)")
def _appizer_alias(w: World) -> Command[object]:
    w.person("alias:a1", external_id="u1")
    return AddAlias(UserRef("a1", "alias"), ident("alias:a2"), refuse_external_ids=True)


@scenario(BUFFERED, "add an alias equal to another user's id (Appizer: refused)")
def _appizer_alias_circular(w: World) -> Command[object]:
    w.person("alias:a1", external_id="u1")
    w.person(external_id="u2")
    return AddAlias(UserRef("u1", "alias"), ident("alias:u2"), refuse_external_ids=True)


@scenario(BUFFERED, "create an email user (Mimecast)")
def _email_user(w: World) -> Command[object]:
    return CreateEmailUser("Ann@X.io", "Ann")


@scenario(BUFFERED, "add an email alias (Mimecast)")
def _email_alias(w: World) -> Command[object]:
    w.person(ident("email:ann@x.io", primary=True, name="Ann"))
    return AddEmailAlias("ann@x.io", "a.n@x.io")


@scenario(BUFFERED, "import a new profile record")
def _import_new(w: World) -> Command[object]:
    line = {"external_id": "u1", "identifiers": [{"namespace": "device", "value": "d"}]}
    return ImportRecord(parse_object(line))


@scenario(BUFFERED, "import a record of a known profile (links what it lacks)")
def _import_known(w: World) -> Command[object]:
    known = w.person("device:d1", external_id="u1")
    line = {
        "id": known,
        "external_id": "u1",
        "identifiers": [{"namespace": "device", "value": "d2"}],
    }
    return ImportRecord(parse_object(line))


@scenario(BUFFERED, "import a membership record")
def _import_membership(w: World) -> Command[object]:
    line = {"type": "membership", "group": w.person("device:g"), "member": w.person("device:m")}
    return ImportRecord(parse_object(line))


@scenario(BUFFERED, "a refusal in an item's place")
def _refusal(w: World) -> Command[object]:
    return Refuse(AkaError(Code.INVALID_INPUT, "the item did not decode"))


@pytest.mark.parametrize("arrange", scenarios(BUFFERED))
def test_a_buffered_command_reads_nothing_its_reads_left_out(
    world: World, arrange: Scenario
) -> None:
    command = arrange(world)
    assert not command.reads().direct
    missed, buffered = run_prefetched(world, command)
    assert buffered, "the command left the buffer: it should be marked direct"
    assert missed == []


# --- commands that run direct --------------------------------------------------------------


@scenario(DIRECT, "unlink")
def _unlink(w: World) -> Command[object]:
    w.person("device:d1", "device:d2")
    return Unlink("device", "d1")


@scenario(DIRECT, "identify")
def _identify(w: World) -> Command[object]:
    return Identify(ref(w.person("device:d1")), "u1")


@scenario(DIRECT, "update attributes")
def _update_attributes(w: World) -> Command[object]:
    return UpdateAttributes(ref(w.person("device:d1")), {"plan": "pro"})


@scenario(DIRECT, "update an identifier")
def _update_identifier(w: World) -> Command[object]:
    w.person("device:d1")
    return UpdateIdentifier("device", "d1", disabled=True)


@scenario(DIRECT, "rename")
def _rename(w: World) -> Command[object]:
    w.person("device:d1")
    return Rename("device", "d1", "d9")


@scenario(DIRECT, "delete a profile")
def _delete(w: World) -> Command[object]:
    return DeleteProfile(ref(w.person("device:d1")))


@scenario(DIRECT, "merge")
def _merge(w: World) -> Command[object]:
    return Merge(ref(w.person("device:a")), ref(w.person("device:b")))


@scenario(DIRECT, "undo a merge")
def _undo(w: World) -> Command[object]:
    return UndoMerge(w.merged(w.person("device:a"), w.person("device:b")))


@scenario(DIRECT, "identify by identifier (Braze)")
def _identify_by_identifier(w: World) -> Command[object]:
    w.person("crm:c1")
    return IdentifyByIdentifier("crm", "c1", "u1", keep_apart_when_namespace_held=True)


@scenario(DIRECT, "upsert a user (Braze track, Appizer)")
def _upsert_user(w: World) -> Command[object]:
    emails = {"email": "a@x.io"}
    return UpsertUser(UserRef("u1", "alias"), sole_identifiers=emails, attributes={"a": 1})


@scenario(DIRECT, "remove an email alias (Mimecast)")
def _remove_email_alias(w: World) -> Command[object]:
    w.person(ident("email:ann@x.io", primary=True), "email:a.n@x.io")
    return RemoveEmailAlias("a.n@x.io")


@pytest.mark.parametrize("arrange", scenarios(DIRECT))
def test_a_direct_command_is_one_the_buffer_would_not_keep(world: World, arrange: Scenario) -> None:
    command = arrange(world)
    assert command.reads() is Reads.DIRECT
    _, buffered = run_prefetched(world, command)
    assert not buffered, "the buffer ran it to the end: it could have been buffered"


def test_a_command_weighs_the_items_it_holds() -> None:
    """What group commit's cap and the heavy threshold count."""
    items = [ident(f"device:d{n}") for n in range(3)]
    assert CreateProfile(identifiers=items).weight == 3
    assert CreateProfile().weight == 1
    assert Link(None, items[0]).weight == 1
    assert LinkMany(ref(UNUSED_ID), items).weight == 3
    assert LinkMany(ref(UNUSED_ID), []).weight == 1
    assert AddAliases([(None, item) for item in items]).weight == 3
    line = {"identifiers": [{"namespace": "device", "value": str(n)} for n in range(4)]}
    assert ImportRecord(parse_object(line)).weight == 4
