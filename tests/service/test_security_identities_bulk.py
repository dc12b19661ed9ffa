"""A large Coveo push is written many rows per statement, not one event at a time
(issue 12: 10,000 members took minutes), with the same graph and log as before.

The transaction is the real one, wrapped to count how its events arrive: one by one
(`append`) or in bulk (`append_many`).
"""

from __future__ import annotations

from typing import Any

from aka.core import events as ev
from aka.core.events import Change
from aka.core.model import IdentifierKey, Kind
from aka.core.ports import Transaction
from aka.service import security_identities as si
from aka.service.bulk import WINDOW
from aka.service.security_identities import Identity

from .builders import World

MEMBERS = 300


class Counted:
    """The real transaction, counting its single and bulk appends."""

    def __init__(self, real: Transaction) -> None:
        self.real = real
        self.singles: list[str] = []
        self.bulk = 0
        self.workspace_id = real.workspace_id

    def append(self, change: Change) -> Any:
        self.singles.append(change.type)
        return self.real.append(change)

    def append_many(self, changes: Any, at: Any) -> Any:
        # One change is a single append, whichever method wrote it (`create_profile`
        # appends its one event with `append_many`).
        if len(changes) == 1:
            self.singles.append(changes[0].type)
        else:
            self.bulk += 1
        return self.real.append_many(changes, at)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)


def user(n: int) -> Identity:
    return Identity("P", f"u{n}@x.example", Kind.USER)


def test_a_push_of_many_new_members_appends_them_in_bulk(world: World) -> None:
    """Every member becomes a profile, linked and added to the group, with a few bulk
    appends per window: no event of theirs is appended on its own."""
    with world.tx() as tx:
        counted = Counted(tx)
        applied = si.put_permissions(
            counted,  # type: ignore[arg-type]
            Identity("P", "g", Kind.GROUP),
            [user(n) for n in range(MEMBERS)],
            [],
            1,
            actor=None,
        )
    assert applied is True
    # Only the group itself is written on its own (it is ensured before its members).
    assert counted.singles == [ev.PROFILE_CREATED]  # with its identifier: one event
    assert 0 < counted.bulk <= 2 * (MEMBERS // WINDOW + 1)
    with world.tx(write=False) as tx:
        group = tx.identifier(IdentifierKey("P", "g"))
        assert group is not None
        edges = tx.memberships_touching(group.profile_id)
        assert len({e.member_id for e in edges if e.group_id == group.profile_id}) == MEMBERS
        events = tx.events(0, 10 * MEMBERS)
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    assert sum(e.type == ev.MEMBERSHIP_ADDED for e in events) == MEMBERS


def test_many_mappings_are_linked_as_one_event_and_a_shared_profile_merged_once(
    world: World,
) -> None:
    """Mapped identities new to the graph are linked to the identity's profile as ONE
    `identifier.linked` listing them all (ADR 0012); two mapped identities already on
    one other profile merge it in once."""
    with world.tx() as tx:
        si.put_mappings(tx, Identity("Q", "x"), [Identity("Q", "y")], [], 1, actor=None)
    world.configure({"namespaces": {"E": {"max_per_profile": MEMBERS}}})
    mapped = [Identity("E", f"a{n}") for n in range(MEMBERS)] + [
        Identity("Q", "x"),
        Identity("Q", "y"),
    ]
    with world.tx() as tx:
        counted = Counted(tx)
        si.put_mappings(counted, Identity("P", "ann"), mapped, [], 1, actor=None)  # type: ignore[arg-type]
    # The identity's own profile, created with its identifier: one event.
    assert counted.singles.count(ev.PROFILE_CREATED) == 1
    assert counted.singles.count(ev.IDENTIFIER_LINKED) == 1
    assert counted.singles.count(ev.PROFILE_MERGED) == 1
    linked = [e for e in world.events() if e.type == ev.IDENTIFIER_LINKED][-1]
    assert [k.value for k in ev.linked_keys(linked.payload)] == [f"a{n}" for n in range(MEMBERS)]
    with world.tx(write=False) as tx:
        owners = {
            found.profile_id
            for key in [IdentifierKey("P", "ann"), IdentifierKey("Q", "x"), IdentifierKey("Q", "y")]
            + [IdentifierKey("E", f"a{n}") for n in range(MEMBERS)]
            if (found := tx.identifier(key)) is not None
        }
    assert len(owners) == 1


def test_a_push_replacing_many_members_removes_and_adds_them_in_bulk(world: World) -> None:
    """The second push keeps the members it names again, removes the others and adds
    the new ones, all with bulk appends."""
    g = Identity("P", "g", Kind.GROUP)
    with world.tx() as tx:
        si.put_permissions(tx, g, [user(n) for n in range(MEMBERS)], [], 1, actor=None)
    half = MEMBERS // 2
    with world.tx() as tx:
        counted = Counted(tx)
        second = [user(n) for n in range(half, MEMBERS + half)]
        si.put_permissions(counted, g, second, [], 2, actor=None)  # type: ignore[arg-type]
    assert counted.singles == []
    assert counted.bulk > 0
    with world.tx(write=False) as tx:
        group = tx.identifier(IdentifierKey("P", "g"))
        assert group is not None
        members = {
            e.member_id for e in tx.memberships_touching(group.profile_id)
            if e.group_id == group.profile_id
        }  # fmt: skip
        wanted = set()
        for n in range(half, MEMBERS + half):
            found = tx.identifier(IdentifierKey("P", f"u{n}@x.example"))
            assert found is not None
            wanted.add(found.profile_id)
    assert members == wanted
