"""A key's namespace limit applied to a transaction (ADR 0026): the thin layer every
door shares, so no door and no use case restates the rule (`core.namespace_scope`).

`ScopedTransaction` is the transaction as a limited key's use cases see it:
- a lookup of an identifier in another namespace finds nothing, as if it did not exist
  (by key, many keys, a domain, a shared field named like a namespace);
- every change appended is checked first (`NamespaceScope.check_change`): one that would
  touch another namespace's identifier is refused, before the store or the buffer
  sees it;
- everything else is the transaction's own, unfiltered: the graph rules decide on the
  whole truth (a merge moves every identifier, a cap counts every one), and what they
  would do to another namespace is what the change check refuses.
Answers are filtered once, by the engine, on the outcome (`NamespaceScope.redact`).

`Scoped` carries a key's scope with a command through group commit, batches and
background jobs, whose rounds mix commands of several keys and run outside the
request's context.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar, cast

from aka.core import events as ev
from aka.core.events import Change
from aka.core.model import Event, Identifier, IdentifierKey, Profile
from aka.core.namespace_scope import NamespaceScope
from aka.core.ports import PushRecord, PushRecords, Transaction
from aka.service.commands import Command, Reads

T = TypeVar("T")


class ScopedTransaction:
    """`tx` as a key limited to `scope` sees and changes it (see the module doc)."""

    def __init__(self, tx: Transaction, scope: NamespaceScope) -> None:
        self._tx = tx
        self._scope = scope

    def __getattr__(self, name: str) -> Any:
        return getattr(self._tx, name)

    def identifier(self, key: IdentifierKey) -> Identifier | None:
        return self._tx.identifier(key) if self._scope.allows(key.namespace) else None

    def identifiers_by_keys(
        self, keys: Collection[IdentifierKey]
    ) -> dict[IdentifierKey, Identifier]:
        return self._tx.identifiers_by_keys([k for k in keys if self._scope.allows(k.namespace)])

    def identifier_at(self, key: IdentifierKey, seq: int) -> Identifier | None:
        # The past is looked up by key too (resolve as of a moment, ADR 0025).
        return self._tx.identifier_at(key, seq) if self._scope.allows(key.namespace) else None

    def identifiers_in_domain(self, namespace: str, domain: str, limit: int) -> list[Identifier]:
        if not self._scope.allows(namespace):
            return []
        return self._tx.identifiers_in_domain(namespace, domain, limit)

    def profiles_with_field(self, name: str, value: str, limit: int) -> list[Profile]:
        # A value several users may share (Braze's email, phone: ADR 0018) is the field
        # of the namespace of that name: found only by a key that may use it.
        if not self._scope.allows(name):
            return []
        return self._tx.profiles_with_field(name, value, limit)

    @property
    def push_records(self) -> PushRecords:
        return cast(PushRecords, ScopedPushRecords(self._tx.push_records, self._scope))

    def append(self, change: Change) -> Event:
        self._check(change)
        return self._tx.append(change)

    def append_many(self, changes: Sequence[Change], at: datetime) -> list[Event]:
        for change in changes:
            self._check(change)
        return self._tx.append_many(changes, at)

    def _check(self, change: Change) -> None:
        before = None
        if change.type == ev.PROFILE_UPDATED and change.profile_id and self._scope.hidden_fields():
            # The event holds the whole new map: what it changes is against the old one.
            found = self._tx.profile(change.profile_id)
            before = found.attributes if found is not None else None
        self._scope.check_change(change, before)


class ScopedPushRecords:
    """Coveo's push records (what each push wrote, and its ordering id) as a limited key
    sees them: another namespace's look absent, and writing one is refused, since its
    ordering id would decide whether later pushes by other keys apply."""

    def __init__(self, records: PushRecords, scope: NamespaceScope) -> None:
        self._records = records
        self._scope = scope

    def __getattr__(self, name: str) -> Any:
        return getattr(self._records, name)

    def get(self, key: IdentifierKey) -> PushRecord | None:
        return self._records.get(key) if self._scope.allows(key.namespace) else None

    def put(self, key: IdentifierKey, record: PushRecord) -> None:
        if not self._scope.allows(key.namespace):
            raise self._scope.refusal(key.namespace)
        self._records.put(key, record)

    def older_than(self, namespace: str, ordering_id: int) -> list[IdentifierKey]:
        if not self._scope.allows(namespace):
            return []
        return self._records.older_than(namespace, ordering_id)


def scoped(tx: Transaction, scope: NamespaceScope) -> Transaction:
    """`tx` as a key limited to `scope` sees it; `tx` itself for a key without limit."""
    if not scope.limited:
        return tx
    return cast(Transaction, ScopedTransaction(tx, scope))


def scoped_work(work: Callable[[Transaction], T], scope: NamespaceScope) -> Callable[[Any], T]:
    """`work` run on the scoped transaction, its answer redacted."""
    if not scope.limited:
        return work

    def run(tx: Transaction) -> T:
        return cast(T, scope.redact(work(scoped(tx, scope))))

    return run


@dataclass(frozen=True, slots=True)
class Scoped(Command[T]):
    """A command asked for by a key limited to `scope`: run on the scoped transaction.
    (Not a `SetCommand`: a limited key's creates run one by one through the buffer, each
    change checked, rather than by the set-based path.)"""

    command: Command[T]
    scope: NamespaceScope

    @property
    def actor(self) -> str | None:
        return cast(str | None, getattr(self.command, "actor", None))

    def reads(self) -> Reads:
        return self.command.reads()

    @property
    def weight(self) -> int:
        return self.command.weight

    def run(self, tx: Transaction) -> T:
        return self.command.run(scoped(tx, self.scope))

    def operation(self) -> str:
        return self.command.operation()


def scoped_command(command: Command[T], scope: NamespaceScope) -> Command[T]:
    return command if not scope.limited else Scoped(command, scope)
