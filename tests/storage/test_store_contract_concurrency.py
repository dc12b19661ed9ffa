"""The store contract under concurrency (invariant 5), on every backend.

Writers of one workspace are serialised: a writer's read-decide-write can never
interleave with another's, so two requests racing for one identifier or one external id
cannot both find it free. Readers see one snapshot and are not blocked by writers.
Real threads, real connections: on PostgreSQL each thread holds its own session.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import pytest

from aka.core.events import Change
from aka.core.model import IdentifierKey
from aka.core.ports import Store, Transaction
from aka.core.state import ReplayError

from .changes import EMAIL, created, identified, linked

K = IdentifierKey
JOIN_TIMEOUT_S = 20  # far above any lock wait a passing run sees; a hang fails, not blocks


def run_in_threads(*targets: Callable[[], None]) -> None:
    """Run each target in its own thread; re-raise the first failure here, and fail
    if any thread is still running after JOIN_TIMEOUT_S (a deadlock)."""
    errors: list[BaseException] = []

    def guarded(target: Callable[[], None]) -> None:
        try:
            target()
        except BaseException as err:  # handed to the test thread below
            errors.append(err)

    threads = [threading.Thread(target=guarded, args=(t,)) for t in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(JOIN_TIMEOUT_S)
    assert not any(t.is_alive() for t in threads), "a thread is still waiting: deadlock?"
    if errors:
        raise errors[0]


@dataclass(frozen=True)
class Claim:
    """Something two writers race for: who holds it now, and the change that takes it."""

    name: str
    holder: Callable[[Transaction], str | None]
    take: Callable[[str], Change]


def _identifier_holder(tx: Transaction) -> str | None:
    found = tx.identifier(K(EMAIL, "race@example.com"))
    return None if found is None else found.profile_id


def _external_id_holder(tx: Transaction) -> str | None:
    found = tx.profile_by_external_id("u-race")
    return None if found is None else found.id


CLAIMS = [
    Claim("identifier", _identifier_holder, lambda pid: linked(pid, "race@example.com")),
    Claim("external_id", _external_id_holder, lambda pid: identified(pid, "u-race")),
]


@pytest.mark.parametrize("claim", CLAIMS, ids=lambda c: c.name)
def test_a_second_writer_waits_for_the_first_then_sees_what_it_took(
    store: Store, ws: str, claim: Claim
) -> None:
    """Two write transactions start together (a barrier) to take one free identifier
    key, or one external id. Whichever gets in first takes it and holds its transaction
    open a while; the other does not get in until the first has committed, and then
    reads the thing as taken by the first, so it cannot take it too."""
    with store.transaction(ws) as tx:
        tx.append(created("p1"))
        tx.append(created("p2"))
    barrier = threading.Barrier(2)
    timeline: list[tuple[str, str]] = []
    saw: dict[str, str | None] = {}

    def writer(pid: str) -> Callable[[], None]:
        def run() -> None:
            barrier.wait()
            with store.transaction(ws) as tx:
                timeline.append(("in", pid))
                saw[pid] = holder = claim.holder(tx)
                if holder is None:
                    tx.append(claim.take(pid))
                    # Still uncommitted: a writer that was not made to wait gets in now.
                    time.sleep(0.2)
                timeline.append(("out", pid))  # the last step before the commit

        return run

    run_in_threads(writer("p1"), writer("p2"))
    first, second = timeline[0][1], timeline[2][1]
    assert timeline == [("in", first), ("out", first), ("in", second), ("out", second)]
    assert saw == {first: None, second: first}
    with store.transaction(ws, write=False) as tx:
        assert claim.holder(tx) == first
        assert [e.seq for e in tx.all_events()] == [1, 2, 3]


def test_racing_writers_link_one_identifier_exactly_once(store: Store, ws: str) -> None:
    """Invariant 5: writers that read, decide and write the same new identifier at once
    are serialised; exactly one links it, every other one sees it taken."""
    with store.transaction(ws) as tx:
        for n in range(6):
            tx.append(created(f"p{n}"))
    key = K(EMAIL, "race@example.com")
    start = threading.Barrier(6)
    outcomes: list[str] = []

    def writer(pid: str) -> Callable[[], None]:
        def run() -> None:
            start.wait()
            with store.transaction(ws) as tx:
                if tx.identifier(key) is None:
                    tx.append(linked(pid, key.value))
                    outcomes.append("linked")
                else:
                    outcomes.append("taken")

        return run

    run_in_threads(*(writer(f"p{n}") for n in range(6)))
    assert sorted(outcomes) == ["linked"] + ["taken"] * 5


def test_a_read_transaction_sees_one_snapshot(store: Store, ws: str) -> None:
    """A reader sees the graph as of its first read for as long as it lives, while a
    writer commits beside it without waiting for it: a reader never mixes the before
    and after of one change (half of a merge)."""
    with store.transaction(ws) as tx:
        tx.append(created("a"))
    with store.transaction(ws, write=False) as reader:
        assert reader.profile("a") is not None

        def writer() -> None:
            with store.transaction(ws) as tx:
                tx.append(created("b"))
                tx.append(linked("a", "x@example.com"))

        run_in_threads(writer)
        assert reader.profile("b") is None
        assert reader.identifiers_of("a") == []
        assert [e.seq for e in reader.all_events()] == [1]
    with store.transaction(ws, write=False) as reader:
        assert reader.profile("b") is not None
        assert [i.value for i in reader.identifiers_of("a")] == ["x@example.com"]


def test_a_refused_append_leaves_nothing_and_the_transaction_goes_on(store: Store, ws: str) -> None:
    """`append` is atomic on its own: a refused event uses no seq and leaves no row, and
    the transaction stays usable (a PostgreSQL error would otherwise abort it whole)."""
    with store.transaction(ws) as tx:
        tx.append(created("a", external_id="u-1"))
        with pytest.raises(ReplayError):
            tx.append(created("a"))
        with pytest.raises(ReplayError):
            tx.append(created("b", external_id="u-1"))
        assert tx.append(linked("a", "x@example.com")).seq == 2
        assert tx.profile("b") is None
    with store.transaction(ws, write=False) as tx:
        assert [e.seq for e in tx.all_events()] == [1, 2]
        assert tx.profile("b") is None
