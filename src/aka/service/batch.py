"""Running many operations in one transaction, each standing or falling alone."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

from aka.core.errors import AkaError
from aka.core.ports import Transaction

T = TypeVar("T")


def run_each(
    tx: Transaction, operations: Sequence[Callable[[Transaction], T]]
) -> list[T | AkaError]:
    """Run the operations in order inside `tx`, each in its own savepoint.

    A refused operation (AkaError) is rolled back alone and reported in its place;
    later operations see the graph as the earlier successful ones left it. Anything
    else (a database failure) propagates and the whole transaction rolls back, so a
    batch never commits half of what a crash interrupted.
    """
    results: list[T | AkaError] = []
    for operation in operations:
        try:
            with tx.savepoint():
                results.append(operation(tx))
        except AkaError as refused:
            results.append(refused)
    return results
