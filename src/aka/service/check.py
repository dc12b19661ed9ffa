"""`aka check`: verify the invariants of design.md §1 on a live store."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from aka.core.ports import Transaction
from aka.core.state import GraphState, ReplayError


@dataclass(frozen=True, slots=True)
class Violation:
    invariant: int
    message: str


def check_workspace(tx: Transaction) -> list[Violation]:
    """Every violation of invariants 1-4 in this workspace (empty when healthy)."""
    graph = tx.graph()
    found: list[Violation] = []
    live = {pid for pid, p in graph.profiles.items() if p.merged_into is None}
    for key, ident in sorted(graph.identifiers.items()):
        if ident.profile_id not in live:
            found.append(
                Violation(1, f"identifier {key} belongs to {ident.profile_id}, not a live profile")
            )
    primaries = Counter(
        (i.profile_id, i.namespace) for i in graph.identifiers.values() if i.primary
    )
    for (profile_id, namespace), count in sorted(primaries.items()):
        if count > 1:
            found.append(
                Violation(1, f"profile {profile_id} has {count} primaries in {namespace!r}")
            )
    for pid, profile in sorted(graph.profiles.items()):
        if profile.merged_into is not None and profile.merged_into not in live:
            found.append(
                Violation(2, f"tombstone {pid} points at {profile.merged_into}, not a live profile")
            )
    for group, member in sorted(graph.memberships):
        if group not in live or member not in live:
            found.append(Violation(2, f"membership {group}<-{member} touches a non-live profile"))
    owners = Counter(p.external_id for p in graph.profiles.values() if p.external_id is not None)
    for external_id, count in sorted(owners.items()):
        if count > 1:
            found.append(Violation(3, f"external_id {external_id!r} is held by {count} profiles"))
    replayed = GraphState()
    try:
        replayed.apply_all(tx.all_events())
    except ReplayError as exc:
        found.append(Violation(4, f"the event log does not replay: {exc}"))
        return found
    found.extend(_differences(replayed, graph))
    return found


def _differences(replayed: GraphState, stored: GraphState) -> list[Violation]:
    a, b = replayed.snapshot(), stored.snapshot()
    out: list[Violation] = []
    for part in ("profiles", "identifiers"):
        for key in sorted(set(a[part]) | set(b[part]), key=str):
            if a[part].get(key) != b[part].get(key):
                out.append(
                    Violation(
                        4,
                        f"{part[:-1]} {key}: replay gives {a[part].get(key)!r}, "
                        f"store has {b[part].get(key)!r}",
                    )
                )
    for part in ("memberships", "undone"):
        if a[part] != b[part]:
            out.append(Violation(4, f"{part}: replay gives {a[part]!r}, store has {b[part]!r}"))
    return out
