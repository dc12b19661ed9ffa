"""Group memberships: edges between profiles, followed by `expand`."""

from __future__ import annotations

from aka.core import events as ev
from aka.core.errors import AkaError, Code
from aka.core.events import Change
from aka.core.model import Membership
from aka.core.ports import Transaction
from aka.service import refs
from aka.service.refs import ProfileRef


def add_member(
    tx: Transaction, group: ProfileRef, member: ProfileRef, *, actor: str | None = None
) -> tuple[Membership, bool]:
    """Make `member` belong to `group`; (edge, created). Cycles are allowed (directories
    have them); `expand` stops at each profile it has already seen."""
    g = refs.require(tx, group, "group")
    m = refs.require(tx, member, "member")
    if g.id == m.id:
        raise AkaError(Code.GROUP_CYCLE, "a profile cannot be a member of itself", field="member")
    for edge in tx.groups_of([m.id]):
        if edge.group_id == g.id:
            return edge, False
    tx.append(Change(ev.MEMBERSHIP_ADDED, g.id, {"group_id": g.id, "member_id": m.id}, actor))
    edge = next(e for e in tx.groups_of([m.id]) if e.group_id == g.id)
    return edge, True


def remove_member(
    tx: Transaction, group: ProfileRef, member: ProfileRef, *, actor: str | None = None
) -> None:
    g = refs.require(tx, group, "group")
    m = refs.require(tx, member, "member")
    if not any(e.group_id == g.id for e in tx.groups_of([m.id])):
        raise AkaError(
            Code.MEMBERSHIP_NOT_FOUND,
            f"profile {m.id} is not a member of {g.id}",
            field="member",
        )
    tx.append(Change(ev.MEMBERSHIP_REMOVED, g.id, {"group_id": g.id, "member_id": m.id}, actor))
