"""bulk.run_all: the same answers and the same graph as `run_each`, at database speed.

The reference is `batch.run_each`, which runs every command straight on the store.
Each test runs one list of commands both ways (so the commands' own `reads()` are
what the bulk runner prefetches), in two workspaces of one store, with
profile ids handed out in the same order, and compares every result and the final
graph and event log (times aside: a bulk write stamps one time per flush).
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aka.core.errors import AkaError
from aka.core.events import Change
from aka.core.model import Event
from aka.core.ports import Store, Transaction
from aka.core.settings import WorkspaceSettings
from aka.core.state import ReplayError
from aka.service import bulk, new_profiles
from aka.service.batch import run_each
from aka.service.check import check_workspace
from aka.service.commands import Command
from aka.service.graph_commands import CreateProfile, Identify, Link, Merge, Unlink
from aka.service.identities import NewIdentifier
from aka.service.refs import ProfileRef

Op = Command[object]


@pytest.fixture
def fixed_ids(monkeypatch: pytest.MonkeyPatch) -> Callable[[], None]:
    """Profile ids from a counter that `restart()` rewinds, so both runs name alike."""
    counter: Iterator[int] = iter(())

    def restart() -> None:
        nonlocal counter
        counter = itertools.count(1)

    monkeypatch.setattr(
        new_profiles, "new_profile_id", lambda: f"00000000-0000-7000-8000-{next(counter):012d}"
    )
    restart()
    return restart


def pid(n: int) -> str:
    return f"00000000-0000-7000-8000-{n:012d}"


def plain(value: Any) -> Any:
    """A result as comparable data: dataclasses opened up, times dropped."""
    if isinstance(value, AkaError):
        return ("refused", value.code, str(value), value.field, value.details)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            f.name: plain(getattr(value, f.name))
            for f in dataclasses.fields(value)
            if not isinstance(getattr(value, f.name), datetime)
        }
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, Mapping):  # dicts, and GraphState's tables
        return {k: plain(v) for k, v in value.items()}
    return value


def event_facts(events: list[Event]) -> list[tuple[Any, ...]]:
    return [(e.seq, e.type, e.profile_id, e.actor, e.payload) for e in events]


def both_ways(
    store: Store,
    restart: Callable[[], None],
    ops: list[Op],
    patch: dict[str, Any] | None = None,
    names: tuple[str, str] = ("each", "bulk"),
) -> tuple[list[Any], list[Any]]:
    """Run `ops` with run_each in one workspace and run_all in another; compare the
    graphs and logs; return both result lists (as plain data)."""
    each, in_bulk = names
    for ws in names:
        store.create_workspace(ws, WorkspaceSettings().updated(patch or {}))
    restart()
    with store.transaction(each) as tx:
        expected = [plain(r) for r in run_each(tx, [op.run for op in ops])]
    restart()
    with store.transaction(in_bulk) as tx:
        got = [plain(r) for r in bulk.run_all(tx, ops)]
    with store.transaction(each, write=False) as a, store.transaction(in_bulk, write=False) as b:
        assert plain(b.graph()) == plain(a.graph())
        assert event_facts(list(b.all_events())) == event_facts(list(a.all_events()))
        assert check_workspace(b) == []
    return expected, got


# --- operation builders (what the native batch sends) --------------------------------


def link(namespace: str, value: str, target: ProfileRef | None = None, **kw: Any) -> Op:
    return Link(target, NewIdentifier(namespace, value, **kw), field_prefix="identifier")


def create(*idents: tuple[str, str, bool], external_id: str | None = None) -> Op:
    items = [NewIdentifier(ns, v, primary=p) for ns, v, p in idents]
    return CreateProfile(external_id, identifiers=items)


def unlink(namespace: str, value: str) -> Op:
    return Unlink(namespace, value)


def identify(target: ProfileRef, external_id: str) -> Op:
    return Identify(target, external_id)


def merge(keep: ProfileRef, gone: ProfileRef) -> Op:
    return Merge(keep, gone)


# --- specs -------------------------------------------------------------------------------


def test_a_batch_of_creates_and_links_matches_one_by_one(
    store: Store, fixed_ids: Callable[[], None]
) -> None:
    ops = [
        create(("email", "Ann@X.io", True), ("device", "d1", False), external_id="u1"),
        link("device", "d2", ProfileRef(external_id="u1")),
        link("device", "d2", ProfileRef(external_id="u1")),  # already there: 200
        link("device", "d3"),  # a new anonymous profile
        link("device", "d3", ProfileRef(external_id="u1")),  # owned elsewhere: 409
        link("email", "second@x.io", ProfileRef(namespace="device", value="d1"), primary=True),
        create(("email", "ann@x.io", False)),  # taken (normalised): refused, nothing written
        link("email", "not an email", ProfileRef(external_id="u1")),  # invalid
        link("crm", "c1", ProfileRef(profile_id=pid(99))),  # no such profile
    ]
    expected, got = both_ways(store, fixed_ids, ops)
    assert got == expected
    assert [r[0] == "refused" if isinstance(r, tuple) else "ok" for r in got].count(True) == 4


def test_slow_operations_in_between_see_and_are_seen_by_buffered_ones(
    store: Store, fixed_ids: Callable[[], None]
) -> None:
    """An unlink, identify and merge run on the real transaction between buffered links;
    the links after them see their effects and they see the links before them."""
    ops = [
        link("device", "a"),
        link("device", "b"),
        merge(ProfileRef(namespace="device", value="a"), ProfileRef(namespace="device", value="b")),
        link("crm", "c", ProfileRef(profile_id=pid(2))),  # forwards to the survivor
        unlink("device", "a"),
        link("device", "a", ProfileRef(profile_id=pid(1))),
        identify(ProfileRef(profile_id=pid(1)), "u9"),
        link("crm", "d", ProfileRef(external_id="u9")),
    ]
    expected, got = both_ways(store, fixed_ids, ops)
    assert got == expected
    assert not any(isinstance(r, tuple) and r[0] == "refused" for r in got)


def test_an_auto_merge_inside_a_link_leaves_the_buffer_and_comes_back(
    store: Store, fixed_ids: Callable[[], None]
) -> None:
    ops = [
        link("device", "a"),
        create(("crm", "c", False), external_id="u1"),
        link("device", "a", ProfileRef(external_id="u1")),  # auto policy: merges
        link("device", "z", ProfileRef(external_id="u1")),
    ]
    expected, got = both_ways(store, fixed_ids, ops, {"merge_policy": "auto"})
    assert got == expected
    assert got[2]["outcome"] == "merged"


def test_namespace_limits_count_what_the_batch_itself_linked(
    store: Store, fixed_ids: Callable[[], None]
) -> None:
    patch = {"namespaces": {"device": {"max_per_profile": 2}}}
    ops = [create(external_id="u1")] + [
        link("device", f"d{n}", ProfileRef(external_id="u1")) for n in range(4)
    ]
    expected, got = both_ways(store, fixed_ids, ops, patch)
    assert got == expected
    assert [r[1] if isinstance(r, tuple) else "ok" for r in got[1:]] == [
        "ok",
        "ok",
        "namespace_limit",
        "namespace_limit",
    ]


def test_a_later_primary_link_demotes_an_earlier_one_of_the_same_batch(
    store: Store, fixed_ids: Callable[[], None]
) -> None:
    ops = [
        create(("email", "a@x.io", True), external_id="u1"),
        link("email", "b@x.io", ProfileRef(external_id="u1"), primary=True),
        link("email", "c@x.io", ProfileRef(external_id="u1"), primary=True),
    ]
    expected, got = both_ways(store, fixed_ids, ops)
    assert got == expected
    final = {i["value"]: i["primary"] for i in got[2]["profile"]["identifiers"]}
    assert final == {"a@x.io": False, "b@x.io": False, "c@x.io": True}


def test_a_flush_the_database_refuses_reruns_its_operations_one_by_one(
    store: Store, fixed_ids: Callable[[], None]
) -> None:
    """If the database refuses a buffered write (a planning bug), nothing is half
    written: the operations since the last flush run again straight on the store."""
    store.create_workspace("bulk", WorkspaceSettings())

    class RefusingOnce:
        def __init__(self, real: Transaction) -> None:
            self.real, self.refused = real, False

        def append_many(self, changes: list[Change], at: datetime) -> list[Event]:
            if not self.refused:
                self.refused = True
                raise ReplayError("refused for the test")
            return self.real.append_many(changes, at)

        def __getattr__(self, name: str) -> Any:
            return getattr(self.real, name)

    ops = [link("device", "a"), link("device", "b"), link("device", "a")]
    with store.transaction("bulk") as tx:
        results = bulk.run_all(RefusingOnce(tx), ops)  # type: ignore[arg-type]
    assert [type(r).__name__ for r in results] == ["LinkResult", "LinkResult", "AkaError"]
    with store.transaction("bulk", write=False) as tx:
        assert len(list(tx.all_events())) == 2  # two profiles, each created with its link
        assert check_workspace(tx) == []


# --- any sequence ------------------------------------------------------------------------

_examples = itertools.count()
_values = st.sampled_from(["a", "b", "c", "d"])
_namespaces = st.sampled_from(["device", "crm"])
_targets = st.one_of(
    st.none(),
    st.builds(lambda n: ProfileRef(profile_id=pid(n)), st.integers(1, 6)),
    st.builds(lambda n: ProfileRef(external_id=f"u{n}"), st.integers(1, 3)),
    st.builds(lambda ns, v: ProfileRef(namespace=ns, value=v), _namespaces, _values),
)
_profile_refs = _targets.filter(lambda t: t is not None)
_ops = st.one_of(
    st.builds(link, _namespaces, _values, _targets, primary=st.booleans()),
    st.builds(
        lambda idents, ext: create(*idents, external_id=ext),
        st.lists(st.tuples(_namespaces, _values, st.booleans()), max_size=3),
        st.one_of(st.none(), st.sampled_from(["u1", "u2", "u3"])),
    ),
    st.builds(unlink, _namespaces, _values),
    st.builds(identify, _profile_refs, st.sampled_from(["u1", "u2", "u3"])),
    st.builds(merge, _profile_refs, _profile_refs),
)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    ops=st.lists(_ops, min_size=1, max_size=25),
    policy=st.sampled_from(["refuse", "auto"]),
    limit=st.integers(1, 3),
)
def test_any_sequence_of_operations_matches_one_by_one(
    empty_store: Store, fixed_ids: Callable[[], None], ops: list[Op], policy: str, limit: int
) -> None:
    # Hypothesis reuses the fixture's store across examples: fresh workspaces each time.
    n = next(_examples)
    patch = {"merge_policy": policy, "namespaces": {"device": {"max_per_profile": limit}}}
    expected, got = both_ways(empty_store, fixed_ids, ops, patch, (f"each{n}", f"bulk{n}"))
    assert got == expected
