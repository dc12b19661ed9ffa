"""One transaction per request: the boundary where services' work is committed."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from aka.config import Settings
from aka.core.ports import Store, Transaction

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Runtime:
    """What handlers need: the store and the settings.

    Store calls run inline on the event loop. For the embedded SQLite store that is the
    fastest correct choice (a point read costs microseconds, and a thread hop measured
    ~4x slower than the read itself, see docs/adr/0001); a networked backend swaps in
    a thread pool or a batching executor here without touching handlers.
    """

    store: Store
    settings: Settings

    async def read(self, workspace_id: str, work: Callable[[Transaction], T]) -> T:
        with self.store.transaction(workspace_id, write=False) as tx:
            return work(tx)

    async def write(self, workspace_id: str, work: Callable[[Transaction], T]) -> T:
        with self.store.transaction(workspace_id, write=True) as tx:
            return work(tx)
