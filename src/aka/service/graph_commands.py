"""The commands of the graph's own use cases: profiles and identifiers (`identities`,
`links`, `new_profiles`), merges, group memberships. `commands.py` says what a command
is; the vendor-option ones are in `vendor_commands.py`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any, TypeVar

from aka.core.errors import AkaError
from aka.core.model import Event, Identifier, Kind, Membership, ResolvedProfile
from aka.core.ports import Transaction
from aka.core.settings import WorkspaceSettings
from aka.service import (
    erasure,
    groups,
    identities,
    links,
    merges,
    new_profiles,
    renames,
)
from aka.service.batch import set_or_each
from aka.service.commands import Command, Reads, SetCommand, by_actor, given, reading
from aka.service.identities import LinkResult, NewIdentifier
from aka.service.links import LinkedMany
from aka.service.merges import MergeResult
from aka.service.new_profiles import IdentifierInput, NewProfile
from aka.service.refs import ProfileRef

O_co = TypeVar("O_co", covariant=True)


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
            profile_ids=given(self.profile_id),
            external_ids=given(self.external_id),
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
        for actor, run in by_actor(commands):
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
        return reading(self.target, identifiers=[(self.item.namespace, self.item.value)])

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
        return reading(self.target, identifiers=[(i.namespace, i.value) for i in self.items])

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
    """Give an identifier a new value in its namespace, on the same profile (the old one
    kept as a deprecated identifier with `keep`). Direct."""

    namespace: Any
    value: Any
    new_value: Any
    actor: str | None = None
    keep: bool = False  # the old value stays, deprecated (`identities.rename`)

    def run(self, tx: Transaction) -> Identifier:
        return identities.rename(
            tx, self.namespace, self.value, self.new_value, keep=self.keep, actor=self.actor
        )


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
        return reading(self.group, self.member, members=given(self.member.profile_id))

    def run(self, tx: Transaction) -> tuple[Membership, bool]:
        return groups.add_member(tx, self.group, self.member, actor=self.actor)


@dataclass(frozen=True, slots=True)
class RemoveMembership(Command[None]):
    """Take `member` out of `group`."""

    group: ProfileRef
    member: ProfileRef
    actor: str | None = None

    def reads(self) -> Reads:
        return reading(self.group, self.member, members=given(self.member.profile_id))

    def run(self, tx: Transaction) -> None:
        groups.remove_member(tx, self.group, self.member, actor=self.actor)


# --- external id renames (`renames`) ------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RenameExternalId(Command[ResolvedProfile]):
    """Give a profile a new external id, keeping the old one as a deprecated identifier
    (`renames.rename_external_id`). Direct."""

    target: ProfileRef
    external_id: Any
    take_back_own: bool = True
    actor: str | None = None
    field: str = "external_id"  # where its errors about the new id point

    def run(self, tx: Transaction) -> ResolvedProfile:
        return renames.rename_external_id(
            tx,
            self.target,
            self.external_id,
            take_back_own=self.take_back_own,
            actor=self.actor,
            field=self.field,
        )


@dataclass(frozen=True, slots=True)
class RemoveDeprecatedExternalId(Command[Identifier]):
    """Forget an external id a profile was renamed away from; the outcome is the removed
    identifier. Direct: an unlink."""

    external_id: Any
    actor: str | None = None
    field: str = "external_id"

    def run(self, tx: Transaction) -> Identifier:
        return renames.remove_deprecated_external_id(
            tx, self.external_id, actor=self.actor, field=self.field
        )
