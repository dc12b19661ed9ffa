"""`aka check`: verify the graph's invariants (docs/architecture.md) on a live store.

In time linear in the workspace's log and graph, in three passes, all in the one
snapshot of the caller's read transaction:

1. Replay the event log from empty into a `GraphState`, a page of events at a time
   (invariant 4's reference). This state is what the check holds whole: the
   workspace's graph, once. The log is never held, nor the stored graph a second time.
2. Read the stored graph a page at a time and compare each row with the replayed one.
   Where they differ, report it (invariant 4) and put the stored row into the state,
   so that the state ends holding the stored graph, as far as invariants 1-3 read it.
   Rows the replay made but the store lacks are looked for only when the counts say
   there are some.
3. Check invariants 1-3 on that state, through its indexes.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Hashable, Iterable, MutableMapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, Protocol

from aka.core.events import EXTERNAL_IDS
from aka.core.model import Identifier, IdentifierKey
from aka.core.ports import ReadView
from aka.core.state import GraphState, ReplayError, identifier_facts, profile_facts

PAGE: Final = 5_000  # events or rows read per statement; one page is all that is held
_LOOKUP: Final = 500  # keys per look-up of rows the replay made and the store may lack


@dataclass(frozen=True, slots=True)
class Violation:
    invariant: int
    message: str


class CheckProgress(Protocol):
    """Told how far a check got, so a terminal can show it."""

    def start(self, workspace_id: str, total: int) -> None:
        """A workspace's check begins: `total` rows to read (events, then the graph)."""

    def advance(self, phase: str, rows: int) -> None:
        """`rows` more rows were read, in `phase` ("events", "profiles", ...)."""


class _Silent:
    def start(self, workspace_id: str, total: int) -> None:
        del workspace_id, total

    def advance(self, phase: str, rows: int) -> None:
        del phase, rows


def check_workspace(tx: ReadView, progress: CheckProgress | None = None) -> list[Violation]:
    """Every violation of invariants 1-4 in this workspace (empty when healthy): those of
    1-3 first, then those of 4."""
    told = progress or _Silent()
    counts = tx.graph_counts()
    told.start(
        tx.workspace_id, tx.last_seq() + counts.profiles + counts.identifiers + counts.memberships
    )
    state, replay_found = _replayed(tx, told)
    compared = _Comparison(tx, state, told, report=not replay_found)
    compared.profiles()
    compared.identifiers()
    compared.memberships()
    compared.undone()
    return invariants_1_to_3(state) + replay_found + compared.found


def _replayed(tx: ReadView, told: CheckProgress) -> tuple[GraphState, list[Violation]]:
    """The log replayed from empty; an empty state and the reason when it does not
    replay (then there is nothing to compare the store with)."""
    state = GraphState()
    after = 0
    try:
        while page := tx.events(after, PAGE):
            state.apply_all(page)
            after = page[-1].seq
            told.advance("events", len(page))
    except ReplayError as exc:
        return GraphState(), [Violation(4, f"the event log does not replay: {exc}")]
    return state, []


class _Comparison:
    """The stored graph read in pages against the replayed state (pass 2 above)."""

    def __init__(
        self, tx: ReadView, state: GraphState, told: CheckProgress, *, report: bool
    ) -> None:
        self._tx, self._state, self._told, self._report = tx, state, told, report
        self.found: list[Violation] = []

    def _differs(self, part: str, key: object, replayed: Any, stored: Any) -> None:
        if self._report:
            self.found.append(
                Violation(4, f"{part} {key}: replay gives {replayed!r}, store has {stored!r}")
            )

    def profiles(self) -> None:
        self._rows(
            "profile",
            read=lambda after: self._tx.profiles_page(after, PAGE, tombstones=True),
            key_of=lambda p: p.id,
            table=self._state.profiles,
            facts=profile_facts,
            present=self._tx.profiles_by_ids,
        )

    def identifiers(self) -> None:
        self._rows(
            "identifier",
            read=lambda after: self._tx.identifiers_page(after, PAGE),
            key_of=_key,
            table=self._state.identifiers,
            facts=identifier_facts,
            present=self._tx.identifiers_by_keys,
        )

    def _rows(
        self,
        part: str,
        *,
        read: Callable[[Any], list[Any]],
        key_of: Callable[[Any], Any],
        table: MutableMapping[Any, Any],
        facts: Callable[[Any], Any],
        present: Callable[[Sequence[Any]], Collection[Any]],
    ) -> None:
        replayed, matched = len(table), 0
        for page in _pages(read, key_of):
            for stored in page:
                key = key_of(stored)
                mine = table.get(key)
                matched += mine is not None
                # Equal rows are equal facts; only a difference costs the canonical form.
                if mine != stored and _facts(mine, facts) != facts(stored):
                    self._differs(part, _shown(key), _facts(mine, facts), facts(stored))
                    table[key] = stored
            self._told.advance(f"{part}s", len(page))
        if matched == replayed:
            return
        # The replay made rows the store lacks: reported, and dropped from the state,
        # which then holds only what the store holds.
        keys = list(table)
        for start in range(0, len(keys), _LOOKUP):
            chunk = keys[start : start + _LOOKUP]
            stored_keys = present(chunk)
            for key in chunk:
                if key not in stored_keys:
                    self._differs(part, _shown(key), facts(table[key]), None)
                    del table[key]

    def memberships(self) -> None:
        """Edges are compared as the set they form (their seqs are bookkeeping)."""
        edges, replayed, matched = self._state.memberships, len(self._state.memberships), 0
        for page in _pages(
            lambda after: self._tx.memberships_page(after, PAGE),
            lambda m: (m.group_id, m.member_id),
        ):
            for m in page:
                edge = (m.group_id, m.member_id)
                if edge in edges:
                    matched += 1
                else:
                    self._differs("membership", f"{edge[0]}<-{edge[1]}", None, m.seq)
                    edges[edge] = m.seq
            self._told.advance("memberships", len(page))
        if matched == replayed:
            return
        members = sorted({member for _, member in edges})
        for start in range(0, len(members), _LOOKUP):
            part = members[start : start + _LOOKUP]
            stored = {(m.group_id, m.member_id) for m in self._tx.groups_of(part)}
            for member in part:
                for edge in edges.touching(member):
                    if edge[1] == member and edge not in stored:
                        self._differs("membership", f"{edge[0]}<-{edge[1]}", edges[edge], None)
                        del edges[edge]

    def undone(self) -> None:
        stored = self._tx.undone_merges()
        if stored != self._state.undone and self._report:
            message = f"undone: replay gives {self._state.undone!r}, store has {stored!r}"
            self.found.append(Violation(4, message))


def _pages(read: Callable[[Any], list[Any]], key: Callable[[Any], Hashable]) -> Iterable[list[Any]]:
    """Every page `read(after)` gives, each starting after the last key of the one before."""
    after = None
    while page := read(after):
        yield page
        if len(page) < PAGE:
            return
        after = key(page[-1])


def _key(identifier: Identifier) -> IdentifierKey:
    return identifier.key


def _shown(key: object) -> object:
    """How a row's key reads in a message: an identifier as (namespace, value)."""
    return (key.namespace, key.value) if isinstance(key, IdentifierKey) else key


def _facts(row: Any, facts: Callable[[Any], Any]) -> Any:
    return None if row is None else facts(row)


def invariants_1_to_3(state: GraphState) -> list[Violation]:
    """Invariants 1-3 of a graph, through the state's indexes (no scan sorts the graph)."""
    profiles = state.profiles

    def live(profile_id: str) -> bool:
        found = profiles.get(profile_id)
        return found is not None and found.merged_into is None

    found: list[Violation] = []
    stray = sorted(k for k, i in state.identifiers.items() if not live(i.profile_id))
    for key in stray:
        owner = state.identifiers[key].profile_id
        found.append(Violation(1, f"identifier {key} belongs to {owner}, not a live profile"))
    for (profile_id, namespace), count in sorted(state.identifiers.shared_primaries()):
        found.append(Violation(1, f"profile {profile_id} has {count} primaries in {namespace!r}"))
    lost = sorted(
        p.id for p in profiles.values() if p.merged_into is not None and not live(p.merged_into)
    )
    for pid in lost:
        target = profiles[pid].merged_into
        found.append(Violation(2, f"tombstone {pid} points at {target}, not a live profile"))
    for group, member in sorted(e for e in state.memberships if not (live(e[0]) and live(e[1]))):
        found.append(Violation(2, f"membership {group}<-{member} touches a non-live profile"))
    for external_id, count in sorted(profiles.shared_external_ids()):
        found.append(Violation(3, f"external_id {external_id!r} is held by {count} profiles"))
    # A deprecated external id (ADR 0024) is still taken: no profile may hold it as its
    # current one.
    renamed = sorted(k for k in state.identifiers if k.namespace == EXTERNAL_IDS)
    for key in renamed:
        for holder in sorted(profiles.holders(key.value)):
            found.append(
                Violation(3, f"external_id {key.value!r} of {holder} is also deprecated {key}")
            )
    return found
