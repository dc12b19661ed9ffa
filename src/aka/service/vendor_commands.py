"""The commands of the use cases with a vendor's options: aliases (`aliases`,
`many_aliases`) and email users (`email_aliases`). `commands.py` says what a command is."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from aka.core.door_namespaces import RawNamespace
from aka.core.errors import AkaError
from aka.core.ports import Transaction
from aka.service import (
    aliases,
    email_aliases,
    many_aliases,
)
from aka.service.aliases import AliasResult, IdentifyResult, UpsertedUser, UserRef
from aka.service.commands import Command, Reads, given, reading
from aka.service.identities import NewIdentifier
from aka.service.refs import ProfileRef
from aka.service.shared_values import SharedRef

# --- aliases with vendor options (`aliases`) ---------------------------------------------


@dataclass(frozen=True, slots=True)
class AddAlias(Command[AliasResult]):
    """Link `item` to a profile (by reference, by any id of a user, or a new alias-only
    profile when None) with the vendor options of `aliases.add_alias`."""

    target: ProfileRef | UserRef | None
    item: NewIdentifier
    if_taken: str = "refuse"
    one_per_namespace: bool = False
    refuse_external_ids: bool = False
    actor: str | None = None

    def reads(self) -> Reads:
        item = [(self.item.namespace, self.item.value)]
        # An alias equal to a user id is refused: every external id it equals is read.
        circular = [self.item.value] if self.refuse_external_ids else []
        if isinstance(self.target, UserRef):
            user = self.target
            ids = [i for i in (user.user_id, user.primary_user_id) if i is not None]
            return Reads(
                identifiers=[*item, *((user.namespace, i) for i in given(user.user_id))],
                profile_ids=ids,
                external_ids=[*given(user.user_id), *circular],
            )
        return reading(self.target, identifiers=item, external_ids=circular)

    def run(self, tx: Transaction) -> AliasResult:
        target = self.target
        if isinstance(target, UserRef):
            target = ProfileRef.by_id(aliases.require_user(tx, target).id)
        return aliases.add_alias(
            tx,
            target,
            self.item,
            if_taken=self.if_taken,
            one_per_namespace=self.one_per_namespace,
            refuse_external_ids=self.refuse_external_ids,
            actor=self.actor,
        )


@dataclass(frozen=True, slots=True)
class AddAliases(Command[list[AliasResult | AkaError]]):
    """`AddAlias` of each `(target, item)` in order (a new alias-only profile when the
    target is None), each standing or falling alone, with the aliases one request adds
    to one profile written as one event (`many_aliases.add_aliases`)."""

    entries: Sequence[tuple[ProfileRef | None, NewIdentifier]]
    if_taken: str = "refuse"
    one_per_namespace: bool = False
    refuse_external_ids: bool = False
    actor: str | None = None

    def reads(self) -> Reads:
        items = [item for _, item in self.entries]
        # An alias equal to a user id is refused: every external id it equals is read.
        circular = [item.value for item in items] if self.refuse_external_ids else []
        return reading(
            *(target for target, _ in self.entries),
            identifiers=[(item.namespace, item.value) for item in items],
            external_ids=circular,
        )

    @property
    def weight(self) -> int:
        return max(1, len(self.entries))

    def run(self, tx: Transaction) -> list[AliasResult | AkaError]:
        return many_aliases.add_aliases(
            tx,
            self.entries,
            if_taken=self.if_taken,
            one_per_namespace=self.one_per_namespace,
            refuse_external_ids=self.refuse_external_ids,
            actor=self.actor,
        )


@dataclass(frozen=True, slots=True)
class IdentifyByIdentifier(Command[IdentifyResult]):
    """Identify the profile holding `namespace:value` as `external_id`, with the vendor
    options of `aliases.identify_by_identifier`. Direct: it identifies, merges or moves."""

    namespace: Any
    value: Any
    external_id: Any
    keep_apart_when_namespace_held: bool = False
    move: str = "profile"
    actor: str | None = None

    def run(self, tx: Transaction) -> IdentifyResult:
        return aliases.identify_by_identifier(
            tx,
            self.namespace,
            self.value,
            self.external_id,
            keep_apart_when_namespace_held=self.keep_apart_when_namespace_held,
            move=self.move,
            actor=self.actor,
        )


@dataclass(frozen=True, slots=True)
class UpsertUser(Command[UpsertedUser]):
    """Create or update a user (`aliases.upsert_user`): found by reference or by any of
    its ids, created when `create_with` allows, then its one identifier per namespace of
    `sole_identifiers` set and `attributes` merged in. Direct: it renames and patches."""

    user: ProfileRef | UserRef | SharedRef
    create_with: Sequence[NewIdentifier] | None = ()
    sole_identifiers: Mapping[RawNamespace, Any] = field(default_factory=dict)
    attributes: Mapping[str, Any] | None = None
    ref_field: str = "profile"  # where an error about the reference points
    actor: str | None = None

    def run(self, tx: Transaction) -> UpsertedUser:
        return aliases.upsert_user(
            tx,
            self.user,
            create_with=self.create_with,
            sole_identifiers=self.sole_identifiers,
            attributes=self.attributes,
            field=self.ref_field,
            actor=self.actor,
        )


# --- email users and their aliases (`email_aliases`) -------------------------------------


@dataclass(frozen=True, slots=True)
class CreateEmailUser(Command[email_aliases.User]):
    """A new profile whose primary email identifier is `address`."""

    address: Any
    name: Any = None
    actor: str | None = None

    def reads(self) -> Reads:
        return Reads(identifiers=[(email_aliases.ADDRESS, self.address)])

    def run(self, tx: Transaction) -> email_aliases.User:
        return email_aliases.create_user(tx, self.address, self.name, actor=self.actor)


@dataclass(frozen=True, slots=True)
class AddEmailAlias(Command[email_aliases.Alias]):
    """Link the address `alias` to the user whose address is `alias_for`."""

    alias_for: Any
    alias: Any
    actor: str | None = None

    def reads(self) -> Reads:
        namespace = email_aliases.ADDRESS
        return Reads(identifiers=[(namespace, self.alias_for), (namespace, self.alias)])

    def run(self, tx: Transaction) -> email_aliases.Alias:
        return email_aliases.add_alias(tx, self.alias_for, self.alias, actor=self.actor)


@dataclass(frozen=True, slots=True)
class RemoveEmailAlias(Command[str]):
    """Unlink an alias address; the outcome is the address. Direct: an unlink."""

    alias: Any
    actor: str | None = None

    def run(self, tx: Transaction) -> str:
        return email_aliases.remove_alias(tx, self.alias, actor=self.actor)
