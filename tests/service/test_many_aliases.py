"""Many aliases in one request (Braze alias/new): one event per profile added to, and
each entry answered as `add_alias` one entry after another answers it. Every backend."""

from __future__ import annotations

import re
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aka.core import events as ev
from aka.core.errors import AkaError, Code
from aka.core.ports import Transaction
from aka.service import aliases
from aka.service.aliases import AliasOutcome, AliasResult
from aka.service.identities import NewIdentifier
from aka.service.many_aliases import add_aliases
from aka.service.refs import ProfileRef

from .builders import World, ident

BRAZE: dict[str, Any] = {"if_taken": "ignore", "one_per_namespace": True}
Entry = tuple[ProfileRef | None, NewIdentifier]


def user(external_id: str) -> ProfileRef:
    return ProfileRef(external_id=external_id)


def braze(world: World, *entries: Entry) -> list[AliasResult | AkaError]:
    with world.tx() as tx:
        return add_aliases(tx, entries, actor="key_1", **BRAZE)


def shown(results: list[AliasResult | AkaError]) -> list[AliasOutcome | Code]:
    return [r.code if isinstance(r, AkaError) else r.outcome for r in results]


def test_what_a_request_adds_to_one_user_is_one_event(world: World) -> None:
    """Three aliases for u1 (named apart from each other) are one `identifier.linked`;
    u2's one is its own; an alias-only user is its own `profile.created`."""
    u1 = world.person("email:a@x.io", external_id="u1")
    u2 = world.person(external_id="u2")
    before = world.last_seq()
    results = braze(
        world,
        (user("u1"), ident("cookie:c1")),
        (user("u2"), ident("cookie:c2")),
        (None, ident("cookie:anon")),
        (user("u1"), ident("device:d1")),
        (user("u1"), ident("crm:x")),
    )
    assert shown(results) == [AliasOutcome.ADDED] * 5
    written = [e for e in world.events() if e.seq > before]
    linked = {
        e.profile_id: [str(k) for k in ev.linked_keys(e.payload)]
        for e in written
        if e.type == ev.IDENTIFIER_LINKED
    }
    assert linked == {u1: ["cookie:c1", "device:d1", "crm:x"], u2: ["cookie:c2"]}
    assert sorted(e.type for e in written) == sorted(
        [ev.IDENTIFIER_LINKED, ev.IDENTIFIER_LINKED, ev.PROFILE_CREATED]
    )
    assert {e.actor for e in written} == {"key_1"}
    added = results[0]
    assert isinstance(added, AliasResult)
    assert added.profile is not None
    assert {str(i.key) for i in added.profile.identifiers} == {
        "email:a@x.io",
        "cookie:c1",
        "device:d1",
        "crm:x",
    }


def test_each_entry_is_answered_as_if_added_alone(world: World) -> None:
    """A second name under one label for a user, a pair held elsewhere, one the user
    holds, an unknown user and a blocked value: the answers `add_alias` gives."""
    world.person("cookie:held")
    u1 = world.person("device:mine", external_id="u1")
    results = braze(
        world,
        (user("u1"), ident("crm:c1")),
        (user("u1"), ident("crm:c2")),
        (user("u1"), ident("cookie:held")),
        (user("u1"), ident("device:mine")),
        (user("u1"), ident("crm:c1")),
        (user("nobody"), ident("crm:z")),
        (user("u1"), ident("web:null")),
    )
    assert shown(results) == [
        AliasOutcome.ADDED,
        Code.NAMESPACE_LIMIT,
        AliasOutcome.IGNORED,
        AliasOutcome.EXISTING,
        AliasOutcome.EXISTING,
        Code.PROFILE_NOT_FOUND,
        Code.VALUE_BLOCKED,
    ]
    limit = results[1]
    assert isinstance(limit, AkaError)
    assert "already holds crm:c1" in limit.message
    assert world.holds(u1) == {"device:mine", "crm:c1"}


def test_a_pair_gathered_for_a_user_then_named_for_an_alias_only_user_stays_the_first(
    world: World,
) -> None:
    """The order of the two entries decides who holds the pair: what was gathered is
    written before the later entry is looked at, which finds it held (ignored)."""
    u1 = world.person(external_id="u1")
    results = braze(world, (user("u1"), ident("cookie:k")), (None, ident("cookie:k")))
    assert shown(results) == [AliasOutcome.ADDED, AliasOutcome.IGNORED]
    assert world.owner("cookie:k") == u1


def test_a_pair_an_alias_only_user_took_first_is_not_the_later_entry_s(world: World) -> None:
    """u1's first alias is gathered, an alias-only user takes cookie:k, and u1's entry
    for cookie:k is then ignored (not refused for holding a cookie already)."""
    u1 = world.person(external_id="u1")
    results = braze(
        world,
        (user("u1"), ident("device:d")),
        (None, ident("cookie:k")),
        (user("u1"), ident("cookie:k")),
    )
    assert shown(results) == [AliasOutcome.ADDED, AliasOutcome.ADDED, AliasOutcome.IGNORED]
    assert world.holds(u1) == {"device:d"}
    assert world.owner("cookie:k") not in (None, u1)


# --- the same answers as one alias after another -------------------------------------------

TARGETS = [None, "u1", "u2", "nobody"]
POOL = [
    ("cookie", "c1"),
    ("cookie", "c2"),
    ("device", "d1"),
    ("device", "d2"),
    ("device", "d3"),
    ("device", "u2"),
    ("cookie", "c3"),
    ("cookie", "c4"),
    ("email", "a@x.io"),
    ("email", "A@X.io"),
    ("email", "b@x.io"),
    ("crm", "null"),
]
ENTRIES = st.lists(st.tuples(st.sampled_from(TARGETS), st.sampled_from(POOL)), max_size=10)
OPTIONS = st.sampled_from(
    [
        BRAZE,
        {"if_taken": "refuse"},
        {"if_taken": "refuse", "refuse_external_ids": True},
        {"if_taken": "refuse", "one_per_namespace": True},
    ]
)
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


class Names:
    """Profiles by name rather than id, so that two runs creating alias-only profiles
    (with fresh ids) compare: a known profile by its arranged name, a new one by the
    first identifier it was created with."""

    def __init__(self, tx: Transaction, known: dict[str, str]) -> None:
        self.by_id = dict(known)
        for event in tx.all_events():
            if event.type == ev.PROFILE_CREATED and event.profile_id not in self.by_id:
                keys = ev.linked_keys(event.payload)
                self.by_id[str(event.profile_id)] = f"new {keys[0]}" if keys else "new"

    def text(self, message: str) -> str:
        return _UUID.sub(lambda m: self.by_id.get(m.group(0), "?"), message)

    def graph(self, tx: Transaction) -> dict[str, Any]:
        state = tx.graph()
        return {
            "identifiers": {
                str(k): (self.by_id[i.profile_id], i.primary) for k, i in state.identifiers.items()
            },
            "profiles": {
                self.by_id[p.id]: (p.external_id, self.by_id.get(p.merged_into or ""))
                for p in state.profiles.values()
            },
        }


def answers(
    tx: Transaction, results: list[AliasResult | AkaError], known: dict[str, str]
) -> tuple[list[tuple[Any, ...]], dict[str, Any]]:
    names = Names(tx, known)
    shown: list[tuple[Any, ...]] = []
    for r in results:
        if isinstance(r, AkaError):
            shown.append((r.code, r.field, names.text(r.message), names.text(repr(r.details))))
        else:
            pid = r.profile.profile.id if r.profile is not None else None
            shown.append((r.outcome, names.by_id.get(pid or "")))
    return shown, names.graph(tx)


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(entries=ENTRIES, options=OPTIONS, auto=st.booleans())
def test_each_entry_is_answered_as_add_alias_one_after_another_answers_it(
    world: World, entries: list[tuple[str | None, tuple[str, str]]], options: Any, auto: bool
) -> None:
    """Hypothesis: on the same graph, `add_aliases` answers every entry as `add_alias`
    one entry after another does (outcome and profile, or the refusal, its field,
    message and details) and leaves the same graph."""
    if not world.last_seq():
        world.person("cookie:c1", "device:d1", external_id="u1")
        world.person("email:b@x.io", external_id="u2")
        world.person("cookie:c2")
    known = {}
    with world.tx(write=False) as tx:
        for p in tx.graph().profiles.values():
            known[p.id] = p.external_id or "anonymous"
    world.configure({"merge_policy": "auto" if auto else "refuse"})
    given_entries = [
        (user(t) if t is not None else None, NewIdentifier(ns, value)) for t, (ns, value) in entries
    ]

    def one_by_one(tx: Transaction) -> tuple[list[tuple[Any, ...]], dict[str, Any]]:
        results: list[AliasResult | AkaError] = []
        for target, item in given_entries:
            try:
                with tx.savepoint():
                    results.append(aliases.add_alias(tx, target, item, **options))
            except AkaError as refused:
                results.append(refused)
        return answers(tx, results, known)

    def at_once(tx: Transaction) -> tuple[list[tuple[Any, ...]], dict[str, Any]]:
        return answers(tx, add_aliases(tx, given_entries, **options), known)

    assert world.rolled_back(at_once) == world.rolled_back(one_by_one)
