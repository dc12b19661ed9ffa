"""Read replicas of the PostgreSQL store: which one may serve a read (ADR 0022).

A replica may serve a read of a workspace once it has applied the event sequence the
read needs (`core.consistency.read_floor()`). Each replica's `workspaces.last_seq` says
how far it has come; a replica only moves forward, so what one check saw (its
*high-water mark*, per workspace) answers every later read needing no more without
asking again. A read needing more asks the replica once (one indexed row, autocommit)
and goes to the primary if the replica is still behind. A read needing nothing (floor
0) takes the next replica in turn without asking.

A replica that fails to connect, or loses its connection, is left alone for
`RETRY_AFTER_S`: its reads go to the primary meanwhile, with one warning when it goes
and one line when it serves again, so a replica that is down slows reads a little and
fails none.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, TypeVar

import psycopg
import sqlalchemy as sa
from sqlalchemy.engine import URL, Engine
from sqlalchemy.exc import DBAPIError

log = logging.getLogger("aka.replicas")

T = TypeVar("T")

RETRY_AFTER_S: Final = 5.0
"""How long reads avoid a replica that failed to connect: long enough that a replica
that is down costs one failed connect per few seconds rather than one per read, short
enough that one back from a restart serves again at once."""

POOL_SIZE: Final = 8
MAX_OVERFLOW: Final = 8
"""Per replica: the 16 worker threads (`engine/runtime.py`) read from one connection
each at most, spread over the replicas; the primary keeps its own pool for writes."""

CONNECT_TIMEOUT_S: Final = 2
"""A replica that does not answer at all (a host gone, packets dropped) holds its read
this long before the primary answers it; refused connections fail at once."""

_LAST_SEQ: Final = "SELECT last_seq FROM workspaces WHERE id = %s"


@dataclass(eq=False)
class Replica:
    """One replica: its engine, how far it has applied each workspace, its health."""

    engine: Engine
    name: str  # host:port/database, for logs (never the password)
    applied: dict[str, int] = field(default_factory=dict)  # workspace -> last_seq seen
    down: bool = False
    retry_at: float = 0.0  # monotonic: while down, reads avoid it until then

    def usable(self, now: float) -> bool:
        return not self.down or now >= self.retry_at

    def has_applied(self, workspace_id: str, floor: int) -> bool:
        """Whether the replica holds the workspace's event `floor` (asking it if what
        it said last time is not enough). Raises DBAPIError or psycopg.Error when it
        cannot be asked."""
        if floor <= 0 or self.applied.get(workspace_id, -1) >= floor:
            return True
        pooled = self.engine.raw_connection()
        try:
            driver = pooled.driver_connection
            assert isinstance(driver, psycopg.Connection)
            # Autocommit: one statement is its own snapshot; no BEGIN and COMMIT.
            driver.autocommit = True
            try:
                row = driver.execute(_LAST_SEQ, (workspace_id,)).fetchone()
            finally:
                driver.autocommit = False
        finally:
            pooled.close()
        seen = -1 if row is None else int(row[0])
        # Two threads may race here; either value is one the replica has reached.
        self.applied[workspace_id] = max(self.applied.get(workspace_id, -1), seen)
        return seen >= floor


class ReplicaSet:
    """The replicas of one store, chosen in turn (`choose`), with their health."""

    def __init__(self, engines: Sequence[Engine]) -> None:
        self.replicas = [Replica(e, _name(e.url)) for e in engines]
        self._turn = itertools.count()  # next() is atomic under the GIL
        self._lock = threading.Lock()  # one warning per outage, however many threads
        self._by_engine = {id(r.engine): r for r in self.replicas}
        for replica in self.replicas:
            _watch(replica, self._lost)

    def __bool__(self) -> bool:
        return bool(self.replicas)

    def choose(self, workspace_id: str, floor: int) -> Engine | None:
        """A replica that may serve a read of the workspace needing `floor`, taking
        them in turn; None when none may (the primary serves it)."""
        replicas = self.replicas
        if not replicas:
            return None
        now = time.monotonic()
        start = next(self._turn)
        for offset in range(len(replicas)):
            replica = replicas[(start + offset) % len(replicas)]
            if not replica.usable(now):
                continue
            try:
                if replica.has_applied(workspace_id, floor):
                    return replica.engine
            except (DBAPIError, psycopg.Error) as err:
                self._failed(replica, err)
        return None

    def open(self, engine: Engine, how: Callable[[Engine], T], primary: Engine) -> T:
        """`how(engine)` (e.g. a connection from the chosen engine); when that is a
        replica that cannot be reached, `how(primary)` instead, and the replica is
        avoided for `RETRY_AFTER_S`."""
        replica = self._by_engine.get(id(engine))
        if replica is None:
            return how(engine)
        try:
            opened = how(engine)
        # `Engine.connect` wraps a failed connect as SQLAlchemy's error; the pool behind
        # `Engine.raw_connection` raises the driver's own.
        except (DBAPIError, engine.dialect.loaded_dbapi.Error) as err:
            self._failed(replica, err)
            return how(primary)
        if replica.down:
            with self._lock:
                if replica.down:
                    replica.down = False
                    log.info("read replica %s serves reads again", replica.name)
        return opened

    def _failed(self, replica: Replica, err: BaseException) -> None:
        with self._lock:
            was_up = not replica.down
            replica.down = True
            replica.retry_at = time.monotonic() + RETRY_AFTER_S
        if was_up:
            said = str(getattr(err, "orig", None) or err).strip().splitlines()
            log.warning(
                "read replica %s unreachable (%s); its reads go to the primary, "
                "trying it again every %.0f s",
                replica.name,
                said[0] if said else type(err).__name__,
                RETRY_AFTER_S,
            )

    def _lost(self, replica: Replica) -> None:
        self._failed(replica, RuntimeError("connection lost"))

    def close(self) -> None:
        for replica in self.replicas:
            replica.engine.dispose()


def _name(url: URL) -> str:
    return f"{url.host or 'localhost'}:{url.port or 5432}/{url.database or ''}"


def _watch(replica: Replica, lost: Callable[[Replica], None]) -> None:
    """A statement that fails because the connection went away (the replica stopped
    mid-read) makes reads avoid the replica, as a failed connect does."""

    def on_error(context: Any) -> None:
        if context.is_disconnect:
            lost(replica)

    sa.event.listen(replica.engine, "handle_error", on_error)
