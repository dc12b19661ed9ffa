"""A key's namespace limit on a transaction and a command (ADR 0026), on every backend:
one list of commands (a group-commit round, a batch) may mix keys, and each command is
held to its own key's limit, buffered or direct."""

from __future__ import annotations

from aka.core.errors import AkaError, Code
from aka.core.model import IdentifierKey, ResolvedProfile
from aka.core.namespace_scope import UNLIMITED, NamespaceScope
from aka.core.ports import Store
from aka.service import bulk, queries
from aka.service.commands import Command
from aka.service.graph_commands import CreateProfile, Link, Merge
from aka.service.identities import NewIdentifier
from aka.service.namespace_limits import scoped, scoped_command
from aka.service.refs import ProfileRef

CRM = NamespaceScope.parse(["email", "crm_*"])


def create(*items: tuple[str, str], scope: NamespaceScope = UNLIMITED) -> Command[ResolvedProfile]:
    identifiers = [NewIdentifier(ns, value) for ns, value in items]
    return scoped_command(CreateProfile(identifiers=identifiers), scope)


def test_one_round_holds_each_command_to_its_own_keys_limit(store: Store) -> None:
    """Creates of a limited key run beside an unlimited key's, in one transaction."""
    commands = [
        create(("email", "a@x.io"), scope=CRM),
        create(("phone", "+14155550100"), scope=CRM),
        create(("phone", "+14155550101")),
        create(("crm_id", "7"), ("email", "b@x.io"), scope=CRM),
    ]
    with store.transaction("default") as tx:
        outcomes = bulk.run_all(tx, commands)
    refused = outcomes[1]
    assert isinstance(refused, AkaError)
    assert refused.code is Code.NAMESPACE_NOT_ALLOWED
    assert [isinstance(o, ResolvedProfile) for o in outcomes] == [True, False, True, True]
    with store.transaction("default", write=False) as tx:
        assert tx.identifier(IdentifierKey("phone", "+14155550100")) is None
        assert tx.identifier(IdentifierKey("phone", "+14155550101")) is not None


def test_a_direct_command_is_held_to_the_limit_too(store: Store) -> None:
    """A merge runs on the real transaction, not the buffer: the check still applies."""
    with store.transaction("default") as tx:
        keep, gone = bulk.run_all(
            tx,
            [create(("email", "k@x.io")), create(("email", "g@x.io"), ("phone", "+14155550102"))],
        )
    assert isinstance(keep, ResolvedProfile)
    assert isinstance(gone, ResolvedProfile)
    merge = Merge(ProfileRef.by_id(keep.profile.id), ProfileRef.by_id(gone.profile.id))
    link = Link(ProfileRef.by_id(keep.profile.id), NewIdentifier("crm_id", "k"))
    with store.transaction("default") as tx:
        merged, linked = bulk.run_all(tx, [scoped_command(merge, CRM), scoped_command(link, CRM)])
    assert isinstance(merged, AkaError)
    assert merged.code is Code.NAMESPACE_NOT_ALLOWED
    assert not isinstance(linked, AkaError)
    with store.transaction("default", write=False) as tx:
        assert queries.get(tx, ProfileRef.by_id(gone.profile.id)).profile.id == gone.profile.id


def test_a_scoped_read_finds_nothing_outside_and_sees_the_truth_inside(store: Store) -> None:
    with store.transaction("default") as tx:
        [ann] = bulk.run_all(tx, [create(("email", "ann@x.io"), ("phone", "+14155550100"))])
    assert isinstance(ann, ResolvedProfile)
    with store.transaction("default", write=False) as tx:
        view = scoped(tx, CRM)
        assert view.identifier(IdentifierKey("phone", "+14155550100")) is None
        assert view.identifiers_by_keys([IdentifierKey("phone", "+14155550100")]) == {}
        assert view.identifier(IdentifierKey("email", "ann@x.io")) is not None
        # The rules see the whole profile; answers are redacted by the engine.
        assert len(view.identifiers_of(ann.profile.id)) == 2
        assert scoped(tx, UNLIMITED) is tx
