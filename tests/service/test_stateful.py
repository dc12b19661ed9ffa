"""Random sequences of identity operations against a tiny reference model.

Hypothesis drives link / unlink / rename / identify / merge (with and without force) /
unmerge / delete / create / update_attributes / add_member / remove_member / external id
renames and removals of deprecated ids (ADR 0024) on a fresh
store of each backend, with a pool of values small enough that conflicts, limits and
chains of merges happen all the time. The model below is written from the invariants
in docs/architecture.md, not from our code: who owns each identifier, which profiles are
tombstones of which, who holds which external id, and what each merge moved. After
every step:

- `check_workspace` finds no violation of invariants 1-4 (the log replays to the graph);
- every identifier is on the same profile in the service as in the model (the exact
  owner, which is stronger than agreeing on the partition into people), with the same
  primary and disabled flags;
- tombstones forward to the same profile, and external ids sit on the same profiles;

and every operation was refused exactly when the model says so, with the model's code.
"""

from __future__ import annotations

import shutil
import tempfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    invariant,
    multiple,
    precondition,
    rule,
)

from aka.core.errors import AkaError, Code
from aka.core.ports import Store, Transaction
from aka.core.settings import WorkspaceSettings
from aka.service import erasure, groups, identities, merges, renames
from aka.service.check import check_workspace
from aka.service.identities import LinkOutcome, NewIdentifier
from aka.service.refs import ProfileRef
from tests.backends import open_backend

Key = tuple[str, str]

# Few values per namespace, so that links collide. `email` compares case-insensitively,
# so "ann@x.io" and "ANN@x.io" are one identifier; "null" is blocked everywhere.
POOL: dict[str, list[str]] = {
    "email": ["ann@x.io", "ANN@x.io", "bob@x.io", "Cy@x.io"],
    "device": ["d1", "d2", "d3", "d4"],
    "crm id": ["1", "2", "null"],
}
LIMITS = {"device": 2}  # a small per-profile limit, so merges and links hit it
DEFAULT_LIMIT = 100
EXTERNAL_IDS = st.sampled_from(["u1", "u2", "u3"])
ITEMS = st.sampled_from([(ns, v) for ns, values in POOL.items() for v in values])
# Attribute patches over two names (None removes one), so merges add and undo removes.
Attributes = dict[str, str | None]
ATTRIBUTES = st.dictionaries(
    st.sampled_from(["city", "plan"]), st.sampled_from(["Oslo", "Bergen", None]), max_size=2
)


RENAMED = "aka:external_id"  # the namespace of deprecated external ids (ADR 0024)


def lookup(namespace: str, value: str) -> Key:
    return (namespace, value.lower() if namespace == "email" else value)


def normalised(namespace: str, value: str) -> Key | Code:
    """The stored key of a submitted identifier, or the refusal's code."""
    if value.casefold() == "null":
        return Code.VALUE_BLOCKED
    return lookup(namespace, value)


# --- the reference model ---------------------------------------------------------------


@dataclass
class Person:
    external_id: str | None = None
    merged_into: str | None = None  # set on a tombstone: the live profile it forwards to


@dataclass
class MergeRecord:
    keep: str
    gone: str
    moved: list[Key]
    tombstones: list[str]
    external_id: str | None
    demoted: list[Key]  # primaries that lost the flag because keep had one in the namespace
    step: int  # what the moved identifiers' `changed` says until something else touches them
    prior: dict[Key, int]  # each moved identifier's `changed` before the move
    undone: bool = False


@dataclass
class Model:
    auto: bool
    people: dict[str, Person] = field(default_factory=dict)  # live profiles and tombstones
    owner: dict[Key, str] = field(default_factory=dict)
    changed: dict[Key, int] = field(default_factory=dict)  # the step that last touched it
    primary: dict[Key, bool] = field(default_factory=dict)
    disabled: dict[Key, bool] = field(default_factory=dict)
    merges: dict[int, MergeRecord] = field(default_factory=dict)  # by the merge's seq
    step: int = 0

    def tick(self) -> int:
        self.step += 1
        return self.step

    # reading
    def live(self, pid: str) -> str | None:
        """The live profile a profile id points at (one hop from a tombstone), or None."""
        person = self.people.get(pid)
        if person is None:
            return None
        return person.merged_into or pid

    def identified(self, pid: str) -> bool:
        return self.people[pid].external_id is not None

    def held(self, pid: str) -> list[Key]:
        return [k for k, owner in self.owner.items() if owner == pid]

    def holder_of(self, external_id: str) -> str | None:
        """Who the external id names: its current holder, else the profile it was
        renamed away from (a deprecated id still names it until removed)."""
        for pid, person in self.people.items():
            if person.external_id == external_id:
                return self.live(pid)
        return self.owner.get((RENAMED, external_id))

    def count(self, pid: str, namespace: str) -> int:
        return sum(1 for ns, _ in self.held(pid) if ns == namespace)

    # changing
    def put(self, key: Key, pid: str) -> None:
        self.owner[key] = pid
        self.changed[key] = self.step

    def link(self, key: Key, pid: str, *, primary: bool) -> None:
        self.put(key, pid)
        self.primary[key], self.disabled[key] = primary, False
        if primary:
            self.demote_others(key)

    def demote_others(self, key: Key) -> None:
        """At most one primary per namespace per profile: the newest one wins."""
        for other in self.held(self.owner[key]):
            if other != key and other[0] == key[0] and self.primary[other]:
                self.primary[other] = False
                self.changed[other] = self.step

    def drop(self, key: Key) -> None:
        for facts in (self.owner, self.changed, self.primary, self.disabled):
            del facts[key]

    def merge_refusal(self, keep: str, gone: str, *, force: bool) -> Code | None:
        if keep == gone:
            return Code.MERGE_SAME_PROFILE
        if self.identified(keep) and self.identified(gone) and not force:
            return Code.MERGE_BOTH_IDENTIFIED
        counts = Counter(ns for ns, _ in self.held(keep) + self.held(gone))
        if any(n > LIMITS.get(ns, DEFAULT_LIMIT) for ns, n in counts.items()):
            return Code.NAMESPACE_LIMIT
        return None

    def merge(self, seq: int, keep: str, gone: str) -> None:
        """Everything of `gone` moves to `keep`; every tombstone of `gone` forwards to keep."""
        step = self.tick()
        moved = self.held(gone)
        prior = {key: self.changed[key] for key in moved}
        keep_primaries = {ns for ns, v in self.held(keep) if self.primary[(ns, v)]}
        demoted = [k for k in moved if self.primary[k] and k[0] in keep_primaries]
        for key in moved:
            self.put(key, keep)
        for key in demoted:
            self.primary[key] = False
        tombstones = [pid for pid, p in self.people.items() if p.merged_into == gone]
        for pid in tombstones:
            self.people[pid].merged_into = keep
        moved_id = None
        if self.people[keep].external_id is None and self.people[gone].external_id is not None:
            moved_id = self.people[gone].external_id
            self.people[keep].external_id, self.people[gone].external_id = moved_id, None
        self.people[gone].merged_into = keep
        self.merges[seq] = MergeRecord(
            keep, gone, moved, tombstones, moved_id, demoted, step, prior
        )

    def unmerge_refusal(self, seq: int) -> Code | None:
        record = self.merges.get(seq)
        if record is None:
            return Code.MERGE_NOT_FOUND
        if record.undone:
            return Code.MERGE_ALREADY_UNDONE
        keep, gone = self.people.get(record.keep), self.people.get(record.gone)
        if keep is None or gone is None:  # deleted
            return Code.MERGE_NOT_UNDOABLE
        if keep.merged_into is not None or gone.merged_into != record.keep:
            return Code.MERGE_NOT_UNDOABLE
        return None

    def unmerge(self, seq: int) -> None:
        """Put back what the merge moved and nothing touched since, as it was before the
        merge (so an older merge of the same identifiers stays undoable); revive `gone`."""
        record = self.merges[seq]
        self.tick()
        for key in record.moved:
            if self.owner.get(key) == record.keep and self.changed[key] == record.step:
                self.owner[key] = record.gone
                self.changed[key] = record.prior[key]
                if key in record.demoted:
                    self.primary[key] = True
        for pid in record.tombstones:
            if pid in self.people and self.people[pid].merged_into == record.keep:
                self.people[pid].merged_into = record.gone
        keep, gone = self.people[record.keep], self.people[record.gone]
        if record.external_id is not None and keep.external_id == record.external_id:
            keep.external_id, gone.external_id = None, record.external_id
        gone.merged_into = None
        record.undone = True

    def delete(self, pid: str) -> None:
        for key in self.held(pid):
            self.drop(key)
        for other in [p for p, person in self.people.items() if pid in (p, person.merged_into)]:
            del self.people[other]


# --- the machine -----------------------------------------------------------------------


class AliasMachine(RuleBasedStateMachine):
    auto = False
    backend = "memory"
    profiles = Bundle("profiles")

    def __init__(self) -> None:
        super().__init__()
        self.directory = Path(tempfile.mkdtemp(prefix="aka-stateful-"))
        self.store: Store = open_backend(self.backend, self.directory)
        patch: dict[str, Any] = {
            "merge_policy": "auto" if self.auto else "refuse",
            "namespaces": {ns: {"max_per_profile": n} for ns, n in LIMITS.items()},
        }
        self.store.create_workspace("default", WorkspaceSettings().updated(patch))
        self.model = Model(self.auto)

    def teardown(self) -> None:
        self.store.close()
        shutil.rmtree(self.directory, ignore_errors=True)

    def attempt(self, expected: Code | None, operation: Callable[[Transaction], Any]) -> Any:
        """Run one operation in its own transaction; it must be refused exactly when the
        model expects a refusal, with the expected code. Returns its result, or None."""
        refusal: AkaError | None = None
        try:
            with self.store.transaction("default") as tx:
                result = operation(tx)
        except AkaError as error:
            refusal = error
        if refusal is not None:
            assert expected is not None, f"refused ({refusal.code}: {refusal.message}); model: ok"
            assert refusal.code is expected, f"refused with {refusal.code}; model: {expected}"
            return None
        assert expected is None, f"allowed; model expected {expected}"
        return result

    # --- creating ------------------------------------------------------------------
    @rule(
        target=profiles,
        external_id=st.none() | EXTERNAL_IDS,
        flagged=st.lists(st.tuples(ITEMS, st.booleans()), max_size=3),
        attributes=ATTRIBUTES,
    )
    def create(
        self, external_id: str | None, flagged: list[tuple[Key, bool]], attributes: Attributes
    ) -> Any:
        """`flagged`: (identifier, primary) pairs."""
        items = [item for item, _ in flagged]
        expected = self._create_refusal(external_id, items)
        result = self.attempt(
            expected,
            lambda tx: identities.create_profile(
                tx,
                external_id=external_id,
                attributes={k: v for k, v in attributes.items() if v is not None},
                identifiers=[NewIdentifier(*i, primary=p) for i, p in flagged],
            ),
        )
        if result is None:
            return multiple()
        pid = result.profile.id
        self.model.tick()
        self.model.people[pid] = Person(external_id)
        for (ns, value), primary in flagged:
            self.model.link(lookup(ns, value), pid, primary=primary)
        return pid

    def _create_refusal(self, external_id: str | None, items: list[Key]) -> Code | None:
        """The request's own faults first (each identifier in turn, then the namespace
        counts), then what the graph holds (the external id, then each identifier)."""
        seen: list[Key] = []
        for ns, value in items:
            key = normalised(ns, value)
            if isinstance(key, Code):
                return key
            if key in seen:
                return Code.INVALID_INPUT
            seen.append(key)
        counts = Counter(ns for ns, _ in seen)
        if any(n > LIMITS.get(ns, DEFAULT_LIMIT) for ns, n in counts.items()):
            return Code.NAMESPACE_LIMIT
        if external_id is not None and self.model.holder_of(external_id) is not None:
            return Code.EXTERNAL_ID_CONFLICT
        if any(key in self.model.owner for key in seen):
            return Code.IDENTIFIER_CONFLICT
        return None

    # --- linking -------------------------------------------------------------------
    @rule(target=profiles, item=ITEMS, primary=st.booleans())
    def link_anonymous(self, item: Key, primary: bool) -> Any:
        key = normalised(*item)
        expected = key if isinstance(key, Code) else None
        if expected is None and key in self.model.owner:
            expected = Code.IDENTIFIER_CONFLICT
        result = self.attempt(
            expected, lambda tx: identities.link(tx, None, NewIdentifier(*item, primary=primary))
        )
        if result is None:
            return multiple()
        assert not isinstance(key, Code)
        pid = result.profile.profile.id
        self.model.tick()
        self.model.people[pid] = Person()
        self.model.link(key, pid, primary=primary)
        return pid

    @rule(target_id=profiles, item=ITEMS, primary=st.booleans())
    def link(self, target_id: str, item: Key, primary: bool) -> None:
        key = normalised(*item)
        target = self.model.live(target_id)
        plan: tuple[str, ...] = ()
        expected: Code | None = None
        if isinstance(key, Code):
            expected = key
        elif target is None:
            expected = Code.PROFILE_NOT_FOUND
        elif (owner := self.model.owner.get(key)) == target:
            plan = ("existing",)
        elif owner is not None:
            if not self.model.auto or (
                self.model.identified(owner) and self.model.identified(target)
            ):
                expected = Code.IDENTIFIER_CONFLICT
            else:
                keep, gone = (owner, target) if self.model.identified(owner) else (target, owner)
                expected = self.model.merge_refusal(keep, gone, force=False)
                plan = ("merged", keep, gone)
        elif self.model.count(target, key[0]) >= LIMITS.get(key[0], DEFAULT_LIMIT):
            expected = Code.NAMESPACE_LIMIT
        else:
            plan = ("linked",)

        result = self.attempt(
            expected,
            lambda tx: identities.link(
                tx, ProfileRef(target_id), NewIdentifier(*item, primary=primary)
            ),
        )
        if result is None:
            return
        assert target is not None
        assert not isinstance(key, Code)
        assert result.outcome is LinkOutcome(plan[0])
        if plan[0] == "merged":
            self.model.merge(result.merge_id, plan[1], plan[2])
        elif plan[0] == "linked":
            self.model.tick()
            self.model.link(key, target, primary=primary)

    def held_or_any(self, data: st.DataObject) -> Key:
        """Half the time an identifier someone holds, else any from the pool."""
        held = st.sampled_from(sorted(self.model.owner)) if self.model.owner else ITEMS
        return data.draw(st.one_of(held, ITEMS), label="identifier")

    @rule(data=st.data())
    def unlink(self, data: st.DataObject) -> None:
        item = self.held_or_any(data)
        key = lookup(*item)
        expected = None if key in self.model.owner else Code.IDENTIFIER_NOT_FOUND
        if self.attempt(expected, lambda tx: identities.unlink(tx, *item)) is not None:
            self.model.tick()
            self.model.drop(key)

    @rule(data=st.data())
    def rename(self, data: st.DataObject) -> None:
        item = self.held_or_any(data)
        new_value = data.draw(st.sampled_from(POOL.get(item[0], ["v"])), label="new_value")
        old, new = lookup(*item), normalised(item[0], new_value)
        expected: Code | None = None
        if old not in self.model.owner:
            expected = Code.IDENTIFIER_NOT_FOUND
        elif item[0] == RENAMED:
            expected = Code.NAMESPACE_INVALID  # only a rename of the profile writes there
        elif isinstance(new, Code):
            expected = new
        elif new != old and new in self.model.owner:
            expected = Code.IDENTIFIER_CONFLICT
        result = self.attempt(expected, lambda tx: identities.rename(tx, *item, new_value))
        if result is not None and new != old:
            assert not isinstance(new, Code)
            pid, primary, disabled = (
                self.model.owner[old],
                self.model.primary[old],
                self.model.disabled[old],
            )
            self.model.tick()
            self.model.drop(old)
            self.model.put(new, pid)
            self.model.primary[new], self.model.disabled[new] = primary, disabled

    @rule(data=st.data(), primary=st.none() | st.booleans(), disabled=st.none() | st.booleans())
    def update_identifier(
        self, data: st.DataObject, primary: bool | None, disabled: bool | None
    ) -> None:
        item = self.held_or_any(data)
        key = lookup(*item)
        expected = None if key in self.model.owner else Code.IDENTIFIER_NOT_FOUND
        result = self.attempt(
            expected,
            lambda tx: identities.update_identifier(tx, *item, primary=primary, disabled=disabled),
        )
        if result is None:
            return
        changes = {
            name: value
            for name, value, now in (
                ("primary", primary, self.model.primary[key]),
                ("disabled", disabled, self.model.disabled[key]),
            )
            if value is not None and value != now
        }
        if changes:  # nothing changed: no event, so nothing counts as touched
            self.model.tick()
            self.model.changed[key] = self.model.step
            self.model.disabled[key] = changes.get("disabled", self.model.disabled[key])
            if "primary" in changes:
                self.model.primary[key] = changes["primary"]
                if changes["primary"]:
                    self.model.demote_others(key)

    @rule(target_id=profiles, patch=ATTRIBUTES)
    def update_attributes(self, target_id: str, patch: Attributes) -> None:
        """Attributes are not modelled; the replay check (invariant 4) covers them."""
        expected = Code.PROFILE_NOT_FOUND if self.model.live(target_id) is None else None
        self.attempt(
            expected, lambda tx: identities.update_attributes(tx, ProfileRef(target_id), patch)
        )

    # --- group memberships ---------------------------------------------------------
    @rule(group_id=profiles, member_id=profiles)
    def add_member(self, group_id: str, member_id: str) -> None:
        """Edges are not modelled: invariants 2 and 4 and the store's own edges judge them."""
        group, member = self.model.live(group_id), self.model.live(member_id)
        expected: Code | None = None
        if group is None or member is None:
            expected = Code.PROFILE_NOT_FOUND
        elif group == member:
            expected = Code.GROUP_CYCLE
        self.attempt(
            expected,
            lambda tx: groups.add_member(tx, ProfileRef(group_id), ProfileRef(member_id)),
        )

    @rule(group_id=profiles, member_id=profiles)
    def remove_member(self, group_id: str, member_id: str) -> None:
        group, member = self.model.live(group_id), self.model.live(member_id)
        expected: Code | None = None
        if group is None or member is None:
            expected = Code.PROFILE_NOT_FOUND
        elif (group, member) not in self.edges():
            expected = Code.MEMBERSHIP_NOT_FOUND
        self.attempt(
            expected,
            lambda tx: groups.remove_member(tx, ProfileRef(group_id), ProfileRef(member_id)),
        )

    def edges(self) -> set[tuple[str, str]]:
        with self.store.transaction("default", write=False) as tx:
            return set(tx.graph().memberships)

    # --- identifying and merging ---------------------------------------------------
    @rule(target_id=profiles, external_id=EXTERNAL_IDS)
    def identify(self, target_id: str, external_id: str) -> None:
        target = self.model.live(target_id)
        owner = self.model.holder_of(external_id)
        expected: Code | None = None
        if target is None:
            expected = Code.PROFILE_NOT_FOUND
        elif owner != target and self.model.identified(target):
            expected = Code.ALREADY_IDENTIFIED
        elif owner is not None and owner != target:
            expected = self.model.merge_refusal(owner, target, force=False)
        result = self.attempt(
            expected, lambda tx: identities.identify(tx, ProfileRef(target_id), external_id)
        )
        if result is None or owner == target:
            return
        assert target is not None
        if owner is None:
            self.model.tick()
            self.model.people[target].external_id = external_id
            assert result.profile.id == target
        else:
            merge_seq = self._last_seq()
            self.model.merge(merge_seq, owner, target)
            assert result.profile.id == owner

    @rule(target_id=profiles, external_id=EXTERNAL_IDS)
    def rename_external_id(self, target_id: str, external_id: str) -> None:
        """The old id stays as a deprecated identifier of the profile; the new one must
        be free, except one of the profile's own deprecated ids, which it takes back."""
        target = self.model.live(target_id)
        kept = self.model.owner.get((RENAMED, external_id))
        current = [p for p in self.model.people.values() if p.external_id == external_id]
        expected: Code | None = None
        if target is None:
            expected = Code.PROFILE_NOT_FOUND
        elif not self.model.identified(target):
            expected = Code.NOT_IDENTIFIED
        elif self.model.people[target].external_id == external_id:
            expected = None
        elif current or (kept is not None and kept != target):
            expected = Code.EXTERNAL_ID_CONFLICT
        result = self.attempt(
            expected,
            lambda tx: renames.rename_external_id(tx, ProfileRef(target_id), external_id),
        )
        if result is None or target is None:
            return
        previous = self.model.people[target].external_id
        if previous == external_id:
            return
        assert previous is not None
        self.model.tick()
        if kept is not None:
            self.model.drop((RENAMED, external_id))
        self.model.people[target].external_id = external_id
        self.model.link((RENAMED, previous), target, primary=False)

    @rule(external_id=EXTERNAL_IDS)
    def remove_deprecated_external_id(self, external_id: str) -> None:
        key = (RENAMED, external_id)
        expected: Code | None = None
        if key not in self.model.owner:
            current = any(p.external_id == external_id for p in self.model.people.values())
            expected = Code.EXTERNAL_ID_NOT_DEPRECATED if current else Code.IDENTIFIER_NOT_FOUND
        result = self.attempt(
            expected, lambda tx: renames.remove_deprecated_external_id(tx, external_id)
        )
        if result is not None:
            self.model.tick()
            self.model.drop(key)

    @rule(keep_id=profiles, gone_id=profiles, force=st.booleans())
    def merge(self, keep_id: str, gone_id: str, force: bool) -> None:
        keep, gone = self.model.live(keep_id), self.model.live(gone_id)
        if keep is None or gone is None:
            expected: Code | None = Code.PROFILE_NOT_FOUND
        else:
            expected = self.model.merge_refusal(keep, gone, force=force)
        result = self.attempt(
            expected,
            lambda tx: merges.merge(tx, ProfileRef(keep_id), ProfileRef(gone_id), force=force),
        )
        if result is not None:
            assert keep is not None
            assert gone is not None
            self.model.merge(result.merge_id, keep, gone)

    @precondition(lambda self: len(self.live_profiles()) >= 2)
    @rule(data=st.data(), force=st.booleans())
    def merge_two_live_profiles(self, data: st.DataObject, force: bool) -> None:
        """Merges through the bundle are often refused; these two always exist."""
        live = self.live_profiles()
        keep = data.draw(st.sampled_from(live), label="keep")
        gone = data.draw(st.sampled_from([p for p in live if p != keep]), label="gone")
        self.merge(keep, gone, force)

    @precondition(lambda self: self.model.merges)
    @rule(data=st.data())
    def unmerge(self, data: st.DataObject) -> None:
        """Mostly a merge not undone yet, else any merge (perhaps already undone) or any
        event at all (mostly not a merge)."""
        merged = sorted(self.model.merges)
        pending = [seq for seq in merged if not self.model.merges[seq].undone] or merged
        choices = st.one_of(st.sampled_from(pending), st.sampled_from(merged), st.integers(1, 80))
        self._unmerge(data.draw(choices, label="merge_id"))

    @precondition(lambda self: any(not r.undone for r in self.model.merges.values()))
    @rule()
    def unmerge_the_newest(self) -> None:
        """Undoing the newest merge first is what people do; chains of undo follow."""
        self._unmerge(max(seq for seq, r in self.model.merges.items() if not r.undone))

    def _unmerge(self, seq: int) -> None:
        expected = self.model.unmerge_refusal(seq)
        if self.attempt(expected, lambda tx: merges.unmerge(tx, seq)) is not None:
            self.model.unmerge(seq)

    @precondition(lambda self: len(self.live_profiles()) >= 3)
    @rule(target_id=profiles)
    def delete(self, target_id: str) -> None:
        target = self.model.live(target_id)
        expected = Code.PROFILE_NOT_FOUND if target is None else None
        if self.attempt(expected, lambda tx: erasure.delete_profile(tx, ProfileRef(target_id))):
            assert target is not None
            self.model.tick()
            self.model.delete(target)

    # --- checking ------------------------------------------------------------------
    def live_profiles(self) -> list[str]:
        return sorted(p for p, person in self.model.people.items() if person.merged_into is None)

    def _last_seq(self) -> int:
        with self.store.transaction("default", write=False) as tx:
            return max(e.seq for e in tx.all_events())

    @invariant()
    def the_graph_keeps_its_invariants_and_matches_the_model(self) -> None:
        with self.store.transaction("default", write=False) as tx:
            assert check_workspace(tx) == []
            graph = tx.graph()
        owners = {
            (k.namespace, k.value): (i.profile_id, i.primary, i.disabled)
            for k, i in graph.identifiers.items()
        }
        m = self.model
        assert owners == {k: (pid, m.primary[k], m.disabled[k]) for k, pid in m.owner.items()}
        assert {pid: (p.external_id, p.merged_into) for pid, p in graph.profiles.items()} == {
            pid: (p.external_id, p.merged_into) for pid, p in self.model.people.items()
        }


STEPS = settings(
    max_examples=150,
    stateful_step_count=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
# Each SQL example opens (SQLite: creates and migrates) a database of its own.
SQL_STEPS = settings(STEPS, max_examples=20)


@STEPS
class RefusePolicyOnMemory(AliasMachine):
    pass


@STEPS
class AutoPolicyOnMemory(AliasMachine):
    auto = True


@SQL_STEPS
class RefusePolicyOnSqlite(AliasMachine):
    backend = "sqlite"


@SQL_STEPS
class AutoPolicyOnSqlite(AliasMachine):
    backend = "sqlite"
    auto = True


@SQL_STEPS
class RefusePolicyOnPostgres(AliasMachine):
    backend = "postgres"


@SQL_STEPS
class AutoPolicyOnPostgres(AliasMachine):
    backend = "postgres"
    auto = True


TestRefusePolicyOnMemory = RefusePolicyOnMemory.TestCase
TestAutoPolicyOnMemory = AutoPolicyOnMemory.TestCase
TestRefusePolicyOnSqlite = RefusePolicyOnSqlite.TestCase
TestAutoPolicyOnSqlite = AutoPolicyOnSqlite.TestCase
TestRefusePolicyOnPostgres = RefusePolicyOnPostgres.TestCase
TestAutoPolicyOnPostgres = AutoPolicyOnPostgres.TestCase
