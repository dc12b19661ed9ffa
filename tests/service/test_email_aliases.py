"""Email users and aliases (the Mimecast door's use cases), on every backend."""

from __future__ import annotations

import pytest

from aka.core.errors import AkaError, Code
from aka.service import email_aliases as mail

from .builders import World


def test_a_user_holds_its_address_as_primary(world: World) -> None:
    with world.tx() as tx:
        user = mail.create_user(tx, "Ann@Example.COM", "Ann", actor=None)
    assert user.address == "ann@example.com"
    assert world.owner("email:ann@example.com") == user.profile_id


def test_an_alias_joins_its_users_profile_and_knows_if_internal(world: World) -> None:
    world.configure({"internal_domains": ["example.com"]})
    with world.tx() as tx:
        user = mail.create_user(tx, "ann@example.com", "Ann", actor=None)
        inside = mail.add_alias(tx, "ann@example.com", "A@Example.com", actor=None)
        outside = mail.add_alias(tx, "ann@example.com", "ann@else.example", actor=None)
    assert (inside.alias, inside.internal, inside.display_name) == ("a@example.com", True, "Ann")
    assert (outside.domain, outside.internal) == ("else.example", False)
    assert world.holds(user.profile_id) == {
        "email:ann@example.com",
        "email:a@example.com",
        "email:ann@else.example",
    }


def test_an_alias_for_nobody_is_not_found(world: World) -> None:
    with world.tx() as tx, pytest.raises(AkaError) as caught:
        mail.add_alias(tx, "nobody@example.com", "a@example.com", actor=None)
    assert (caught.value.code, caught.value.field) == (Code.IDENTIFIER_NOT_FOUND, "aliasFor")


def test_removing_keeps_the_primary_address(world: World) -> None:
    with world.tx() as tx:
        user = mail.create_user(tx, "ann@example.com", None, actor=None)
        mail.add_alias(tx, "ann@example.com", "a@example.com", actor=None)
        assert mail.remove_alias(tx, "A@example.com", actor=None) == "a@example.com"
        with pytest.raises(AkaError) as caught:
            mail.remove_alias(tx, "ann@example.com", actor=None)
    assert caught.value.code is Code.INVALID_INPUT
    assert world.holds(user.profile_id) == {"email:ann@example.com"}


def test_internal_users_lists_one_domain_exactly(world: World) -> None:
    with world.tx() as tx:
        mail.create_user(tx, "ann@example.com", None, actor=None)
        mail.add_alias(tx, "ann@example.com", "b@example.com", actor=None)
        mail.create_user(tx, "cy@sub.example.com", None, actor=None)
        mail.create_user(tx, "dee@example_com.org", None, actor=None)
    with world.tx(write=False) as tx:
        listed = mail.internal_users(tx, "Example.com")
    assert [(u.address, u.alias) for u in listed] == [
        ("ann@example.com", False),
        ("b@example.com", True),
    ]
