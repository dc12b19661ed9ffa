"""A real store that counts the write transactions opened through it (group-commit
tests count commits with it instead of mocking the database)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any

from aka.core.ports import Store, Transaction


class CountingStore:
    """A real store that counts the write transactions opened through it. With
    `fail_after_commit`, a transaction that committed then raises, as when the
    connection drops while COMMIT's answer is on its way back (outcome unknown)."""

    def __init__(self, inner: Store) -> None:
        self.inner = inner
        self.writes = 0
        self.fail_after_commit = False

    def transaction(
        self, workspace_id: str, *, write: bool = True
    ) -> AbstractContextManager[Transaction]:
        if write:
            self.writes += 1
        return self._transaction(workspace_id, write)

    @contextmanager
    def _transaction(self, workspace_id: str, write: bool) -> Iterator[Transaction]:
        with self.inner.transaction(workspace_id, write=write) as tx:
            yield tx
        if write and self.fail_after_commit:
            raise ConnectionError("connection lost after COMMIT")

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)
