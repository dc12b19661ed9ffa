"""`namespace_aliases` (ADR 0027), on every backend: a door's namespace mapped onto a
shared one is one identifier with the native one; a change over data is refused; a
namespace merge carries the identifiers over, merging profiles as the policy allows,
and its preview leaves nothing behind. Every `world` test ends with `aka check`'s
invariants 1-4 holding (tests/service/conftest.py)."""

from __future__ import annotations

import pytest

from aka.core import normalize
from aka.core.errors import AkaError, Code
from aka.core.model import Kind
from aka.core.ports import PushRecord
from aka.service import namespace_aliases as na
from aka.service import security_identities as si
from aka.service.links import LinkOutcome
from aka.service.security_identities import Identity

from .builders import World, key

ESP = "Email Security Provider"
MAPPED = {"namespace_aliases": {f"coveo:{ESP}": "email"}}


def coveo_user(world: World, name: str, provider: str = ESP) -> str:
    """The profile of a Coveo identity pushed as `permissions` of `provider`."""
    identity = Identity(provider, name, Kind.USER)
    with world.tx() as tx:
        si.put_permissions(tx, identity, [], [], 1, actor=None)
    with world.tx(write=False) as tx:
        found = tx.identifier(normalize.lookup_key(identity.namespace, name, tx.settings()))
    assert found is not None
    return found.profile_id


def test_a_mapped_provider_and_the_native_email_are_one_identifier(world: World) -> None:
    """With `coveo:Email Security Provider` -> `email`, the Coveo write lands on the
    native profile's `email` identifier, normalised as an email: one profile."""
    world.configure(MAPPED)
    native = world.person("email:ann@x.io")
    assert coveo_user(world, "Ann@X.io") == native
    assert world.holds(native) == {"email:ann@x.io"}
    assert world.owner(f"{ESP}:Ann@X.io") is None


def test_without_the_mapping_the_same_address_is_two_identifiers(world: World) -> None:
    """Today's default: a provider is its own namespace, so one person is two profiles."""
    native = world.person("email:ann@x.io")
    assert coveo_user(world, "Ann@X.io") != native
    assert world.owner(f"{ESP}:Ann@X.io") is not None


def test_a_mapped_provider_is_answered_under_its_own_name(world: World) -> None:
    """Coveo's parents name the identifiers under the provider, not `email`."""
    world.configure(MAPPED)
    world.person("email:ann@x.io", "device:d1")
    with world.tx(write=False) as tx:
        found = si.parents(tx, Identity("device", "d1"), recursive=False)
    assert found is not None
    assert {str(k) for k, _ in found} == {f"{ESP}:ann@x.io"}


def test_changing_the_mapping_over_data_is_refused_naming_the_setting(world: World) -> None:
    """The provider's namespace holds identifiers: mapping it elsewhere is a 409-kind
    refusal naming `namespace_aliases` and the command that carries them over."""
    coveo_user(world, "ann@x.io")
    with world.tx() as tx, pytest.raises(AkaError) as caught:
        na.update_settings(tx, MAPPED)
    error = caught.value
    assert error.code is Code.NAMESPACE_ALIASES_IN_USE
    assert error.field == f"namespace_aliases.coveo:{ESP}"
    assert "aka namespaces merge" in error.message
    assert error.details["from"] == ESP
    assert error.details["to"] == "email"
    with world.tx(write=False) as tx:
        assert tx.settings().namespace_aliases == {}


def test_mapping_an_empty_namespace_is_allowed_even_onto_one_with_data(world: World) -> None:
    """Nothing would be left behind: the native `email` data stays where it is."""
    world.person("email:ann@x.io")
    with world.tx() as tx:
        saved = na.update_settings(tx, MAPPED)
    assert saved.namespace_aliases == {f"coveo:{ESP}": "email"}
    with world.tx() as tx, pytest.raises(AkaError) as caught:
        # ...but now `email` holds data: pointing the provider elsewhere would strand it.
        na.update_settings(tx, {"namespace_aliases": {f"coveo:{ESP}": None}})
    assert caught.value.code is Code.NAMESPACE_ALIASES_IN_USE


def test_a_namespace_merge_carries_identifiers_and_merges_same_address(world: World) -> None:
    """Under `auto`, the Coveo identity and the native email of one address end as ONE
    profile; an address only Coveo knew moves to `email` on its own profile; kind,
    disabled flag and push records go along; the mapping is set."""
    world.configure({"merge_policy": "auto"})
    native = world.person("email:ann@x.io", "device:d1")
    coveo = coveo_user(world, "Ann@X.io")
    alone = coveo_user(world, "Bob@X.io")
    with world.tx() as tx:
        si.disable(tx, Identity(ESP, "Bob@X.io"), 2, actor=None)
    before = world.last_seq()
    report = na.merge_namespaces(world.store, "default", f"coveo:{ESP}", "email")
    assert report.written
    assert not report.refused
    outcomes = {str(c.old): c.outcome for c in report.carried}
    assert outcomes == {
        f"{ESP}:Ann@X.io": LinkOutcome.MERGED,
        f"{ESP}:Bob@X.io": LinkOutcome.LINKED,
    }
    survivor = world.owner("email:ann@x.io")
    assert survivor in {native, coveo}
    assert world.holds(survivor) == {"email:ann@x.io", "device:d1"}
    assert world.owner("email:bob@x.io") == alone
    assert world.owner(f"{ESP}:Ann@X.io") is None
    with world.tx(write=False) as tx:
        bob = tx.identifier(key("email:bob@x.io"))
        assert bob is not None
        assert (bob.kind, bob.disabled) == (Kind.USER, True)
        assert tx.push_records.get(key("email:bob@x.io")) == PushRecord(2)
        assert tx.push_records.get(key(f"{ESP}:Bob@X.io")) is None
        assert tx.settings().stored_namespace("coveo", ESP) == "email"
    types = [e.type for e in world.events() if e.seq > before]
    assert types.count("profile.merged") == 1
    assert [t for _, t in report.events] == types
    # Coveo now reads and writes the one identifier.
    assert coveo_user(world, "ANN@x.io") == survivor


def test_a_namespace_merge_under_refuse_writes_nothing_and_reports(world: World) -> None:
    """The default policy refuses to merge two profiles: the merge reports the refusal
    and commits nothing (all or nothing), mapping included."""
    native = world.person("email:ann@x.io")
    coveo = coveo_user(world, "Ann@X.io")
    coveo_user(world, "bob@x.io")
    before = world.last_seq()
    report = na.merge_namespaces(world.store, "default", f"coveo:{ESP}", "email")
    assert not report.written
    assert [str(r.key) for r in report.refused] == [f"{ESP}:Ann@X.io"]
    assert report.refused[0].error.code is Code.IDENTIFIER_CONFLICT
    assert world.last_seq() == before
    assert world.owner(f"{ESP}:Ann@X.io") == coveo != native
    assert world.owner("email:bob@x.io") is None
    with world.tx(write=False) as tx:
        assert tx.settings().namespace_aliases == {}


def test_a_dry_run_reports_the_real_run_and_leaves_nothing(world: World) -> None:
    """The preview runs every rule (the merge included) and rolls back: the real run
    right after it reports the same and writes what it said."""
    world.configure({"merge_policy": "auto"})
    world.person("email:ann@x.io")
    coveo_user(world, "Ann@X.io")
    before = world.last_seq()
    preview = na.merge_namespaces(world.store, "default", f"coveo:{ESP}", "email", dry_run=True)
    assert not preview.written
    assert len(preview.merges) == 1
    assert world.last_seq() == before
    with world.tx(write=False) as tx:
        assert tx.settings().namespace_aliases == {}
    real = na.merge_namespaces(world.store, "default", f"coveo:{ESP}", "email")
    assert real.written
    assert real.to_json() | {"written": False} == preview.to_json()


def test_a_namespace_merge_refuses_what_the_target_rule_refuses(world: World) -> None:
    """A value that is no email cannot move into `email`: refused, nothing written."""
    coveo_user(world, "not-an-address")
    report = na.merge_namespaces(world.store, "default", f"coveo:{ESP}", "email")
    assert [r.error.code for r in report.refused] == [Code.EMAIL_INVALID]
    assert world.owner(f"{ESP}:not-an-address") is not None


def test_a_bad_door_namespace_is_refused_naming_the_field(world: World) -> None:
    with pytest.raises(AkaError) as caught:
        na.merge_namespaces(world.store, "default", "slack:email", "email")
    assert (caught.value.code, caught.value.field) == (Code.SETTINGS_INVALID, "door_namespace")
