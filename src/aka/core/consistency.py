"""Read-your-writes: what a request's reads must reflect, and what its writes produced.

A read may be served by a read replica (`AKA_READ_DATABASE_URL`), which applies the
primary's changes a little later. Each workspace's event sequence (`last_seq`) says how
far a copy has come, so it is the unit of "recent enough": a read whose context asks for
`min_seq` N is served by a replica only once that replica holds the workspace's event N,
else by the primary (`storage/replicas.py`). A write records the sequence it committed,
which the doors answer as `Aka-Seq` and the same key's next reads ask for (ADR 0022).

The state is per request, in a context variable: the HTTP layer opens it
(`for_request`), the engine notes each write's sequence into it (`wrote`) and the store
reads the floor (`read_floor`) wherever the read runs: a worker thread gets a copy of the
context holding the same state object. Work that serves many requests at once (a read
round, a group-commit round) runs in a context of its own and carries what it needs
explicitly (`reading_at`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Final

PRIMARY_ONLY: Final = 2**63 - 1
"""A floor no replica reaches (the largest `bigint`): the read goes to the primary. For
reads of records no event sequence covers (keys, jobs, files, settings)."""


@dataclass(slots=True)
class Consistency:
    """One request's: the floor its reads need, the newest sequence its writes made."""

    min_seq: int = 0
    seq: int | None = None


_state: ContextVar[Consistency | None] = ContextVar("aka_consistency", default=None)


def read_floor() -> int:
    """The event sequence a read in this context must reflect (0: any copy will do)."""
    state = _state.get()
    return 0 if state is None else state.min_seq


def tracking() -> bool:
    """Whether someone will use a write's sequence (a request is open): the engine reads
    it only then, since on PostgreSQL it costs a statement."""
    return _state.get() is not None


def wrote(seq: int) -> None:
    """A write in this context committed (or will commit) the workspace up to `seq`:
    answer it, and make the context's later reads reflect it."""
    state = _state.get()
    if state is None:
        return
    state.seq = seq if state.seq is None else max(state.seq, seq)
    state.min_seq = max(state.min_seq, seq)


def written() -> int | None:
    """The newest sequence this context's writes produced, or None when none wrote."""
    state = _state.get()
    return None if state is None else state.seq


@contextmanager
def for_request(min_seq: int = 0) -> Iterator[Consistency]:
    """A request's state for the length of the block (the HTTP layer's)."""
    state = Consistency(min_seq=min_seq)
    token = _state.set(state)
    try:
        yield state
    finally:
        _state.reset(token)


@contextmanager
def reading_at(min_seq: int) -> Iterator[None]:
    """Reads in the block need `min_seq`, whatever the surrounding request asked: a read
    round serving several requests (the highest of theirs), or `PRIMARY_ONLY`. Writes
    made inside it are not noted to the surrounding request."""
    token = _state.set(Consistency(min_seq=min_seq))
    try:
        yield
    finally:
        _state.reset(token)


def on_primary() -> AbstractContextManager[None]:
    """Reads in the block go to the primary: for records no event sequence covers
    (keys, jobs, files, settings), which a replica cannot promise to hold yet."""
    return reading_at(PRIMARY_ONLY)


_validated: ContextVar[object | None] = ContextVar("aka_caches_validated", default=None)


def caches_validated_by() -> object | None:
    """The store whose in-memory keys and settings this context brought up to date
    after its request arrived (ADR 0021: PostgreSQL's `validate_caches`), or None. Only
    such a context may take settings from that memory: nothing it reads is then older
    than the request."""
    return _validated.get()


def validated_by(store: object) -> None:
    """This context's request has just validated `store`'s memory (`validate_caches`)."""
    _validated.set(store)


@contextmanager
def validated_as(store: object | None) -> Iterator[None]:
    """Work serving several requests (a read round) counts as validated by `store` when
    every request it serves was (else pass None): each validated after it arrived, and
    the round begins after all of them did."""
    token = _validated.set(store)
    try:
        yield
    finally:
        _validated.reset(token)
