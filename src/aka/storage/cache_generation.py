"""API keys and workspace settings kept in process memory, good while the cache
generation is unchanged (ADR 0021).

Every change to an API key or to a workspace's settings bumps one row,
`cache_generation`, in the change's own transaction: `bump` is the one place every such
writer calls (`SqlKeys.add`/`revoke`, `SqlTransaction.save_settings`), whichever
process it runs in (a server, `aka keys`). A process keeps what it read of keys and
settings in a `Kept`, made for the generation current when it was made, and starts a
new one when it learns of a newer generation. How it learns is each backend's own:
SQLite asks the file's `data_version` first and reads the row only when some connection
committed (`sqlite.py`); PostgreSQL reads the row on a connection of its own, one round
trip shared by every request that arrived meanwhile (`postgres_generation.py`).

Nothing here expires by time: what is kept is exactly as good as the last look at the
row, and every caller that needs "as of now" looks first.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from aka.core.ports import KeyRecord

# An upsert rather than an UPDATE: a row deleted by hand comes back at the next change
# instead of leaving every process's caches unbumpable, and it comes back at the time in
# µs, far above any count before it, so no process mistakes the new count for the old
# one it keeps. (While the row is missing it reads as 0, below anything kept: nothing
# is kept.) Same text on both databases.
BUMP: Final = sa.text(
    "INSERT INTO cache_generation (id, generation) VALUES (1, :fresh)"
    " ON CONFLICT (id) DO UPDATE SET generation = cache_generation.generation + 1"
)
READ: Final = "SELECT generation FROM cache_generation WHERE id = 1"

NOTHING_SEEN: Final = -1
"""The generation of what a process keeps before it has read the row once."""

MAX_ENTRIES: Final = 4096
"""Most keys, and most workspaces' settings, one `Kept` holds: a deployment's working
set many times over. Full, it is emptied whole and refills at one read each."""


def bump(conn: Connection) -> None:
    """Mark, in `conn`'s transaction, that a key or a workspace's settings changed: once
    it commits, every process drops what it keeps before its next request is served."""
    conn.execute(BUMP, {"fresh": time.time_ns() // 1000})


def generation_of(row: Any) -> int:
    """The generation in a row read with `READ` (no row: 0, as the migration made it)."""
    return 0 if row is None else int(row[0])


@dataclass(slots=True)
class Kept:
    """What a process keeps for one generation: keys by secret hash (revoked ones too:
    that is what refuses them) and each workspace's settings as stored JSON text.

    An entry goes into the `Kept` that was current *before* its row was read: the read
    then sees at least that generation, so the entry is never older than its `Kept`."""

    generation: int
    keys: dict[str, KeyRecord] = field(default_factory=dict)
    settings: dict[str, str] = field(default_factory=dict)

    def keep_key(self, secret_hash: str, record: KeyRecord) -> None:
        if len(self.keys) >= MAX_ENTRIES:
            self.keys.clear()
        self.keys[secret_hash] = record

    def keep_settings(self, workspace_id: str, text: str) -> None:
        if len(self.settings) >= MAX_ENTRIES:
            self.settings.clear()
        self.settings[workspace_id] = text


class GenerationCaches:
    """The process's current `Kept`, replaced only by a newer generation's.

    Safe between threads. Only ever newer: a thread that read the row before another
    thread saw a later generation gets a private, empty `Kept` (its reads go to the
    database and what it keeps is thrown away), never the shared one, since what it
    would put there may predate the change the other thread saw."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.current = Kept(NOTHING_SEEN)

    def seen(self, generation: int) -> Kept:
        """What to use after reading `generation` from the row just now."""
        current = self.current
        if current.generation == generation:
            return current
        with self._lock:
            if generation > self.current.generation:
                self.current = Kept(generation)
                return self.current
            if generation == self.current.generation:
                return self.current
        return Kept(generation)
