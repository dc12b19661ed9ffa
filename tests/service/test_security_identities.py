"""Security identities (the Coveo door's use cases), on every backend."""

from __future__ import annotations

import pytest

from aka.core.errors import AkaError, Code
from aka.core.model import IdentifierKey, Kind
from aka.service import erasure
from aka.service import security_identities as si
from aka.service.refs import ProfileRef
from aka.service.security_identities import Identity

from .builders import World


def ident(name: str, kind: Kind = Kind.USER, provider: str = "P") -> Identity:
    return Identity(provider, name, kind)


def parents(world: World, name: str, *, recursive: bool = True) -> set[str]:
    with world.tx(write=False) as tx:
        found = si.parents(tx, ident(name), recursive=recursive) or []
    return {str(key) for key, _ in found}


@pytest.mark.parametrize(
    ("spelled", "kind"),
    [("user", Kind.USER), ("VirtualGroup", Kind.VIRTUAL_GROUP), ("virtual-group",
     Kind.VIRTUAL_GROUP), (None, Kind.UNKNOWN), ("Group", Kind.GROUP)],
)  # fmt: skip
def test_kinds_are_read_in_any_case(spelled: str | None, kind: Kind) -> None:
    assert si.kind_of(spelled) is kind


def test_an_unknown_kind_is_refused() -> None:
    with pytest.raises(AkaError) as caught:
        si.kind_of("ROBOT")
    assert caught.value.code is Code.VALUE_INVALID


def test_members_replace_and_older_updates_are_dropped(world: World) -> None:
    g = ident("g", Kind.GROUP)
    with world.tx() as tx:
        assert si.put_permissions(tx, g, [ident("a"), ident("b")], [], 2, actor=None)
        assert not si.put_permissions(tx, g, [ident("c")], [], 1, actor=None)
        assert si.put_permissions(tx, g, [ident("b")], [], 3, actor=None)
    assert parents(world, "a") == set()
    assert parents(world, "b") == {"P:g"}
    assert world.owner("P:c") is None  # the dropped update created nothing


def test_well_knowns_and_cycles(world: World) -> None:
    with world.tx() as tx:
        si.put_permissions(tx, ident("x", Kind.GROUP), [ident("y", Kind.GROUP)], [], 1, actor=None)
        si.put_permissions(tx, ident("y", Kind.GROUP), [ident("x", Kind.GROUP)], [], 1, actor=None)
        si.put_permissions(tx, ident("u"), [], [ident("x", Kind.GROUP)], 1, actor=None)
    assert parents(world, "u") == {"P:x", "P:y"}
    assert parents(world, "u", recursive=False) == {"P:x"}


def test_disable_and_older_than(world: World) -> None:
    with world.tx() as tx:
        for n, name in enumerate(("a", "b", "c")):
            si.put_permissions(tx, ident(name), [], [], n, actor=None)
        assert si.disable_older_than(tx, "P", 2, actor=None) == 2
        assert si.disable(tx, ident("c"), 5, actor=None)
        found = tx.identifier(IdentifierKey("P", "c"))
        assert found is not None
        assert found.disabled
    assert parents(world, "a") == set()


def test_mappings_join_profiles(world: World) -> None:
    with world.tx() as tx:
        si.put_permissions(tx, ident("ann@x.io", provider="Email"), [], [], 1, actor=None)
        si.put_mappings(tx, ident("ann"), [ident("ann@x.io", provider="Email")], [], 1, actor=None)
    assert world.owner("P:ann") == world.owner("Email:ann@x.io")


def test_deleting_a_pushed_identity_forgets_its_push_record(world: World) -> None:
    """Erasure reaches what the Coveo door remembers: the identity's last orderingId and
    granted groups name it, so they go with the profile; others' records stay."""
    with world.tx() as tx:
        si.put_permissions(tx, ident("ann@x.io", provider="Email"), [], [], 7, actor=None)
        si.put_permissions(tx, ident("bob@x.io", provider="Email"), [], [], 8, actor=None)
        owner = tx.identifier(IdentifierKey("Email", "ann@x.io"))
        assert owner is not None
        erasure.delete_profile(tx, ProfileRef.by_id(owner.profile_id))
    with world.tx() as tx:
        assert tx.push_records.get(IdentifierKey("Email", "ann@x.io")) is None
        assert tx.push_records.get(IdentifierKey("Email", "bob@x.io")) is not None
