"""Running many operations in one transaction, each standing or falling alone."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from aka.core.errors import AkaError
from aka.core.ports import Transaction

T = TypeVar("T")


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
