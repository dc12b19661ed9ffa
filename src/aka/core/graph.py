"""Graph rules: which merges are allowed and what exactly a merge or its undo moves.

Pure functions: the service reads the facts from the store, these decide, and the
decision comes back as a `Change` whose payload records everything it moved, which
is what makes a merge undoable and the log replayable.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Collection, Iterable

from aka.core import events as ev
from aka.core.errors import AkaError, Code
from aka.core.events import Change
from aka.core.model import Event, Identifier, IdentifierKey, Membership, Profile
from aka.core.settings import WorkspaceSettings

EXPAND_MAX_DEPTH = 16


def check_merge_allowed(
    keep: Profile,
    merge: Profile,
    *,
    force: bool,
    keep_identifiers: Iterable[Identifier],
    merge_identifiers: Iterable[Identifier],
    settings: WorkspaceSettings,
) -> None:
    """Refuse a merge the rules do not allow (both arguments are live profiles)."""
    if keep.id == merge.id:
        raise AkaError(
            Code.MERGE_SAME_PROFILE, "a profile cannot be merged into itself", field="merge"
        )
    if keep.identified and merge.identified and not force:
        raise AkaError(
            Code.MERGE_BOTH_IDENTIFIED,
            f"both profiles are identified ({keep.external_id!r} and {merge.external_id!r}); "
            "merging two known people needs force=true",
            field="merge",
            details={"keep": keep.id, "merge": merge.id},
        )
    counts = Counter(i.namespace for i in keep_identifiers)
    counts.update(i.namespace for i in merge_identifiers)
    for namespace, count in sorted(counts.items()):
        limit = settings.rule_for(namespace).max_per_profile
        if count > limit:
            raise AkaError(
                Code.NAMESPACE_LIMIT,
                f"the merged profile would hold {count} identifiers in namespace "
                f"{namespace!r}; the limit is {limit}",
                field="merge",
                details={"namespace": namespace, "limit": limit, "actual": count},
            )


def check_room(
    settings: WorkspaceSettings, namespace: str, count: int, *, holder: str, field: str
) -> None:
    """Refuse a change after which `holder` would hold `count` identifiers in
    `namespace`, over that namespace's `max_per_profile` (NAMESPACE_LIMIT naming `field`
    and the limit): the rule a rename keeping the old value applies as a link does."""
    limit = settings.rule_for(namespace).max_per_profile
    if count > limit:
        raise AkaError(
            Code.NAMESPACE_LIMIT,
            f"{holder} would hold {count} identifiers in namespace {namespace!r}; the limit "
            f"is {limit}",
            field=field,
            details={"namespace": namespace, "limit": limit, "actual": count},
        )


def plan_merge(
    keep: Profile,
    merge: Profile,
    *,
    keep_identifiers: list[Identifier],
    merge_identifiers: list[Identifier],
    edges: list[Membership],
    tombstones: list[str],
    actor: str | None,
) -> Change:
    """The change that moves everything of `merge` onto `keep`.

    `edges` are the memberships touching either profile. An edge of `merge` whose
    rewrite would be a self-loop or a duplicate is dropped, and marked so (`inserted`
    false) so that undo knows to re-create the original.
    """
    keep_primaries = {i.namespace for i in keep_identifiers if i.primary}
    existing = {(e.group_id, e.member_id) for e in edges}
    memberships: list[list[object]] = []
    for edge in edges:
        if merge.id not in (edge.group_id, edge.member_id):
            continue
        existing.discard((edge.group_id, edge.member_id))
        rewritten = (
            keep.id if edge.group_id == merge.id else edge.group_id,
            keep.id if edge.member_id == merge.id else edge.member_id,
        )
        inserted = rewritten[0] != rewritten[1] and rewritten not in existing
        if inserted:
            existing.add(rewritten)
        memberships.append([edge.group_id, edge.member_id, inserted, edge.seq])
    moved_external = merge.external_id if keep.external_id is None and merge.external_id else None
    payload: dict[str, object] = {
        "keep": keep.id,
        "merge": merge.id,
        "identifiers": ev.keys_json([i.key for i in merge_identifiers]),
        # Each identifier's seq before the move: undo puts it back, so an earlier merge
        # that moved the same identifier can still be undone afterwards.
        "identifier_seqs": [i.seq for i in merge_identifiers],
        "demoted": ev.keys_json(
            [i.key for i in merge_identifiers if i.primary and i.namespace in keep_primaries]
        ),
        "memberships": memberships,
        "tombstones": sorted(tombstones),
        "external_id_moved": moved_external,
        "attributes_added": {k: v for k, v in merge.attributes.items() if k not in keep.attributes},
    }
    return Change(ev.PROFILE_MERGED, keep.id, payload, actor)


def plan_unmerge(
    merge_event: Event,
    *,
    keep: Profile | None,
    merge: Profile | None,
    current: Callable[[list[IdentifierKey]], dict[IdentifierKey, Identifier]],
    keep_edges: list[Membership],
    tombstones_of_keep: Collection[str],
    actor: str | None,
) -> Change:
    """The change that puts back what `merge_event` moved and nothing changed since.

    An identifier or edge is put back only when it still carries the merge's own
    sequence number, i.e. no later event touched it.
    """
    payload = merge_event.payload
    seq = merge_event.seq
    if keep is None or merge is None:
        raise AkaError(
            Code.MERGE_NOT_UNDOABLE,
            f"merge {seq} cannot be undone: one of its profiles has been deleted",
            field="merge_id",
        )
    if keep.merged_into is not None:
        raise AkaError(
            Code.MERGE_NOT_UNDOABLE,
            f"merge {seq} cannot be undone while profile {keep.id} is itself merged into "
            f"{keep.merged_into}; undo that merge first",
            field="merge_id",
            details={"blocking_profile": keep.merged_into},
        )
    if merge.merged_into != keep.id:
        raise AkaError(
            Code.MERGE_NOT_UNDOABLE,
            f"merge {seq} cannot be undone: profile {merge.id} no longer forwards to {keep.id}",
            field="merge_id",
        )
    moved = ev.keys_from_json(payload["identifiers"])
    prior = dict(zip(moved, payload.get("identifier_seqs") or [seq] * len(moved), strict=True))
    now = current(moved)
    restored = [k for k in moved if (i := now.get(k)) and i.profile_id == keep.id and i.seq == seq]
    restored_set = set(restored)
    promoted = [k for k in ev.keys_from_json(payload.get("demoted", [])) if k in restored_set]
    current_edges = {(e.group_id, e.member_id): e.seq for e in keep_edges}
    removed: list[list[str]] = []
    restored_edges: list[list[object]] = []
    for group, member, inserted, *was in payload.get("memberships", []):
        rewritten = (
            keep.id if group == merge.id else group,
            keep.id if member == merge.id else member,
        )
        if inserted:
            if current_edges.get(rewritten) != seq:
                continue  # changed since the merge: leave it as it is now
            removed.append(list(rewritten))
        elif rewritten[0] != rewritten[1] and rewritten not in current_edges:
            # Dropped as a duplicate of keep's own edge, which is gone now (removed, or
            # its other end deleted or merged away): re-creating the original could
            # point at a profile that is no longer live (invariant 2).
            continue
        restored_edges.append([group, member, was[0] if was else seq])
    moved_external = payload.get("external_id_moved")
    added = payload.get("attributes_added") or {}
    return Change(
        ev.PROFILE_UNMERGED,
        keep.id,
        {
            "merge_seq": seq,
            "keep": keep.id,
            "merge": merge.id,
            "identifiers": ev.keys_json(restored),
            "identifier_seqs": [prior[k] for k in restored],
            "promoted": ev.keys_json(promoted),
            "memberships_removed": removed,
            "memberships_restored": restored_edges,
            "tombstones": sorted(
                t for t in payload.get("tombstones", []) if t in tombstones_of_keep
            ),
            "external_id_moved": moved_external
            if moved_external is not None and keep.external_id == moved_external
            else None,
            "attributes_removed": sorted(
                k for k, v in added.items() if keep.attributes.get(k) == v
            ),
        },
        actor,
    )


def walk_groups(
    start: str,
    parents: Callable[[set[str]], list[Membership]],
    *,
    max_depth: int = EXPAND_MAX_DEPTH,
) -> tuple[list[str], bool]:
    """Every group reachable from `start` through memberships, breadth first.

    Cycle-safe (each profile is visited once) and bounded: returns the group ids in
    the order found and whether the depth bound cut the walk short.
    """
    seen = {start}
    found: list[str] = []
    frontier = {start}
    for _ in range(max_depth):
        nxt = {e.group_id for e in parents(frontier)} - seen
        if not nxt:
            return found, False
        found.extend(sorted(nxt))
        seen |= nxt
        frontier = nxt
    return found, bool({e.group_id for e in parents(frontier)} - seen)
