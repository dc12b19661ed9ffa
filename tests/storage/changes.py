"""Builders for `Change`s as the services would write them, and small graph scenarios.

Each builder takes the few facts a test cares about and fills the rest with what the
planners in `core/graph.py` would put there. `SCENARIOS` are short histories that end
with one event type, so the contract suite can compare a store's reading of that event
with `GraphState.apply`'s.
"""

from __future__ import annotations

from typing import Any

from aka.core import events as ev
from aka.core.events import Change
from aka.core.model import IdentifierKey
from tests.core.builders import merge_payload, unmerge_payload

EMAIL = "email"


def created(pid: str, *, external_id: str | None = None, **attributes: Any) -> Change:
    return Change(
        ev.PROFILE_CREATED, pid, {"external_id": external_id, "attributes": attributes}, "test"
    )


def updated(pid: str, **attributes: Any) -> Change:
    return Change(ev.PROFILE_UPDATED, pid, {"attributes": attributes}, "test")


def identified(pid: str, external_id: str) -> Change:
    return Change(ev.PROFILE_IDENTIFIED, pid, {"external_id": external_id}, "test")


def linked(
    pid: str,
    value: str,
    namespace: str = EMAIL,
    *,
    primary: bool = False,
    kind: str = "USER",
    **attributes: Any,
) -> Change:
    payload = {
        "namespace": namespace,
        "value": value,
        "kind": kind,
        "primary": primary,
        "attributes": attributes,
    }
    return Change(ev.IDENTIFIER_LINKED, pid, payload, "test")


def changed(pid: str, value: str, namespace: str = EMAIL, **fields: Any) -> Change:
    return Change(
        ev.IDENTIFIER_CHANGED, pid, {"namespace": namespace, "value": value, **fields}, "test"
    )


def renamed(
    pid: str, value: str, new_value: str, namespace: str = EMAIL, *, keep: bool = False
) -> Change:
    payload: dict[str, Any] = {"namespace": namespace, "value": value, "new_value": new_value}
    if keep:
        payload["keep"] = True
    return Change(ev.IDENTIFIER_RENAMED, pid, payload, "test")


def renamed_external(pid: str, new: str, previous: str, *, reclaimed: bool = False) -> Change:
    """A profile's external id renamed, the previous one kept deprecated (ADR 0024)."""
    payload: dict[str, Any] = {"external_id": new, "previous": previous}
    if reclaimed:
        payload["reclaimed"] = True
    return Change(ev.PROFILE_RENAMED, pid, payload, "test")


def unlinked(pid: str, value: str, namespace: str = EMAIL) -> Change:
    return Change(ev.IDENTIFIER_UNLINKED, pid, {"namespace": namespace, "value": value}, "test")


def added(group: str, member: str) -> Change:
    return Change(ev.MEMBERSHIP_ADDED, group, {"group_id": group, "member_id": member}, "test")


def removed(group: str, member: str) -> Change:
    return Change(ev.MEMBERSHIP_REMOVED, group, {"group_id": group, "member_id": member}, "test")


def keys(*pairs: tuple[str, str]) -> list[list[str]]:
    return ev.keys_json([IdentifierKey(ns, value) for ns, value in pairs])


def merged(keep: str, merge: str, **payload: Any) -> Change:
    """A merge of `merge` into `keep`; payload fields default to "nothing moved"."""
    return Change(ev.PROFILE_MERGED, keep, merge_payload(keep, merge, **payload), "test")


def unmerged(merge_seq: int, keep: str, merge: str, **payload: Any) -> Change:
    """The undo of merge `merge_seq`; payload fields default to "nothing restored"."""
    full = unmerge_payload(merge_seq, keep, merge, **payload)
    return Change(ev.PROFILE_UNMERGED, keep, full, "test")


def deleted(pid: str, **payload: Any) -> Change:
    full: dict[str, Any] = {"tombstones": [], "identifiers": [], "memberships": []}
    full.update(payload)
    return Change(ev.PROFILE_DELETED, pid, full, "test")


# --- scenarios: short histories, each ending with the event type it is named after ----


def before_merge() -> list[Change]:
    """`k` (anonymous) and `m` (identified, with an older tombstone `t`), both in group
    `g`; `m` is itself the group of `u`. Both hold a primary email."""
    return [
        created("k", plan="pro"),
        created("m", external_id="u-m", plan="free", city="Oslo"),
        created("t"),
        created("g"),
        created("u"),
        linked("k", "k@example.com", primary=True),
        linked("m", "m@example.com", primary=True),
        linked("m", "d-1", "device"),
        merged("m", "t", external_id_moved=None),
        added("g", "k"),
        added("g", "m"),
        added("m", "u"),
    ]


def the_merge() -> list[Change]:
    """`m` merged into `k`: its identifiers, edges, tombstone and external id move."""
    return [
        *before_merge(),
        merged(
            "k",
            "m",
            identifiers=keys((EMAIL, "m@example.com"), ("device", "d-1")),
            demoted=keys((EMAIL, "m@example.com")),
            # g->m would duplicate g->k (dropped); m->u becomes k->u.
            memberships=[["g", "m", False], ["m", "u", True]],
            tombstones=["t"],
            external_id_moved="u-m",
            attributes_added={"city": "Oslo"},
        ),
    ]


MERGE_SEQ = len(the_merge())


def the_unmerge() -> list[Change]:
    return [
        *the_merge(),
        unmerged(
            MERGE_SEQ,
            "k",
            "m",
            identifiers=keys((EMAIL, "m@example.com"), ("device", "d-1")),
            promoted=keys((EMAIL, "m@example.com")),
            memberships_removed=[["k", "u"]],
            memberships_restored=[["g", "m"], ["m", "u"]],
            tombstones=["t"],
            external_id_moved="u-m",
            attributes_removed=["city"],
        ),
    ]


def the_delete() -> list[Change]:
    """`k` deleted after the merge: it, its tombstones `m` and `t`, their identifiers
    and every edge touching them go; `g` and `u` stay."""
    return [
        *the_merge(),
        deleted(
            "k",
            tombstones=["m", "t"],
            identifiers=keys((EMAIL, "k@example.com"), (EMAIL, "m@example.com")),
            memberships=[["g", "k"], ["k", "u"]],
        ),
    ]


REDACTED = f"{ev.REDACTED_PREFIX}9:0"

SCENARIOS: dict[str, list[Change]] = {
    "profile.created": [created("p", external_id="u-1", plan="pro", seats=3)],
    "profile.updated": [created("p", plan="pro"), updated("p", plan="team", seats=5)],
    "profile.identified": [created("p"), identified("p", "u-9")],
    "identifier.linked, a new primary demotes the old one": [
        created("p"),
        linked("p", "a@example.com", primary=True),
        linked("p", "phone-1", "phone", primary=True),
        linked("p", "b@example.com", primary=True, kind="UNKNOWN", label="work"),
    ],
    "identifier.changed, every field": [
        created("p"),
        linked("p", "a@example.com", primary=True),
        linked("p", "b@example.com"),
        changed(
            "p", "b@example.com", kind="GROUP", primary=True, disabled=True, attributes={"x": 1}
        ),
    ],
    "identifier.changed, redacted and absent: nothing happens": [
        created("p"),
        changed("p", REDACTED, disabled=True),
    ],
    "identifier.renamed": [
        created("p"),
        linked("p", "a@example.com", primary=True),
        renamed("p", "a@example.com", "a2@example.com"),
    ],
    "identifier.unlinked": [
        created("p"),
        linked("p", "a@example.com"),
        unlinked("p", "a@example.com"),
    ],
    "membership.added, twice: the edge takes the later seq": [
        created("g"),
        created("u"),
        added("g", "u"),
        linked("u", "u@example.com"),
        added("g", "u"),
    ],
    "membership.removed": [created("g"), created("u"), added("g", "u"), removed("g", "u")],
    "profile.merged": the_merge(),
    "profile.unmerged": the_unmerge(),
    "profile.deleted": the_delete(),
    # ADR 0024: the old id kept as a deprecated identifier, then taken back.
    "profile.renamed, and back": [
        created("p", external_id="u-1"),
        renamed_external("p", "u-2", "u-1"),
        renamed_external("p", "u-1", "u-2", reclaimed=True),
    ],
    "identifier.changed, deprecated (an import reproducing a kept alias)": [
        created("p"),
        linked("p", "a@example.com", primary=True),
        changed("p", "a@example.com", deprecated=True),
    ],
    "identifier.renamed, keeping the old value": [
        created("p"),
        linked("p", "a@example.com", primary=True),
        renamed("p", "a@example.com", "a2@example.com", keep=True),
    ],
}
