"""A profile as a person looks at it (the console's profile page): the live profile, the
profiles merged into it, its memberships both ways, its history, and which of the merges
in that history were undone. One read, on one snapshot, of what `queries` answers
one route at a time."""

from __future__ import annotations

from dataclasses import dataclass

from aka.core import events as ev
from aka.core.model import Event, Membership, ResolvedProfile
from aka.core.ports import ReadView
from aka.service import queries
from aka.service.refs import ProfileRef


@dataclass(frozen=True, slots=True)
class ProfileView:
    profile: ResolvedProfile
    merged: list[str]  # ids of the profiles merged into it (tombstones), oldest first
    groups: list[str]  # groups it is a direct member of
    members: list[str]  # its direct members, when it is a group
    events: list[Event]  # its history, oldest first
    undone: dict[int, int]  # merge seq -> the seq of the event that undid it


def profile_view(tx: ReadView, ref: ProfileRef) -> ProfileView:
    """Everything the profile page shows about the profile `ref` names (forwarding
    from a merged id, as every lookup does)."""
    found = queries.get(tx, ref)
    live = found.profile.id
    memberships: list[Membership] = tx.memberships_touching(live)
    events = queries.history(tx, ProfileRef.by_id(live))
    undone: dict[int, int] = {}
    for event in events:
        if event.type == ev.PROFILE_MERGED and (by := tx.unmerge_of(event.seq)) is not None:
            undone[event.seq] = by
    return ProfileView(
        profile=found,
        merged=tx.tombstones_of(live),
        groups=sorted({m.group_id for m in memberships if m.member_id == live}),
        members=sorted({m.member_id for m in memberships if m.group_id == live}),
        events=events,
        undone=undone,
    )
