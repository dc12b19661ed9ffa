"""Commands: each write use case as a small frozen value.

A command holds what its caller asked for, decoded but not yet validated (the use case
validates, as it always did). It says what it will look up (`reads()`, derived from its
own fields, so that the bulk runner can prefetch a whole window of commands with one
query per kind), and `run(tx)` calls its use case and returns what the use case
returns: the command's outcome. Doors and the CLI build commands and fold the outcomes
into their wire shape; the engine (`aka.engine`) and `service.bulk` run lists of them,
each command standing or falling alone.

This module says what a command is (`Command`, `SetCommand`, `Reads`, `Alone`,
`Refuse`). The commands themselves: `graph_commands.py` (profiles, identifiers, merges,
memberships) and `vendor_commands.py` (aliases and email users with a vendor's options).
The graph rules stay in the use cases (`identities`, `links`, `merges`, `groups`,
`aliases`, `many_aliases`, `erasure`, `email_aliases`); a command only names one call
of them. Two use-case modules run commands themselves through the bulk runner and so
keep theirs beside them (the command modules cannot import a module that imports them):
`imports.ImportRecord` and the Coveo commands of `security_identities`.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from itertools import groupby
from typing import Any, ClassVar, Generic, Protocol, Self, TypeVar

from aka.core.errors import AkaError
from aka.core.ports import Transaction
from aka.service.refs import ProfileRef

O_co = TypeVar("O_co", covariant=True)
C = TypeVar("C", bound="_Acting")


class _Acting(Protocol):
    @property
    def actor(self) -> str | None: ...


@dataclass(frozen=True, slots=True)
class Reads:
    """What one command will look up, prefetched for a whole window of commands at once.

    Raw values, as the caller sent them: ones that fail to normalise are skipped by the
    prefetch and refused by the command itself. A read the prefetch did not cover is
    still answered (the buffer reads it then, one query): `reads()` decides how fast a
    command runs, never what it answers.
    """

    identifiers: Sequence[tuple[Any, Any]] = ()  # (namespace, value)
    profile_ids: Sequence[Any] = ()
    external_ids: Sequence[Any] = ()
    members: Sequence[Any] = ()  # profile ids whose groups it reads (`groups_of`)
    # True for a command the buffer does not model (a merge, an unlink, a rename...): it
    # runs straight on the real transaction, in a savepoint of its own, with nothing
    # prefetched for it.
    direct: bool = False

    DIRECT: ClassVar[Reads]
    NOTHING: ClassVar[Reads]


Reads.DIRECT = Reads(direct=True)
Reads.NOTHING = Reads()


class Command(ABC, Generic[O_co]):
    """One write use case as a value: frozen, acting only through the transaction it is
    given (so that running it again after a rollback is safe: group commit does)."""

    __slots__ = ()

    def reads(self) -> Reads:
        """What `run` will look up. By default the command runs direct."""
        return Reads.DIRECT

    @property
    def weight(self) -> int:
        """How many items it holds (identifiers, members): what group commit's cap and
        the engine's heavy threshold count."""
        return 1

    @abstractmethod
    def run(self, tx: Transaction) -> O_co:
        """Call the use case in `tx`; its result is the outcome, an AkaError its refusal."""

    def operation(self) -> str:
        """What it is, for metrics (`aka_graph_operations_total`): its class's name in
        snake case (`UndoMerge`: `undo_merge`), a bounded set of values, the same
        whichever door asked. A wrapper names what it wraps."""
        return _snake(type(self).__name__)


@cache
def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name.lstrip("_")).lower()


class SetCommand(Command[O_co]):
    """A command whose consecutive runs the engine hands over whole: `run_set` runs a
    list of them set-based (one read per kind, one `append_many`), with the outcomes
    and the graph that running each alone in turn would give."""

    __slots__ = ()

    @classmethod
    @abstractmethod
    def run_set(cls, tx: Transaction, commands: Sequence[Self]) -> list[O_co | AkaError]:
        """Each command's outcome, or its refusal, in order; writes nothing refused."""


@dataclass(frozen=True, slots=True)
class Alone(Command[O_co]):
    """A command run as any other, on its own (through the buffer): what a set runner
    hands back to the engine for the commands its set-based path does not take."""

    command: Command[O_co]

    def reads(self) -> Reads:
        return self.command.reads()

    @property
    def weight(self) -> int:
        return self.command.weight

    def run(self, tx: Transaction) -> O_co:
        return self.command.run(tx)

    def operation(self) -> str:
        return self.command.operation()


def reading(
    *refs: ProfileRef | None,
    identifiers: Iterable[tuple[Any, Any]] = (),
    profile_ids: Iterable[Any] = (),
    external_ids: Iterable[Any] = (),
    members: Iterable[Any] = (),
) -> Reads:
    """Reads of these lookups plus whatever `refs.find` looks up for each reference."""
    idents, ids, exts = list(identifiers), list(profile_ids), list(external_ids)
    for ref in refs:
        if ref is None:
            continue
        if ref.profile_id is not None:
            ids.append(ref.profile_id)
        if ref.external_id is not None:
            exts.append(ref.external_id)
        if ref.namespace is not None:
            idents.append((ref.namespace, ref.value))
    return Reads(idents, ids, exts, list(members))


def by_actor(commands: Sequence[C]) -> Iterator[tuple[str | None, list[C]]]:
    """Consecutive runs of commands asked for by one actor (each event records its own)."""
    for actor, run in groupby(commands, key=lambda command: command.actor):
        yield actor, list(run)


def given(value: Any) -> list[Any]:
    return [] if value is None else [value]


# --- a refusal in a command's place ------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Refuse(Command[Any]):
    """What a door sends in place of an item it could not turn into a command (it did
    not decode, or the key lacks a scope for it): the item's outcome is this refusal,
    in its place among the others, and nothing is read or written for it."""

    error: AkaError

    def reads(self) -> Reads:
        return Reads.NOTHING

    def run(self, tx: Transaction) -> Any:  # noqa: ARG002 - nothing to do in it
        raise self.error

    def operation(self) -> str:
        return "invalid_item"  # what the item would have been is not known
