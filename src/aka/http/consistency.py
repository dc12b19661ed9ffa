"""The consistency headers, on every route of every door (README, "Consistency headers").

- `Aka-Seq` on an answer: the workspace's event sequence the request's writes committed
  (only on answers of requests that wrote).
- `Aka-Min-Seq` on a request: its reads must reflect at least that sequence; a read
  replica serves them only once it has applied it, else the primary does (ADR 0022).

A key's own writes are remembered too (`RecentWrites`, in this process only): its next
reads ask for them without the header. The state lives in `core.consistency`; this
module only reads and writes the wire.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import MutableMapping
from typing import Any, Final

from aka.core import consistency
from aka.core.errors import AkaError, Code
from aka.security.auth import Principal

MIN_SEQ_HEADER: Final = "Aka-Min-Seq"
SEQ_HEADER: Final = "Aka-Seq"
_MIN_SEQ: Final = MIN_SEQ_HEADER.lower().encode("latin-1")
SEQ_NAME: Final = SEQ_HEADER.lower().encode("latin-1")
_MAX_DIGITS: Final = len(str(consistency.PRIMARY_ONLY))

RECENT_KEYS: Final = 10_000
"""Keys whose latest write sequence a process remembers (~100 bytes each): a key that
has not written lately is forgotten first, and its reads then need the header."""


class RecentWrites:
    """Each key's newest write sequence in this process, for the most recent
    `RECENT_KEYS` keys. A floor that every replica has passed costs nothing (their
    high-water marks answer), so an entry needs no expiry."""

    def __init__(self, most: int = RECENT_KEYS) -> None:
        self._most = most
        self._seqs: OrderedDict[str, int] = OrderedDict()

    def get(self, key_id: str) -> int:
        return self._seqs.get(key_id, 0)

    def note(self, key_id: str, seq: int) -> None:
        seqs = self._seqs
        if seqs.get(key_id, -1) < seq:
            seqs[key_id] = seq
        seqs.move_to_end(key_id)
        if len(seqs) > self._most:
            seqs.popitem(last=False)


def requested_min_seq(headers: list[tuple[bytes, bytes]]) -> int:
    """The request's `Aka-Min-Seq` (0 when absent); a bad value is refused naming it."""
    for name, value in headers:
        if name == _MIN_SEQ:
            text = value.decode("latin-1").strip()
            if not text.isdigit() or not text.isascii() or len(text) > _MAX_DIGITS:
                raise _invalid(text)
            seq = int(text)
            if seq >= consistency.PRIMARY_ONLY:
                raise _invalid(text)
            return seq
    return 0


def _invalid(text: str) -> AkaError:
    shown = text if len(text) <= 32 else text[:32] + "..."
    return AkaError(
        Code.INVALID_INPUT,
        f"{MIN_SEQ_HEADER} must be an event sequence (a whole number from 0 to "
        f"{consistency.PRIMARY_ONLY - 1}), as an earlier answer's {SEQ_HEADER} gave it;"
        f" got {shown!r}",
        field=MIN_SEQ_HEADER,
    )


def begin(
    state: consistency.Consistency, scope: MutableMapping[str, Any], auth: Any, recent: RecentWrites
) -> None:
    """After authentication: what the request's reads must reflect, the header's floor
    and the key's own latest write in this process."""
    floor = requested_min_seq(scope["headers"])
    if isinstance(auth, Principal):
        floor = max(floor, recent.get(auth.key_id))
    state.min_seq = max(state.min_seq, floor)


def finish(state: consistency.Consistency, auth: Any, recent: RecentWrites) -> bytes | None:
    """After the handler: the `Aka-Seq` value when the request wrote, remembered for
    the key."""
    if state.seq is None:
        return None
    if isinstance(auth, Principal):
        recent.note(auth.key_id, state.seq)
    return str(state.seq).encode("latin-1")
