"""Merging two profiles into one, and undoing it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aka.core import events as ev
from aka.core import graph
from aka.core.errors import AkaError, Code
from aka.core.model import Identifier, IdentifierKey, ResolvedProfile
from aka.core.ports import Transaction
from aka.service import refs
from aka.service.refs import ProfileRef


@dataclass(frozen=True, slots=True)
class MergeResult:
    merge_id: int  # the merge event's sequence number: what undo takes
    profile: ResolvedProfile


def merge(
    tx: Transaction,
    keep_ref: ProfileRef,
    merge_ref: ProfileRef,
    *,
    force: bool = False,
    actor: str | None = None,
) -> MergeResult:
    """Move every identifier and membership of `merge` onto `keep`; `merge` becomes a
    tombstone forwarding to `keep` (and so do the tombstones that forwarded to it)."""
    keep = refs.require(tx, keep_ref, "keep")
    gone = refs.require(tx, merge_ref, "merge")
    tx.lock_profiles(sorted({keep.id, gone.id}))
    keep_identifiers = tx.identifiers_of(keep.id)
    merge_identifiers = tx.identifiers_of(gone.id)
    graph.check_merge_allowed(
        keep,
        gone,
        force=force,
        keep_identifiers=keep_identifiers,
        merge_identifiers=merge_identifiers,
        settings=tx.settings(),
    )
    edges = sorted(set(tx.memberships_touching(keep.id)) | set(tx.memberships_touching(gone.id)))
    change = graph.plan_merge(
        keep,
        gone,
        keep_identifiers=keep_identifiers,
        merge_identifiers=merge_identifiers,
        edges=edges,
        tombstones=tx.tombstones_of(gone.id),
        actor=actor,
    )
    event = tx.append(change)
    survivor = tx.profile(keep.id)
    assert survivor is not None
    return MergeResult(event.seq, refs.resolved(tx, survivor))


def unmerge(tx: Transaction, merge_id: Any, *, actor: str | None = None) -> MergeResult:
    """Undo a merge: put back what it moved and nothing has changed since; revive the
    merged profile. Returns the revived profile."""
    if not isinstance(merge_id, int) or isinstance(merge_id, bool) or merge_id < 1:
        raise AkaError(Code.MERGE_NOT_FOUND, f"no merge {merge_id!r}", field="merge_id")
    event = tx.event(merge_id)
    if event is None or event.type != ev.PROFILE_MERGED:
        raise AkaError(Code.MERGE_NOT_FOUND, f"no merge {merge_id}", field="merge_id")
    undone = tx.unmerge_of(merge_id)
    if undone is not None:
        raise AkaError(
            Code.MERGE_ALREADY_UNDONE,
            f"merge {merge_id} was already undone by event {undone}",
            field="merge_id",
            details={"undone_by": undone},
        )
    keep_id, merge_profile_id = event.payload["keep"], event.payload["merge"]
    tx.lock_profiles(sorted({keep_id, merge_profile_id}))
    keep = tx.profile(keep_id)

    def current(keys: list[IdentifierKey]) -> dict[IdentifierKey, Identifier]:
        held = tx.identifiers_of(keep_id)
        wanted = set(keys)
        return {i.key: i for i in held if i.key in wanted}

    change = graph.plan_unmerge(
        event,
        keep=keep,
        merge=tx.profile(merge_profile_id),
        current=current,
        keep_edges=tx.memberships_touching(keep_id) if keep else [],
        tombstones_of_keep=tx.tombstones_of(keep_id) if keep else [],
        actor=actor,
    )
    tx.append(change)
    revived = tx.profile(merge_profile_id)
    assert revived is not None
    return MergeResult(merge_id, refs.resolved(tx, revived))
