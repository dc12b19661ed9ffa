"""Every backend's reading of the events is `GraphState`'s, on random histories.

`GraphState` (core) is the specification of what each event does; each SQL store has one
set-based applier (`storage/sql_append.py` and `sql_effects.py`) and the memory store
reuses `GraphState`. Hypothesis writes random, valid histories (profiles created with
identifiers, links of one or several identifiers, primaries, memberships added and
removed, attribute and identifier changes, renames (also keeping the old name,
deprecated), external id renames (also back to a deprecated one), unlinks, merges, undos,
deletions),
appends them in batches of random size (one event, or a run the applier takes as one
segment), and checks that replaying the stored log from empty rebuilds exactly the
stored graph, field for field. A batch holding one refused event leaves nothing behind
on the store, as on the specification.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aka.core import events as ev
from aka.core.events import Change
from aka.core.graph import plan_merge, plan_unmerge
from aka.core.model import Event, IdentifierKey
from aka.core.ports import Store
from aka.core.settings import WorkspaceSettings
from aka.core.state import GraphState, ReplayError

_workspaces = itertools.count()
NAMESPACES = ("email", "device", "crm")


@dataclass
class Model:
    """The specification, advanced as the store is, to draw only valid next events."""

    state: GraphState = field(default_factory=GraphState)
    seq: int = 0
    ids: itertools.count[int] = field(default_factory=itertools.count)
    merges: list[Event] = field(default_factory=list)

    def apply(self, changes: list[Change]) -> list[Event]:
        at = datetime.now(UTC)
        events = [
            Event(self.seq + n, c.type, c.profile_id, at, c.actor, c.payload)
            for n, c in enumerate(changes, start=1)
        ]
        self.state.apply_or_refuse(events)
        self.seq += len(events)
        self.merges += [e for e in events if e.type == ev.PROFILE_MERGED]
        return events

    def live(self) -> list[str]:
        return sorted(p.id for p in self.state.profiles.values() if p.merged_into is None)

    def new_id(self) -> str:
        return f"00000000-0000-7000-8000-{next(self.ids):012d}"


def _item(draw: st.DrawFn, taken: set[IdentifierKey]) -> dict[str, Any]:
    namespace = draw(st.sampled_from(NAMESPACES))
    value = draw(st.text("abcdefgh", min_size=1, max_size=3))
    key = IdentifierKey(namespace, value)
    suffix = 0
    while key in taken:  # a drawn value already linked: the next free variant of it
        suffix += 1
        value = f"{key.value.split('-')[0]}-{suffix}"
        key = IdentifierKey(namespace, value)
    taken.add(key)
    return ev.link_item(key, "USER", draw(st.booleans()), {"n": len(taken)} if value < "c" else {})


KINDS = (
    *("create", "create", "link", "link", "member", "unmember", "update", "identify"),
    *("change", "rename", "unlink", "merge", "unmerge", "delete", "xrename"),
)


def _next_change(draw: st.DrawFn, m: Model) -> Change | None:
    """A change valid on the model's graph, or None when the drawn kind has nothing to
    act on."""
    live = m.live()
    kind = draw(st.sampled_from(KINDS))
    if kind == "create" or not live:
        return _create(draw, m)
    pid = draw(st.sampled_from(live))
    if kind == "unmerge":
        return _unmerge(draw, m)
    if kind == "delete":
        return Change(ev.PROFILE_DELETED, pid, {}, "test")
    if kind in ("change", "rename", "unlink"):
        return _identifier_change(draw, m, kind, pid)
    if kind == "xrename":
        return _external_rename(draw, m, pid)
    other = draw(st.sampled_from(live))
    return _between(draw, m, kind, pid, other)


def _create(draw: st.DrawFn, m: Model) -> Change:
    taken = set(m.state.identifiers.keys())
    items = [_item(draw, taken) for _ in range(draw(st.integers(0, 3)))]
    payload: dict[str, Any] = {"external_id": None, "attributes": {"a": 1}}
    if draw(st.booleans()):
        payload["identifiers"] = items
    return Change(ev.PROFILE_CREATED, m.new_id(), payload, "test")


def _identifier_change(draw: st.DrawFn, m: Model, kind: str, pid: str) -> Change | None:
    mine = sorted(m.state.identifiers.keys_of(pid))
    if not mine:
        return None
    key = draw(st.sampled_from(mine))
    at = {"namespace": key.namespace, "value": key.value}
    if kind == "change":
        flag = draw(st.sampled_from(["primary", "deprecated"]))
        return Change(ev.IDENTIFIER_CHANGED, pid, {**at, flag: draw(st.booleans())}, "test")
    if kind == "rename":
        keep = {"keep": True} if draw(st.booleans()) else {}
        return Change(ev.IDENTIFIER_RENAMED, pid, {**at, "new_value": f"r{m.seq}", **keep}, "test")
    return Change(ev.IDENTIFIER_UNLINKED, pid, at, "test")


def _external_rename(draw: st.DrawFn, m: Model, pid: str) -> Change | None:
    """A new external id, or one of the profile's own deprecated ones taken back."""
    previous = m.state.profiles[pid].external_id
    if previous is None:
        return None
    old = sorted(
        k.value for k in m.state.identifiers.keys_of(pid) if k.namespace == ev.EXTERNAL_IDS
    )
    if old and draw(st.booleans()):
        payload = {"external_id": draw(st.sampled_from(old)), "reclaimed": True}
    else:
        payload = {"external_id": f"y{m.seq}"}
    return Change(ev.PROFILE_RENAMED, pid, {**payload, "previous": previous}, "test")


def _between(draw: st.DrawFn, m: Model, kind: str, pid: str, other: str) -> Change | None:
    """A link, a profile change, an edge or a merge (which may involve `other`)."""
    s = m.state
    if kind == "link":
        taken = set(s.identifiers.keys())
        items = [_item(draw, taken) for _ in range(draw(st.integers(1, 3)))]
        if len(items) == 1 and draw(st.booleans()):
            return Change(ev.IDENTIFIER_LINKED, pid, items[0], "test")  # before ADR 0012
        return Change(ev.IDENTIFIER_LINKED, pid, {"identifiers": items}, "test")
    if kind == "update":
        return Change(ev.PROFILE_UPDATED, pid, {"attributes": {"b": m.seq}}, "test")
    if kind == "identify":
        if s.profiles[pid].external_id is not None:
            return None
        return Change(ev.PROFILE_IDENTIFIED, pid, {"external_id": f"x-{pid}"}, "test")
    if other == pid:
        return None
    if kind in ("member", "unmember"):
        edge = {"group_id": other, "member_id": pid}
        added = kind == "member"
        return Change(ev.MEMBERSHIP_ADDED if added else ev.MEMBERSHIP_REMOVED, other, edge, "t")
    return plan_merge(
        s.profiles[pid],
        s.profiles[other],
        keep_identifiers=s.identifiers_of(pid),
        merge_identifiers=s.identifiers_of(other),
        edges=sorted({*s.edges_touching(pid), *s.edges_touching(other)}),
        tombstones=s.tombstones_of(other),
        actor="test",
    )


def _unmerge(draw: st.DrawFn, m: Model) -> Change | None:
    open_merges = [e for e in m.merges if e.seq not in m.state.undone]
    if not open_merges:
        return None
    merge = draw(st.sampled_from(open_merges))
    s = m.state
    keep, gone = s.profiles.get(merge.payload["keep"]), s.profiles.get(merge.payload["merge"])
    if keep is None or gone is None or keep.merged_into or gone.merged_into != keep.id:
        return None
    return plan_unmerge(
        merge,
        keep=keep,
        merge=gone,
        current=lambda keys: {k: s.identifiers[k] for k in keys if k in s.identifiers},
        keep_edges=s.edges_touching(keep.id),
        tombstones_of_keep=s.tombstones_of(keep.id),
        actor="test",
    )


@st.composite
def histories(draw: st.DrawFn) -> list[tuple[list[Change], bool]]:
    """Batches of valid changes; some batches end with a change the graph refuses
    (flagged True), which must leave nothing of its batch behind."""
    m = Model()
    batches: list[tuple[list[Change], bool]] = []
    for _ in range(draw(st.integers(1, 8))):
        batch: list[Change] = []
        for _ in range(draw(st.integers(1, 8))):
            change = _next_change(draw, m)
            if change is not None:
                m.apply([change])
                batch.append(change)
        if batch and m.state.identifiers and draw(st.integers(0, 5)) == 0:
            key = draw(st.sampled_from(sorted(m.state.identifiers.keys())))
            taken = ev.link_item(key, "USER", False, {})
            batch.append(Change(ev.PROFILE_CREATED, m.new_id(), {"identifiers": [taken]}, "t"))
            batches.append((batch, True))
            m = _replay_valid(batches)
            continue
        if batch:
            batches.append((batch, False))
    return batches


def _replay_valid(batches: list[tuple[list[Change], bool]]) -> Model:
    """The model after the batches that stand (a refused batch leaves nothing)."""
    m = Model()
    m.ids = itertools.count(10_000 * len(batches))  # fresh ids stay unique
    for batch, refused in batches:
        if not refused:
            m.apply(batch)
    return m


def append_batches(store: Store, ws: str, history: list[tuple[list[Change], bool]]) -> list[Event]:
    """Append each batch of `history` to a new workspace `ws`, a transaction each: a
    batch drawn to be refused must be (`ReplayError`) and leaves nothing. Returns the
    events written."""
    store.create_workspace(ws, WorkspaceSettings())
    written: list[Event] = []
    for batch, refused in history:
        with store.transaction(ws) as tx:
            if refused:
                with pytest.raises(ReplayError):
                    tx.append_many(batch, datetime.now(UTC))
                continue
            written += tx.append_many(batch, datetime.now(UTC))
    return written


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(history=histories())
def test_replaying_the_stored_log_rebuilds_the_stored_graph(
    store: Store, history: list[tuple[list[Change], bool]]
) -> None:
    """Whatever the batches, the store's graph is what `GraphState` makes of its log."""
    ws = f"replay-{next(_workspaces)}"
    spec = GraphState()
    spec.apply_all(append_batches(store, ws, history))
    with store.transaction(ws, write=False) as tx:
        stored = tx.graph()
        events = list(tx.all_events())
    replayed = GraphState()
    replayed.apply_all(events)
    assert stored.snapshot() == replayed.snapshot() == spec.snapshot()
    assert stored.profiles == replayed.profiles  # incl. updated_at touches
    assert stored.identifiers == replayed.identifiers  # incl. each one's seq
    assert stored.memberships == replayed.memberships  # incl. each edge's seq
