"""Running many operations in one transaction, each standing or falling alone."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol, TypeVar

from aka.core.errors import AkaError
from aka.core.ports import Transaction
from aka.core.state import ReplayError

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)


def attempt(tx: Transaction, work: Callable[..., T], *args: Any, **kwargs: Any) -> T | AkaError:
    """`work(tx, *args, **kwargs)` in its own savepoint: its result, or its refusal
    (AkaError) with its changes undone while the transaction goes on.

    Anything else (a database failure) propagates and the whole transaction rolls back,
    so a batch never commits half of what a crash interrupted. Every list of commands
    (`bulk.run_all`: the native batch, Braze's item lists, Mimecast's `data`, a
    group-commit round, an import chunk) and a Coveo job's step run their items
    through here.
    """
    try:
        with tx.savepoint():
            return work(tx, *args, **kwargs)
    except AkaError as refused:
        return refused


def run_each(
    tx: Transaction, operations: Sequence[Callable[[Transaction], T]]
) -> list[T | AkaError]:
    """Run the operations in order inside `tx`, each through `attempt`; later operations
    see the graph as the earlier successful ones left it."""
    return [attempt(tx, operation) for operation in operations]


class _Runs(Protocol[T_co]):
    def run(self, tx: Transaction) -> T_co: ...


def set_or_each(
    tx: Transaction, commands: Sequence[_Runs[T]], set_run: Callable[[], list[T | AkaError]]
) -> list[T | AkaError]:
    """`set_run()`, the commands written set-based; or, if the database refused what the
    set planned (a ReplayError: a bug, but not one to lose operations over; the failed
    `append_many` wrote nothing), each command run alone through `attempt`."""
    try:
        return set_run()
    except ReplayError:
        return [attempt(tx, command.run) for command in commands]
