"""Commands: each write use case as a small frozen value.

A command holds what its caller asked for, decoded but not yet validated (the use case
validates, as it always did). It says what it will look up (`reads()`, derived from its
own fields, so that the bulk runner can prefetch a whole window of commands with one
query per kind), and `run(tx)` calls its use case and returns what the use case
returns: the command's outcome. Doors and the CLI build commands and fold the outcomes
into their wire shape; the engine (`aka.engine`) and `service.bulk` run lists of them,
each command standing or falling alone.

The graph rules stay in the use cases (`identities`, `links`, `merges`, `groups`,
`aliases`, `many_aliases`, `erasure`, `email_aliases`); a command only names one call
of them. Two use-case modules run commands themselves through the bulk runner and so
keep theirs beside them (this module cannot import a module that imports it):
`imports.ImportRecord` and the Coveo commands of `security_identities`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from itertools import groupby
from typing import Any, ClassVar, Generic, Protocol, Self, TypeVar

from aka.core.errors import AkaError
from aka.core.model import Event, Identifier, Kind, Membership, ResolvedProfile
from aka.core.ports import Transaction
from aka.core.settings import WorkspaceSettings
from aka.service import (
    aliases,
    email_aliases,
    erasure,
    groups,
    identities,
    links,
    many_aliases,
    merges,
    new_profiles,
)
from aka.service.aliases import AliasResult, IdentifyResult, UpsertedUser, UserRef
from aka.service.batch import set_or_each
from aka.service.identities import LinkResult, NewIdentifier
from aka.service.links import LinkedMany
from aka.service.merges import MergeResult
from aka.service.new_profiles import IdentifierInput, NewProfile
from aka.service.refs import ProfileRef

O_co = TypeVar("O_co", covariant=True)
C = TypeVar("C", bound="_Acting")


class _Acting(Protocol):
    @property
    def actor(self) -> str | None: ...


@dataclass(frozen=True, slots=True)
class Reads:
    """What one command will look up, prefetched for a whole window of commands at once.

    Raw values, as the caller sent them: ones that fail to normalise are skipped by the
    prefetch and refused by the command itself. A read the prefetch did not cover is
    still answered (the buffer reads it then, one query): `reads()` decides how fast a
    command runs, never what it answers.
    """

    identifiers: Sequence[tuple[Any, Any]] = ()  # (namespace, value)
    profile_ids: Sequence[Any] = ()
    external_ids: Sequence[Any] = ()
    members: Sequence[Any] = ()  # profile ids whose groups it reads (`groups_of`)
    # True for a command the buffer does not model (a merge, an unlink, a rename...): it
    # runs straight on the real transaction, in a savepoint of its own, with nothing
    # prefetched for it.
    direct: bool = False

    DIRECT: ClassVar[Reads]
    NOTHING: ClassVar[Reads]


Reads.DIRECT = Reads(direct=True)
Reads.NOTHING = Reads()


class Command(ABC, Generic[O_co]):
    """One write use case as a value: frozen, acting only through the transaction it is
    given (so that running it again after a rollback is safe: group commit does)."""

    __slots__ = ()

    def reads(self) -> Reads:
        """What `run` will look up. By default the command runs direct."""
        return Reads.DIRECT

    @property
    def weight(self) -> int:
        """How many items it holds (identifiers, members): what group commit's cap and
        the engine's heavy threshold count."""
        return 1

    @abstractmethod
    def run(self, tx: Transaction) -> O_co:
        """Call the use case in `tx`; its result is the outcome, an AkaError its refusal."""


class SetCommand(Command[O_co]):
    """A command whose consecutive runs the engine hands over whole: `run_set` runs a
    list of them set-based (one read per kind, one `append_many`), with the outcomes
    and the graph that running each alone in turn would give."""

    __slots__ = ()

    @classmethod
    @abstractmethod
    def run_set(cls, tx: Transaction, commands: Sequence[Self]) -> list[O_co | AkaError]:
        """Each command's outcome, or its refusal, in order; writes nothing refused."""


@dataclass(frozen=True, slots=True)
class Alone(Command[O_co]):
    """A command run as any other, on its own (through the buffer): what a set runner
    hands back to the engine for the commands its set-based path does not take."""

    command: Command[O_co]

    def reads(self) -> Reads:
        return self.command.reads()

    @property
    def weight(self) -> int:
        return self.command.weight

    def run(self, tx: Transaction) -> O_co:
        return self.command.run(tx)


def _reading(
    *refs: ProfileRef | None,
    identifiers: Iterable[tuple[Any, Any]] = (),
    profile_ids: Iterable[Any] = (),
    external_ids: Iterable[Any] = (),
    members: Iterable[Any] = (),
) -> Reads:
    """Reads of these lookups plus whatever `refs.find` looks up for each reference."""
    idents, ids, exts = list(identifiers), list(profile_ids), list(external_ids)
    for ref in refs:
        if ref is None:
            continue
        if ref.profile_id is not None:
            ids.append(ref.profile_id)
        if ref.external_id is not None:
            exts.append(ref.external_id)
        if ref.namespace is not None:
            idents.append((ref.namespace, ref.value))
    return Reads(idents, ids, exts, list(members))


def _by_actor(commands: Sequence[C]) -> Iterator[tuple[str | None, list[C]]]:
    """Consecutive runs of commands asked for by one actor (each event records its own)."""
    for actor, run in groupby(commands, key=lambda command: command.actor):
        yield actor, list(run)


def _given(value: Any) -> list[Any]:
    return [] if value is None else [value]


# --- profiles and identifiers (`identities`) ---------------------------------------------


@dataclass(frozen=True, slots=True)
class CreateProfile(SetCommand[ResolvedProfile]):
    """A new profile, optionally identified, holding identifiers from the start."""

    external_id: Any = None
    attributes: Any = None
    identifiers: Sequence[IdentifierInput] = ()
    profile_id: Any = None  # an id chosen elsewhere (an import); a fresh UUIDv7 if None
    actor: str | None = None

    def reads(self) -> Reads:
        return Reads(
            identifiers=[(i.namespace, i.value) for i in self.identifiers],
            profile_ids=_given(self.profile_id),
            external_ids=_given(self.external_id),
        )

    @property
    def weight(self) -> int:
        return max(1, len(self.identifiers))

    def run(self, tx: Transaction) -> ResolvedProfile:
        return identities.create_profile(
            tx,
            external_id=self.external_id,
            attributes=self.attributes,
            identifiers=list(self.identifiers),
            actor=self.actor,
            profile_id=self.profile_id,
        )

    def plan(self, settings: WorkspaceSettings) -> NewProfile | AkaError:
        try:
            return new_profiles.new_profile(
                settings,
                external_id=self.external_id,
                attributes=self.attributes,
                identifiers=self.identifiers,
                profile_id=self.profile_id,
            )
        except AkaError as refused:
            return refused

    @classmethod
    def run_set(
        cls, tx: Transaction, commands: Sequence[CreateProfile]
    ) -> list[ResolvedProfile | AkaError]:
        settings = tx.settings()
        outcomes: list[ResolvedProfile | AkaError] = []
        for actor, run in _by_actor(commands):
            outcomes += set_or_each(tx, run, partial(_create_set, tx, run, settings, actor))
        return outcomes


def _create_set(
    tx: Transaction,
    commands: Sequence[CreateProfile],
    settings: WorkspaceSettings,
    actor: str | None,
) -> list[ResolvedProfile | AkaError]:
    made = new_profiles.create_profiles(
        tx, [command.plan(settings) for command in commands], actor=actor
    )
    # The new profiles hold exactly what their events say: their answers are those
    # events applied to an empty graph (`GraphState`, the events' specification).
    created = new_profiles.created_profiles([e for e in made if isinstance(e, Event)])
    return [e if isinstance(e, AkaError) else created[str(e.profile_id)] for e in made]


@dataclass(frozen=True, slots=True)
class Link(Command[LinkResult]):
    """Attach an identifier to a profile (a new anonymous one when `target` is None)."""

    target: ProfileRef | None
    item: NewIdentifier
    actor: str | None = None
    field_prefix: str = ""  # where its errors point: "identifier" in a batch operation

    def reads(self) -> Reads:
        return _reading(self.target, identifiers=[(self.item.namespace, self.item.value)])

    def run(self, tx: Transaction) -> LinkResult:
        return identities.link(
            tx, self.target, self.item, actor=self.actor, field_prefix=self.field_prefix
        )


@dataclass(frozen=True, slots=True)
class LinkMany(Command[LinkedMany]):
    """Link several identifiers to one existing profile as one event (`links.link_many`):
    each item's outcome or refusal, as linking them one at a time would answer."""

    target: ProfileRef
    items: Sequence[NewIdentifier]
    actor: str | None = None
    fields: Sequence[str] = ()  # where item n's errors point; `identifiers[n]` if empty

    def reads(self) -> Reads:
        return _reading(self.target, identifiers=[(i.namespace, i.value) for i in self.items])

    @property
    def weight(self) -> int:
        return max(1, len(self.items))

    def run(self, tx: Transaction) -> LinkedMany:
        return links.link_many(tx, self.target, self.items, actor=self.actor, fields=self.fields)


@dataclass(frozen=True, slots=True)
class Unlink(Command[Identifier]):
    """Remove an identifier from its profile. Direct: the buffer does not model unlinks."""

    namespace: Any
    value: Any
    actor: str | None = None

    def run(self, tx: Transaction) -> Identifier:
        return identities.unlink(tx, self.namespace, self.value, actor=self.actor)


@dataclass(frozen=True, slots=True)
class Identify(Command[ResolvedProfile]):
    """Give a profile its external id (merging it into the profile that has it). Direct."""

    target: ProfileRef
    external_id: Any
    actor: str | None = None

    def run(self, tx: Transaction) -> ResolvedProfile:
        return identities.identify(tx, self.target, self.external_id, actor=self.actor)


@dataclass(frozen=True, slots=True)
class UpdateAttributes(Command[ResolvedProfile]):
    """A JSON merge patch of a profile's attributes. Direct."""

    target: ProfileRef
    patch: Any
    actor: str | None = None

    def run(self, tx: Transaction) -> ResolvedProfile:
        return identities.update_attributes(tx, self.target, self.patch, actor=self.actor)


@dataclass(frozen=True, slots=True)
class UpdateIdentifier(Command[Identifier]):
    """Change an identifier's kind, primary or disabled flag, or attributes. Direct."""

    namespace: Any
    value: Any
    kind: Kind | None = None
    primary: bool | None = None
    disabled: bool | None = None
    attributes: dict[str, Any] | None = None
    actor: str | None = None

    def run(self, tx: Transaction) -> Identifier:
        return identities.update_identifier(
            tx,
            self.namespace,
            self.value,
            kind=self.kind,
            primary=self.primary,
            disabled=self.disabled,
            attributes=self.attributes,
            actor=self.actor,
        )


@dataclass(frozen=True, slots=True)
class Rename(Command[Identifier]):
    """Give an identifier a new value in its namespace, on the same profile. Direct."""

    namespace: Any
    value: Any
    new_value: Any
    actor: str | None = None

    def run(self, tx: Transaction) -> Identifier:
        return identities.rename(tx, self.namespace, self.value, self.new_value, actor=self.actor)


@dataclass(frozen=True, slots=True)
class DeleteProfile(Command[str]):
    """Erase a profile and everything about it (right to erasure); the outcome is the
    deleted profile's id. Direct."""

    target: ProfileRef
    actor: str | None = None

    def run(self, tx: Transaction) -> str:
        return erasure.delete_profile(tx, self.target, actor=self.actor)


# --- merges (`merges`) -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Merge(Command[MergeResult]):
    """Merge profile `merge` into `keep`. Direct."""

    keep: ProfileRef
    merge: ProfileRef
    force: bool = False
    actor: str | None = None

    def run(self, tx: Transaction) -> MergeResult:
        return merges.merge(tx, self.keep, self.merge, force=self.force, actor=self.actor)


@dataclass(frozen=True, slots=True)
class UndoMerge(Command[MergeResult]):
    """Undo merge `merge_id` (its event's seq); the outcome names the revived profile.
    Direct."""

    merge_id: Any
    actor: str | None = None

    def run(self, tx: Transaction) -> MergeResult:
        return merges.unmerge(tx, self.merge_id, actor=self.actor)


# --- group memberships (`groups`) --------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AddMembership(Command[tuple[Membership, bool]]):
    """Make `member` belong to `group`; the outcome is (edge, created)."""

    group: ProfileRef
    member: ProfileRef
    actor: str | None = None

    def reads(self) -> Reads:
        return _reading(self.group, self.member, members=_given(self.member.profile_id))

    def run(self, tx: Transaction) -> tuple[Membership, bool]:
        return groups.add_member(tx, self.group, self.member, actor=self.actor)


@dataclass(frozen=True, slots=True)
class RemoveMembership(Command[None]):
    """Take `member` out of `group`."""

    group: ProfileRef
    member: ProfileRef
    actor: str | None = None

    def reads(self) -> Reads:
        return _reading(self.group, self.member, members=_given(self.member.profile_id))

    def run(self, tx: Transaction) -> None:
        groups.remove_member(tx, self.group, self.member, actor=self.actor)


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
                identifiers=[*item, *((user.namespace, i) for i in _given(user.user_id))],
                profile_ids=ids,
                external_ids=[*_given(user.user_id), *circular],
            )
        return _reading(self.target, identifiers=item, external_ids=circular)

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
        return _reading(
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

    user: ProfileRef | UserRef
    create_with: Sequence[NewIdentifier] | None = ()
    sole_identifiers: Mapping[str, Any] = field(default_factory=dict)
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
        return Reads(identifiers=[(email_aliases.NAMESPACE, self.address)])

    def run(self, tx: Transaction) -> email_aliases.User:
        return email_aliases.create_user(tx, self.address, self.name, actor=self.actor)


@dataclass(frozen=True, slots=True)
class AddEmailAlias(Command[email_aliases.Alias]):
    """Link the address `alias` to the user whose address is `alias_for`."""

    alias_for: Any
    alias: Any
    actor: str | None = None

    def reads(self) -> Reads:
        namespace = email_aliases.NAMESPACE
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


# --- a refusal in a command's place ------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Refuse(Command[Any]):
    """What a door sends in place of an item it could not turn into a command (it did
    not decode, or the key lacks a scope for it): the item's outcome is this refusal,
    in its place among the others, and nothing is read or written for it."""

    error: AkaError

    def reads(self) -> Reads:
        return Reads.NOTHING

    def run(self, tx: Transaction) -> Any:  # noqa: ARG002 - nothing to do in it
        raise self.error
