"""The command of `aka import` and the way a chunk of records runs: set-based for the
records that only create, the upsert rule (`transfer.upsert`) for the rest.

A chunk of a fresh import is mostly people the graph has never seen: records whose id,
external id and identifiers nobody holds. For those `upsert` can only create the
profile the record describes, so they are created the way a `/v1/batch` of creates is
(`new_profiles`): checked on their own once, the graph asked once per kind for the
whole chunk, and written by one `append_many` per run. Every other record (it names
something held, something an earlier record of the chunk names, a membership, a
disabled identifier, or it breaks a rule) runs `upsert` as it always did, on the
buffered engine; the runs keep the chunk's order, so the outcomes, the graph and the
event log are those of `apply_each`, the reference (tests/service/test_transfer.py
holds the two together).
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial

from aka.core import normalize
from aka.core.errors import AkaError
from aka.core.events import Change
from aka.core.ports import Transaction
from aka.core.settings import WorkspaceSettings
from aka.service import batch, bulk, new_profiles
from aka.service.commands import Alone, Reads, SetCommand
from aka.service.graph_commands import CreateProfile
from aka.service.new_profiles import Claims, NewProfile
from aka.service.transfer import (
    Action,
    MembershipRecord,
    Outcome,
    ProfileRecord,
    Record,
    upsert,
)


@dataclass(frozen=True, slots=True)
class ImportRecord(SetCommand[Outcome]):
    """`upsert` of one record: the command of `aka import`."""

    record: Record
    actor: str | None = None

    def reads(self) -> Reads:
        record = self.record
        if isinstance(record, MembershipRecord):
            group, member = record.group, record.member
            return Reads(profile_ids=[group, member], members=[member])
        return Reads(
            identifiers=[(item.namespace, item.value) for item in record.identifiers],
            profile_ids=[record.id] if record.id is not None else [],
            external_ids=[record.external_id] if record.external_id is not None else [],
        )

    @property
    def weight(self) -> int:
        return max(1, len(self.record.identifiers)) if isinstance(self.record, ProfileRecord) else 1

    def run(self, tx: Transaction) -> Outcome:
        return upsert(tx, self.record, actor=self.actor)

    @classmethod
    def run_set(cls, tx: Transaction, commands: Sequence[ImportRecord]) -> list[Outcome | AkaError]:
        return _Chunk(tx, commands).run()


def apply_chunk(
    tx: Transaction, records: Sequence[Record], *, actor: str | None = None
) -> list[Outcome | AkaError]:
    """Upsert each record in order, each standing or falling alone: its outcome, or its
    refusal with its changes undone. Later records see what earlier ones did.

    Runs the records' `ImportRecord` commands on `bulk.run_all`, the engine of `POST
    /v1/batch`. It gives the same outcomes and the same graph as `apply_each`."""
    return bulk.run_all(tx, [ImportRecord(record, actor) for record in records])


def apply_each(
    tx: Transaction, records: Sequence[Record], *, actor: str | None = None
) -> list[Outcome | AkaError]:
    """The reference engine of `apply_chunk`: one savepoint and one round of the
    ordinary use cases per record, straight on the transaction."""
    return [batch.attempt(tx, upsert, record, actor=actor) for record in records]


def plain_create(record: Record, settings: WorkspaceSettings) -> NewProfile | None:
    """The record as the profile `upsert` creates for it when the graph holds none of
    the names it gives; None when `upsert` may do anything else with it (a membership,
    a disabled identifier to reproduce, a deprecated one to refuse, a rule broken:
    `upsert` says which)."""
    if not isinstance(record, ProfileRecord):
        return None
    if record.id is None and record.external_id is None and not record.identifiers:
        return None  # `upsert` refuses it: nothing to find it again by
    if any(item.disabled or item.deprecated for item in record.identifiers):
        return None
    plan = CreateProfile(record.external_id, record.attributes, record.identifiers, record.id)
    made = plan.plan(settings)
    return None if isinstance(made, AkaError) else made


class _Chunk:
    """One run of import commands, in order: consecutive plain creates are written
    together, everything else runs `upsert` on the buffered engine."""

    def __init__(self, tx: Transaction, commands: Sequence[ImportRecord]) -> None:
        self._tx = tx
        self._commands = commands
        self._settings = tx.settings()
        self._plans = [plain_create(c.record, self._settings) for c in commands]
        self._claims = Claims(tx, [plan for plan in self._plans if plan is not None])
        self._results: list[Outcome | AkaError | None] = [None] * len(commands)

    def run(self) -> list[Outcome | AkaError]:
        creates: list[tuple[int, Change]] = []
        others: list[int] = []
        for n, plan in enumerate(self._plans):
            if plan is not None and self._claims.refusal(plan) is None:
                self._run_others(others)
                others = []
                pid = self._claims.claim(plan)
                creates.append((n, new_profiles.created_change(plan, pid, self._actor(n))))
            else:
                self._block(n)
                self._write_creates(creates)
                creates = []
                others.append(n)
        self._run_others(others)
        self._write_creates(creates)
        return [r for r in self._results if r is not None]

    def _actor(self, n: int) -> str | None:
        return self._commands[n].actor

    def _block(self, n: int) -> None:
        """The names a record that runs `upsert` may take: later records naming them
        run `upsert` too, after it."""
        record = self._commands[n].record
        if not isinstance(record, ProfileRecord):
            return
        settings, keys, exts = self._settings, [], []
        for item in record.identifiers:
            try:
                keys.append(normalize.lookup_key(item.namespace, item.value, settings))
            except AkaError:
                continue
        if record.external_id is not None:
            with contextlib.suppress(AkaError):
                exts.append(normalize.external_id(record.external_id))
        ids = [record.id.lower()] if isinstance(record.id, str) else []
        self._claims.block(profile_ids=ids, external_ids=exts, keys=keys)

    def _write_creates(self, creates: list[tuple[int, Change]]) -> None:
        if not creates:
            return
        tx = self._tx
        run = [self._commands[n] for n, _ in creates]
        outcomes = batch.set_or_each(tx, run, partial(_written, tx, creates))
        for (n, _), outcome in zip(creates, outcomes, strict=True):
            self._results[n] = outcome

    def _run_others(self, others: list[int]) -> None:
        if not others:
            return
        outcomes = bulk.run_all(self._tx, [Alone(self._commands[n]) for n in others])
        for n, outcome in zip(others, outcomes, strict=True):
            self._results[n] = outcome


def _written(tx: Transaction, creates: list[tuple[int, Change]]) -> list[Outcome | AkaError]:
    events = tx.append_many([change for _, change in creates], datetime.now(UTC))
    return [Outcome(Action.CREATED, str(e.profile_id)) for e in events]
