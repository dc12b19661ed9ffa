"""Resolve as of any moment (ADR 0025), on every backend.

The specification is the log itself: replay it into a fresh `GraphState` up to event
`seq`, and the graph then is what `as_of_seq=seq` answers, without what erasure removed
(a redacted value, a profile deleted since). The Hypothesis test draws random histories
of creates, links, unlinks, renames (of identifiers and of external ids, and removals
of deprecated ones), identifier changes, attribute updates, identifies,
merges, undos and erasures through the use cases, and holds every answer at every seq
(by identifier, by profile id, by external id) to that replay.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from itertools import count
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from aka.core import events as ev
from aka.core import history
from aka.core.errors import AkaError, Code
from aka.core.model import IdentifierKey, ResolvedProfile
from aka.core.ports import ReadView, Store, Transaction
from aka.core.settings import WorkspaceSettings
from aka.core.state import GraphState, identifier_facts, is_redacted
from aka.service import as_of, erasure, identities, merges, renames
from aka.service.identities import NewIdentifier
from aka.service.refs import ProfileRef

from .builders import World

POOL: dict[str, list[str]] = {"email": ["ann@x.io", "bob@x.io", "cy@x.io"], "device": ["d1", "d2"]}
KEYS = [IdentifierKey(ns, v) for ns, values in POOL.items() for v in values]
EXTERNAL_IDS = ["u-1", "u-2", "u-3"]
_workspaces = count()


# --- the specification: replay ------------------------------------------------------
def expected(
    then: GraphState, now: GraphState, ref: ProfileRef, seq: int
) -> ResolvedProfile | None:
    """What `ref` pointed at after `seq` per the replayed graph `then`, as it was; None
    when nothing, or when it is gone `now` (erased)."""
    pid: str | None = None
    if ref.profile_id is not None:
        pid = ref.profile_id
    elif ref.external_id is not None:
        pid = next(iter(then.profiles.holders(ref.external_id)), None)
        if pid is None:  # else one it was renamed away from (ADR 0024)
            kept = then.identifiers.get(IdentifierKey(ev.EXTERNAL_IDS, ref.external_id))
            pid = None if kept is None or is_redacted(kept.value) else kept.profile_id
    else:
        assert ref.namespace is not None
        assert ref.value is not None
        held = then.identifiers.get(IdentifierKey(ref.namespace, ref.value))
        pid = None if held is None or is_redacted(held.value) else held.profile_id
    if pid is None or pid not in then.profiles or pid not in now.profiles:
        return None
    target = then.profiles[pid].merged_into or pid
    if target not in now.profiles:
        return None
    profile = then.profiles[target]
    return history.visible(ResolvedProfile(profile, tuple(then.identifiers_of(target))))


def facts(r: ResolvedProfile | None) -> Any:
    if r is None:
        return None
    p = r.profile
    return (
        (p.id, p.external_id, p.attributes, p.merged_into, p.created_at),
        [(i.namespace, i.value, identifier_facts(i)) for i in r.identifiers],
    )


def answered(tx: ReadView, ref: ProfileRef, seq: int) -> ResolvedProfile | None:
    """The answer, or None for the one refusal a well-formed reference may get."""
    try:
        return as_of.get_as_of(tx, ref, seq)
    except AkaError as error:
        if error.code is not Code.PROFILE_NOT_FOUND:
            raise
        return None


def check_every_moment(store: Store, workspace: str, profile_ids: list[str]) -> None:
    """Every answer at every seq equals the replay's."""
    with store.transaction(workspace, write=False) as tx:
        log = list(tx.all_events())
        now = GraphState()
        now.apply_all(log)
        then = GraphState()
        refs = [
            *(ProfileRef(namespace=k.namespace, value=k.value) for k in KEYS),
            *(ProfileRef(external_id=x) for x in EXTERNAL_IDS),
            *(ProfileRef.by_id(pid) for pid in profile_ids),
        ]
        for seq in range(len(log) + 1):
            if seq:
                then.apply(log[seq - 1])
            for ref in refs:
                want = expected(then, now, ref, seq)
                got = answered(tx, ref, seq)
                assert facts(got) == facts(want), (ref.describe(), seq)


# --- random histories ---------------------------------------------------------------
ITEM = st.sampled_from(KEYS)
PICK = st.integers(min_value=0, max_value=20)
CREATE = st.tuples(
    st.just("create"),
    st.none() | st.sampled_from(EXTERNAL_IDS),
    st.lists(st.tuples(ITEM, st.booleans()), max_size=2),
    st.dictionaries(st.sampled_from(["plan", "nick"]), st.sampled_from(["pro", "Zo"])),
)
MERGE = st.tuples(st.just("merge"), PICK, PICK, st.booleans())
UNDO = st.tuples(st.just("undo"), PICK)
OPS = st.one_of(
    CREATE,
    st.tuples(st.just("link"), PICK, ITEM, st.booleans()),
    st.tuples(st.just("unlink"), ITEM),
    st.tuples(st.just("rename"), ITEM, PICK),
    st.tuples(st.just("primary"), ITEM, st.booleans()),
    st.tuples(st.just("attributes"), PICK, st.sampled_from(["pro", "free"])),
    st.tuples(st.just("identify"), PICK, st.sampled_from(EXTERNAL_IDS)),
    st.tuples(st.just("rename_external_id"), PICK, st.sampled_from(EXTERNAL_IDS)),
    st.tuples(st.just("remove_deprecated"), st.sampled_from(EXTERNAL_IDS)),
    MERGE,
    MERGE,
    UNDO,
    UNDO,
    st.tuples(st.just("delete"), PICK),
)
# A few people first, so that most steps have someone to act on.
HISTORIES = st.tuples(
    st.lists(CREATE, min_size=2, max_size=4), st.lists(OPS, min_size=6, max_size=20)
).map(lambda parts: [*parts[0], *parts[1]])


def run(tx: Transaction, op: tuple[Any, ...], ids: list[str], merge_seqs: list[int]) -> None:
    def pick(n: int) -> ProfileRef:
        return ProfileRef.by_id(ids[n % len(ids)])

    kind = op[0]
    if kind == "create":
        _, external_id, items, attributes = op
        made = identities.create_profile(
            tx,
            external_id=external_id,
            attributes=attributes,
            identifiers=[NewIdentifier(k.namespace, k.value, primary=p) for k, p in items],
        )
        ids.append(made.profile.id)
    elif not ids:
        return
    elif kind == "merge":
        merge_seqs.append(merges.merge(tx, pick(op[1]), pick(op[2]), force=op[3]).merge_id)
    elif kind == "undo":
        if merge_seqs:
            merges.unmerge(tx, merge_seqs[op[1] % len(merge_seqs)])
    else:
        STEPS[kind](tx, op, pick)


def _rename(tx: Transaction, op: tuple[Any, ...], _: Any) -> None:
    values = POOL[op[1].namespace]
    identities.rename(tx, op[1].namespace, op[1].value, values[op[2] % len(values)])


# The steps that need neither the list of profiles made nor the merges made.
STEPS: dict[str, Callable[[Transaction, tuple[Any, ...], Callable[[int], ProfileRef]], Any]] = {
    "link": lambda tx, op, pick: identities.link(
        tx, pick(op[1]), NewIdentifier(op[2].namespace, op[2].value, primary=op[3])
    ),
    "unlink": lambda tx, op, _: identities.unlink(tx, op[1].namespace, op[1].value),
    "rename": _rename,
    "primary": lambda tx, op, _: identities.update_identifier(
        tx, op[1].namespace, op[1].value, primary=op[2]
    ),
    "attributes": lambda tx, op, pick: identities.update_attributes(
        tx, pick(op[1]), {"plan": op[2]}
    ),
    "identify": lambda tx, op, pick: identities.identify(tx, pick(op[1]), op[2]),
    "rename_external_id": lambda tx, op, pick: renames.rename_external_id(tx, pick(op[1]), op[2]),
    "remove_deprecated": lambda tx, op, _: renames.remove_deprecated_external_id(tx, op[1]),
    "delete": lambda tx, op, pick: erasure.delete_profile(tx, pick(op[1])),
}


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=HISTORIES)
def test_as_of_answers_what_replaying_the_log_to_that_seq_answers(
    empty_store: Store, ops: list[tuple[Any, ...]]
) -> None:
    """By identifier, profile id and external id, at every seq of a random history with
    merges, undos, renames, unlinks and erasures: the answer is the replay's, and an
    erased value or person is never answered at any moment."""
    workspace = f"w{next(_workspaces)}"
    empty_store.create_workspace(workspace, WorkspaceSettings().updated({"merge_policy": "auto"}))
    ids: list[str] = []
    merge_seqs: list[int] = []
    for op in ops:
        try:
            with empty_store.transaction(workspace) as tx:
                run(tx, op, ids, merge_seqs)
        except AkaError:
            pass  # a refused operation writes nothing
    check_every_moment(empty_store, workspace, ids)
    with empty_store.transaction(workspace, write=False) as tx:
        for type_ in sorted({e.type for e in tx.all_events()}):
            event(type_)  # `--hypothesis-show-statistics`: what the histories held


# --- readable examples ----------------------------------------------------------------
def resolve_at(world: World, seq: int, **ref: Any) -> ResolvedProfile | None:
    with world.tx(write=False) as tx:
        return answered(tx, ProfileRef(**ref), seq)


def last_seq(world: World) -> int:
    with world.tx(write=False) as tx:
        return tx.last_seq()


def in_tx(world: World, work: Callable[[Transaction], Any]) -> Any:
    with world.tx() as tx:
        return work(tx)


def test_an_identifier_resolves_to_whoever_held_it_then(world: World) -> None:
    """Before its link nobody held it; after a merge the survivor did, with both
    profiles' identifiers; after the undo the first profile again, as it was."""
    ann = world.person("email:ann@x.io", attributes={"plan": "free"})
    linked = last_seq(world)
    bob = world.person("device:d1", external_id="u-bob")
    merge_id = in_tx(
        world, lambda tx: merges.merge(tx, ProfileRef.by_id(bob), ProfileRef.by_id(ann))
    ).merge_id
    in_tx(world, lambda tx: merges.unmerge(tx, merge_id))

    assert resolve_at(world, linked - 1, namespace="email", value="ann@x.io") is None
    first = resolve_at(world, linked, namespace="email", value="ANN@x.io")
    assert first is not None
    assert first.profile.id == ann
    assert first.profile.attributes == {"plan": "free"}
    merged = resolve_at(world, merge_id, namespace="email", value="ann@x.io")
    assert merged is not None
    assert merged.profile.id == bob
    assert sorted(i.value for i in merged.identifiers) == ["ann@x.io", "d1"]
    by_old_id = resolve_at(world, merge_id, profile_id=ann)
    assert by_old_id is not None
    assert by_old_id.profile.id == bob
    undone = resolve_at(world, merge_id + 1, namespace="email", value="ann@x.io")
    assert undone is not None
    assert undone.profile.id == ann
    assert [i.value for i in undone.identifiers] == ["ann@x.io"]


def test_a_renamed_identifier_answers_under_its_old_value_before_the_rename(
    world: World,
) -> None:
    world.person("device:d1")
    in_tx(world, lambda tx: identities.rename(tx, "device", "d1", "d2"))
    renamed = last_seq(world)
    assert resolve_at(world, renamed - 1, namespace="device", value="d1") is not None
    assert resolve_at(world, renamed - 1, namespace="device", value="d2") is None
    assert resolve_at(world, renamed, namespace="device", value="d1") is None
    assert resolve_at(world, renamed, namespace="device", value="d2") is not None


def test_an_erased_identifier_never_reappears_in_the_past(world: World) -> None:
    """Held by Bob first, unlinked, then by Ann who is erased: the value answers at no
    moment, Bob's past answers leave it out, and the log quotes it nowhere."""
    bob = world.person("email:ann@x.io", "device:d1")
    in_tx(world, lambda tx: identities.unlink(tx, "email", "ann@x.io"))
    bob_held_it = last_seq(world) - 1
    ann = world.person("email:ann@x.io")
    in_tx(world, lambda tx: erasure.delete_profile(tx, ProfileRef.by_id(ann)))
    for seq in range(last_seq(world) + 1):
        assert resolve_at(world, seq, namespace="email", value="ann@x.io") is None
        assert resolve_at(world, seq, profile_id=ann) is None
    then = resolve_at(world, bob_held_it, profile_id=bob)
    assert then is not None
    assert [i.value for i in then.identifiers] == ["d1"]
    with world.tx(write=False) as tx:
        assert "ann@x.io" not in repr([e.payload for e in tx.all_events()])
        assert tx.holders_ever([IdentifierKey("email", "ann@x.io")]) == set()


def test_a_value_the_erased_person_held_before_leaves_every_holders_past(
    world: World,
) -> None:
    """Bob held it, then Ann, who renamed it away before she was erased: it was hers
    (nobody holds it now), so it answers at no moment and Bob's past leaves it out."""
    bob = world.person("email:ann@x.io", "device:d1")
    in_tx(world, lambda tx: identities.unlink(tx, "email", "ann@x.io"))
    bob_held_it = last_seq(world) - 1
    ann = world.person("email:ann@x.io")
    in_tx(world, lambda tx: identities.rename(tx, "email", "ann@x.io", "ann2@x.io"))
    in_tx(world, lambda tx: erasure.delete_profile(tx, ProfileRef.by_id(ann)))
    for seq in range(last_seq(world) + 1):
        assert resolve_at(world, seq, namespace="email", value="ann@x.io") is None
    then = resolve_at(world, bob_held_it, profile_id=bob)
    assert then is not None
    assert [i.value for i in then.identifiers] == ["d1"]
    with world.tx(write=False) as tx:
        assert "ann@x.io" not in repr([e.payload for e in tx.all_events()])


def test_an_external_id_resolves_to_its_holder_then(world: World) -> None:
    """An anonymous profile identified as an existing user is merged into it: before,
    the external id was the user's; the merged profile's id forwards to it after."""
    anon = world.person("device:d1")
    user = world.person("email:ann@x.io", external_id="u-1")
    before = last_seq(world)
    in_tx(world, lambda tx: identities.identify(tx, ProfileRef.by_id(anon), "u-1"))
    found = resolve_at(world, before, external_id="u-1")
    assert found is not None
    assert found.profile.id == user
    assert resolve_at(world, before - 1, external_id="u-1") is None
    after = resolve_at(world, last_seq(world), profile_id=anon)
    assert after is not None
    assert after.profile.id == user


def test_a_time_maps_to_the_last_event_at_or_before_it(world: World) -> None:
    world.person("email:ann@x.io")
    world.person("email:bob@x.io")
    with world.tx(write=False) as tx:
        log = list(tx.all_events())
        for e in log:
            assert tx.seq_at(e.at) == max(x.seq for x in log if x.at <= e.at)
        assert tx.seq_at(log[0].at - timedelta(microseconds=1)) == 0
        assert as_of.moment(tx, log[-1].at + timedelta(days=1), None) == log[-1].seq


@pytest.mark.parametrize(
    ("at", "seq", "field"),
    [
        (None, -1, "as_of_seq"),
        (datetime(2026, 1, 1), None, "as_of"),  # naive: the time under test
        (datetime(2026, 1, 1, tzinfo=UTC), 3, "as_of_seq"),
    ],
)
def test_a_bad_moment_is_refused_naming_the_parameter(
    world: World, at: datetime | None, seq: int | None, field: str
) -> None:
    """A negative seq, a time without an offset, or both forms at once."""
    with world.tx(write=False) as tx, pytest.raises(AkaError) as refused:
        as_of.moment(tx, at, seq)
    assert (refused.value.code, refused.value.field) == (Code.INVALID_INPUT, field)


def test_a_renamed_external_id_answers_as_current_before_and_as_deprecated_after(
    world: World,
) -> None:
    """ADR 0024 and 0025: before the rename the old id was the profile's external id;
    after it, a deprecated identifier of the same profile, until removed."""
    ann = world.person("email:ann@x.io", external_id="u-1")
    before = last_seq(world)
    in_tx(world, lambda tx: renames.rename_external_id(tx, ProfileRef.by_id(ann), "u-2"))
    renamed = last_seq(world)
    in_tx(world, lambda tx: renames.remove_deprecated_external_id(tx, "u-1"))
    then = resolve_at(world, before, external_id="u-1")
    assert then is not None
    assert (then.profile.id, then.profile.external_id) == (ann, "u-1")
    assert resolve_at(world, before, external_id="u-2") is None
    after = resolve_at(world, renamed, external_id="u-1")
    assert after is not None
    assert after.profile.external_id == "u-2"
    assert next((i.namespace, i.value, i.deprecated) for i in after.identifiers) == (
        ev.EXTERNAL_IDS,
        "u-1",
        True,
    )
    assert resolve_at(world, last_seq(world), external_id="u-1") is None
