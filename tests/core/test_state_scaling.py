"""GraphState applies each event in time independent of the graph's size.

`aka check` replays a workspace's whole log; when an event scanned every identifier or
profile, replay was quadratic (issue 12: 99 s at 10k profiles, unfinished at 50k). Not a
timed test: it counts the lines of Python that applying the same events runs beside a
small graph and beside a twenty times larger one, a measure of work that no machine
load can disturb.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from types import FrameType
from typing import Any

from aka.core import events as ev

from .builders import Log, merge_payload, unmerge_payload


def lines_run(work: Callable[[], object]) -> int:
    """How many lines of Python `work()` executes (sys.settrace's line events)."""
    count = 0

    def tracer(frame: FrameType, event: str, arg: Any) -> Callable[..., Any]:
        del frame, arg
        nonlocal count
        if event == "line":
            count += 1
        return tracer

    previous = sys.gettrace()
    sys.settrace(tracer)
    try:
        work()
    finally:
        sys.settrace(previous)
    return count


def a_graph(n: int) -> Log:
    """`n` identified profiles with a primary email and a device each, every tenth one
    merged into its neighbour (a tombstone), and every tenth one a member of a group."""
    log = Log()
    group = log.created("group")
    for i in range(n):
        pid = log.created(f"bg{i}", external_id=f"user-{i}")
        log.linked(pid, "email", f"{i}@x.io", primary=True)
        log.linked(pid, "device", f"d{i}")
        if i % 10 == 1:
            log.member(group, pid)
        if i % 10 == 2:
            keep = f"bg{i - 1}"
            moved = [["email", f"{i}@x.io"], ["device", f"d{i}"]]
            log.add(
                ev.PROFILE_MERGED,
                keep,
                **merge_payload(keep, pid, identifiers=moved, demoted=[moved[0]]),
            )
    return log


def every_kind_of_event(log: Log) -> None:
    """Each event type once, on profiles of their own: what replay does to a new person
    and an old one, whatever else the graph holds."""
    a = log.created("a", external_id="ext-a")
    b = log.created("b", external_id="ext-b")
    g = log.created("g")
    log.linked(a, "email", "a1@x.io", primary=True)
    log.linked(a, "email", "a2@x.io", primary=True)  # demotes a1
    log.linked(b, "email", "b1@x.io", primary=True)
    log.linked(b, "device", "bd")
    log.add(ev.IDENTIFIER_CHANGED, a, namespace="email", value="a1@x.io", primary=True)
    log.add(ev.IDENTIFIER_RENAMED, b, namespace="device", value="bd", new_value="bd2")
    log.member(g, a)
    log.member(g, b)
    log.add(ev.PROFILE_UPDATED, a, attributes={"plan": "pro"})
    moved = [["email", "b1@x.io"], ["device", "bd2"]]
    merged = log.add(
        ev.PROFILE_MERGED,
        a,
        **merge_payload(a, b, identifiers=moved, demoted=[moved[0]], memberships=[[g, b, False]]),
    )
    log.add(
        ev.PROFILE_UNMERGED,
        a,
        **unmerge_payload(
            merged.seq, a, b, identifiers=moved, promoted=[moved[0]], memberships_restored=[[g, b]]
        ),
    )
    log.add(ev.IDENTIFIER_UNLINKED, a, namespace="email", value="a2@x.io")
    log.add(ev.MEMBERSHIP_REMOVED, g, group_id=g, member_id=a)
    log.add(ev.PROFILE_IDENTIFIED, g, external_id="ext-g")
    log.add(ev.PROFILE_DELETED, b)
    log.add(ev.PROFILE_MERGED, a, **merge_payload(a, g, memberships=[]))
    log.add(ev.PROFILE_DELETED, a)  # and its tombstone g


def test_applying_an_event_does_the_same_work_in_a_graph_twenty_times_larger() -> None:
    """Every event type, applied beside 100 and beside 2,000 profiles, runs exactly the
    same number of lines: no event's cost grows with the graph."""
    small, large = a_graph(100), a_graph(2_000)
    work_small = lines_run(lambda: every_kind_of_event(small))
    work_large = lines_run(lambda: every_kind_of_event(large))
    assert work_small > 0
    assert work_large == work_small
    assert len(large.state.identifiers) == 20 * len(small.state.identifiers)


def test_the_events_above_leave_the_graph_as_the_rules_say() -> None:
    """The measured events are real ones: they apply, and leave only the background."""
    log = a_graph(10)
    before = set(log.state.profiles), set(log.state.identifiers), set(log.state.memberships)
    every_kind_of_event(log)
    after = set(log.state.profiles), set(log.state.identifiers), set(log.state.memberships)
    assert after == before
