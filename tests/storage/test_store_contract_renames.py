"""Renames that keep the old name (ADR 0024), on every backend: the store refuses what
`GraphState` refuses, and leaves nothing of a refused event behind."""

from __future__ import annotations

import pytest

from aka.core import events as ev
from aka.core.events import Change
from aka.core.model import IdentifierKey
from aka.core.ports import Store
from aka.core.state import GraphState, ReplayError

from .changes import created, linked, renamed, renamed_external

K = IdentifierKey


def arranged(store: Store, ws: str) -> None:
    """`a` known as u-a; `b` renamed from u-b to u-b2 (u-b now deprecated); `c` holds a
    kept (deprecated) alias."""
    with store.transaction(ws) as tx:
        for change in (
            created("a", external_id="u-a"),
            created("b", external_id="u-b"),
            renamed_external("b", "u-b2", "u-b"),
            created("c"),
            linked("c", "c@example.com"),
            renamed("c", "c@example.com", "c2@example.com", keep=True),
        ):
            tx.append(change)


@pytest.mark.parametrize(
    "refused",
    [
        renamed_external("a", "u-x", "u-wrong"),
        renamed_external("a", "u-b2", "u-a"),
        renamed_external("a", "u-b", "u-a"),
        renamed_external("a", "u-y", "u-a", reclaimed=True),
        renamed_external("ghost", "u-z", "u-q"),
        renamed("c", "c2@example.com", "c@example.com", keep=True),
    ],
    ids=[
        "previous-not-current",
        "new-is-current-elsewhere",
        "new-is-deprecated-elsewhere",
        "reclaimed-nothing",
        "no-profile",
        "kept-onto-a-held-value",
    ],
)
def test_a_rename_the_graph_forbids_is_refused_and_leaves_nothing(
    store: Store, ws: str, refused: Change
) -> None:
    arranged(store, ws)
    with store.transaction(ws, write=False) as tx:
        before = tx.graph().snapshot()
        seq = tx.last_seq()
    with pytest.raises(ReplayError), store.transaction(ws) as tx:
        tx.append(refused)
    with store.transaction(ws, write=False) as tx:
        assert tx.graph().snapshot() == before
        assert tx.last_seq() == seq


def test_deprecated_rows_read_back_as_the_log_replays_them(store: Store, ws: str) -> None:
    """Every read of an identifier carries its flag: point reads, a profile's list, and
    the pages `aka check` compares."""
    arranged(store, ws)
    with store.transaction(ws, write=False) as tx:
        replayed = GraphState()
        replayed.apply_all(tx.all_events())
        assert tx.graph().identifiers == replayed.identifiers
        old = tx.identifier(K(ev.EXTERNAL_IDS, "u-b"))
        assert old is not None
        assert (old.profile_id, old.deprecated) == ("b", True)
        flags = {i.value: i.deprecated for i in tx.identifiers_of("c")}
        assert flags == {"c@example.com": True, "c2@example.com": False}
        page = tx.identifiers_page(None, 100)
        assert {i.value for i in page if i.deprecated} == {"u-b", "c@example.com"}
