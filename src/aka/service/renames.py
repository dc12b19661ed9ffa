"""Renaming a profile's external id without losing the old one, and removing the old
ones once nothing uses them (ADR 0024).

The old external id stays as a deprecated identifier of the profile in the reserved
namespace `events.EXTERNAL_IDS`: it still names the profile everywhere an external id
does (`refs.by_external_id`), moves with merges and back with their undo, is erased
with the profile, and blocks anyone else from taking it until it is removed.
"""

from __future__ import annotations

from typing import Any

from aka.core import events as ev
from aka.core import normalize
from aka.core.errors import AkaError, Code
from aka.core.events import Change
from aka.core.graph import check_room
from aka.core.model import Identifier, IdentifierKey, ResolvedProfile
from aka.core.ports import Transaction
from aka.service import refs
from aka.service.new_profiles import external_id_taken
from aka.service.refs import ProfileRef


def rename_external_id(
    tx: Transaction,
    target: ProfileRef,
    new_external_id: Any,
    *,
    take_back_own: bool = True,
    actor: str | None = None,
    field: str = "external_id",
) -> ResolvedProfile:
    """Give the profile `new_external_id`; its current one becomes a deprecated
    identifier of it, still resolving until removed.

    The new id must be free: no profile's current one (tombstones keep theirs), no other
    profile's deprecated one. `take_back_own`: one of the profile's own deprecated ids
    may be taken back (the rename undone); without it (Braze's rule) that is refused
    too, and so is renaming to the current id, which otherwise changes nothing.
    """
    new = normalize.external_id(new_external_id, field)
    profile = refs.require(tx, target, "profile")
    previous = profile.external_id
    if previous is None:
        raise AkaError(
            Code.NOT_IDENTIFIED,
            f"profile {profile.id} has no external id to rename; give it one with identify",
            field="profile",
            details={"profile_id": profile.id},
        )
    if target.external_id is not None and target.external_id != previous:
        # Named by a deprecated id, or by a merged profile's: the id to rename is the
        # one the caller named, and that is not the profile's current one (Braze's rule).
        raise AkaError(
            Code.INVALID_INPUT,
            f"external_id {target.external_id!r} is not the current external id of profile "
            f"{profile.id} ({previous!r}); only the current one is renamed",
            field="profile",
            details={"profile_id": profile.id},
        )
    if new == previous:
        if take_back_own:
            return refs.resolved(tx, profile)
        raise AkaError(
            Code.INVALID_INPUT,
            f"the new external_id is the current one ({new!r})",
            field=field,
        )
    if (holder := tx.profile_by_external_id(new)) is not None:
        owner = refs.forward(tx, holder)
        raise external_id_taken(new, (owner or holder).id, field=field)
    old = tx.identifier(IdentifierKey(ev.EXTERNAL_IDS, new))
    if old is not None and (old.profile_id != profile.id or not take_back_own):
        raise external_id_taken(new, old.profile_id, deprecated=True, field=field)
    if old is None:
        _check_room(tx, profile.id)
    payload: dict[str, Any] = {"external_id": new, "previous": previous}
    if old is not None:
        payload["reclaimed"] = True
    tx.append(Change(ev.PROFILE_RENAMED, profile.id, payload, actor))
    renamed = tx.profile(profile.id)
    assert renamed is not None
    return refs.resolved(tx, renamed)


def _check_room(tx: Transaction, profile_id: str) -> None:
    """The deprecated ids count against their namespace's per-profile limit, as every
    identifier does: a merge would refuse a profile above it."""
    held = tx.count_in_namespace(profile_id, ev.EXTERNAL_IDS)
    check_room(
        tx.settings(),
        ev.EXTERNAL_IDS,
        held + 1,
        holder=f"profile {profile_id} (deprecated external ids: remove some first)",
        field="external_id",
    )


def remove_deprecated_external_id(
    tx: Transaction, external_id: Any, *, actor: str | None = None, field: str = "external_id"
) -> Identifier:
    """Forget an external id a profile was renamed away from: it no longer resolves,
    and may be taken again. A current external id is refused (rename first); the
    answer is the removed identifier."""
    ext = normalize.external_id(external_id, field)
    key = IdentifierKey(ev.EXTERNAL_IDS, ext)
    old = tx.identifier(key)
    if old is None:
        if (holder := tx.profile_by_external_id(ext)) is not None:
            owner = refs.forward(tx, holder) or holder
            raise AkaError(
                Code.EXTERNAL_ID_NOT_DEPRECATED,
                f"external_id {ext!r} is the current external id of profile {owner.id}; "
                "only deprecated external ids can be removed",
                field=field,
                details={"owner": owner.id},
            )
        raise AkaError(Code.IDENTIFIER_NOT_FOUND, f"no deprecated external_id {ext!r}", field=field)
    tx.append(
        Change(
            ev.IDENTIFIER_UNLINKED,
            old.profile_id,
            {"namespace": key.namespace, "value": key.value},
            actor,
        )
    )
    return old


def keep_as_renamed_away(
    tx: Transaction, profile_id: str, old: str, *, actor: str | None = None
) -> None:
    """Give the identified profile `old` as a deprecated external id, keeping its current
    one: a rename to `old` and one back (which takes the current id back), as the log
    then shows. What an import does to reproduce an exported deprecated id."""
    profile = tx.profile(profile_id)
    assert profile is not None
    assert profile.external_id is not None
    current = ProfileRef.by_id(profile_id)
    if profile.external_id != old:
        rename_external_id(tx, current, old, actor=actor)
    rename_external_id(tx, current, profile.external_id, actor=actor)
