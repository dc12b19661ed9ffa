"""Identify and merge users named by a shared value (`shared_values.SharedRef`), and
the commands that run them. ADR 0018 says why email and phone are shared values."""

from __future__ import annotations

from dataclasses import dataclass

from aka.core import normalize
from aka.core.model import IdentifierKey, Profile, ResolvedProfile
from aka.core.ports import Transaction
from aka.service import aliases, erasure, refs, shared_values
from aka.service.aliases import IdentifyResult
from aka.service.commands import Command
from aka.service.merges import MergeResult, merge
from aka.service.refs import ProfileRef
from aka.service.shared_values import SharedRef


def identify_shared(
    tx: Transaction,
    ref: SharedRef,
    external_id: object,
    *,
    move: str = "profile",
    actor: str | None = None,
) -> IdentifyResult:
    """Identify the user `ref` chooses as `external_id`, as `identify_by_identifier`
    does for an identifier: no profile has the external id yet: the user gets it; one
    has: the user is merged into it (`move="identifier"`: only the value moves there).
    A user holding the value as its identifier is identified through that identifier."""
    user = shared_values.require(tx, ref)
    value = shared_values.shared_value(ref.name, ref.value, ref.field)
    identifier = tx.identifier(IdentifierKey(ref.name, value))
    if identifier is not None and identifier.profile_id == user.id:
        return aliases.identify_by_identifier(
            tx, ref.name, value, external_id, move=move, actor=actor
        )

    def move_only(owner: Profile) -> ResolvedProfile:
        shared_values.move_field(tx, ref.name, value, user, owner, actor=actor)
        return refs.resolved(tx, owner)

    ext = normalize.external_id(external_id)
    return aliases.identify_found(tx, user, ext, move=move, move_only=move_only, actor=actor)


@dataclass(frozen=True, slots=True)
class IdentifyShared(Command[IdentifyResult]):
    """`identify_shared` as a command. Direct: it identifies, merges or moves."""

    ref: SharedRef
    external_id: object
    move: str = "profile"
    actor: str | None = None

    def run(self, tx: Transaction) -> IdentifyResult:
        return identify_shared(tx, self.ref, self.external_id, move=self.move, actor=self.actor)


@dataclass(frozen=True, slots=True)
class MergeUsers(Command[MergeResult]):
    """Merge the user `gone` names into the one `keep` names, each named by a profile
    reference or a shared value (its `prioritization` choosing). Direct: a merge."""

    keep: ProfileRef | SharedRef
    gone: ProfileRef | SharedRef
    force: bool = False
    actor: str | None = None

    def run(self, tx: Transaction) -> MergeResult:
        keep = shared_values.find_user(tx, self.keep, "keep")
        gone = shared_values.find_user(tx, self.gone, "merge")
        return merge(
            tx,
            ProfileRef.by_id(keep.id),
            ProfileRef.by_id(gone.id),
            force=self.force,
            actor=self.actor,
        )


@dataclass(frozen=True, slots=True)
class DeleteUser(Command[str]):
    """Erase the user a profile reference or a shared value names (`prioritization`
    choosing among the users sharing it); the outcome is its profile id. The other users
    sharing the value keep their own copy of it. Direct: an erasure."""

    target: ProfileRef | SharedRef
    actor: str | None = None

    def run(self, tx: Transaction) -> str:
        user = shared_values.find_user(tx, self.target, "profile")
        return erasure.delete_profile(tx, ProfileRef.by_id(user.id), actor=self.actor)
