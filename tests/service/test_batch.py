"""run_each: many operations in one transaction, each standing or falling alone."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from aka.core.errors import AkaError, Code
from aka.core.ports import Transaction
from aka.service import identities
from aka.service.batch import run_each
from aka.service.refs import ProfileRef

from .builders import World, ident, ref


def test_a_refused_operation_rolls_back_alone(world: World) -> None:
    """The second op links two identifiers, then hits a conflict on a third: neither of
    its links survives, while the first and third ops commit."""
    taken_by = world.person("crm:taken")
    pid = world.person()

    def half_done(tx: Transaction) -> object:
        identities.link(tx, ref(pid), ident("crm:half-1"))
        identities.link(tx, ref(pid), ident("crm:half-2"))
        return identities.link(tx, ref(pid), ident("crm:taken"))

    with world.tx() as tx:
        results = run_each(
            tx,
            [
                lambda tx: identities.link(tx, ref(pid), ident("crm:first")),
                half_done,
                lambda tx: identities.link(tx, ref(pid), ident("crm:third")),
            ],
        )

    assert not isinstance(results[0], AkaError)
    assert isinstance(results[1], AkaError)
    assert results[1].code is Code.IDENTIFIER_CONFLICT
    assert results[1].details["owner"] == taken_by
    assert not isinstance(results[2], AkaError)
    assert world.holds(pid) == {"crm:first", "crm:third"}
    assert world.owner("crm:half-1") is None


def test_later_operations_see_what_earlier_ones_did(world: World) -> None:
    """A profile created by op 1 can be linked by op 2 and conflicts with op 3."""
    with world.tx() as tx:
        results = run_each(
            tx,
            [
                lambda tx: identities.create_profile(tx, external_id="u1"),
                lambda tx: identities.link(tx, ProfileRef(external_id="u1"), ident("crm:a")),
                lambda tx: identities.create_profile(tx, external_id="u1"),
            ],
        )
    assert [type(r).__name__ for r in results] == ["ResolvedProfile", "LinkResult", "AkaError"]
    assert isinstance(results[2], AkaError)
    assert results[2].code is Code.EXTERNAL_ID_CONFLICT


def test_the_event_log_has_no_gap_where_an_operation_was_refused(world: World) -> None:
    """Savepoints undo events too: the refused op's events never got a seq."""
    world.person("crm:taken")
    pid = world.person()
    before = world.last_seq()
    with world.tx() as tx:
        run_each(
            tx,
            [
                lambda tx: identities.link(tx, ref(pid), ident("crm:taken")),
                lambda tx: identities.link(tx, ref(pid), ident("crm:ok")),
            ],
        )
    assert [e.seq for e in world.events()][before:] == [before + 1]


def test_an_unexpected_failure_rolls_the_whole_batch_back(world: World) -> None:
    """Only refusals are per operation; a crash leaves nothing half-written."""
    pid = world.person()
    before = world.last_seq()

    def crash(tx: Transaction) -> object:
        raise RuntimeError("database went away")

    operations: list[Callable[[Transaction], object]] = [
        lambda tx: identities.link(tx, ref(pid), ident("crm:a")),
        crash,
    ]
    with pytest.raises(RuntimeError), world.tx() as tx:
        run_each(tx, operations)
    assert world.last_seq() == before
    assert world.holds(pid) == set()
