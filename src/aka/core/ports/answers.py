"""Answers to `Idempotency-Key`s: the first answer to a keyed write, replayed to its
retries from any process until it expires."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from aka.core.scrub import Scrubber


@dataclass(frozen=True, slots=True)
class StoredAnswer:
    """The first answer given to an `Idempotency-Key`, replayed to its retries."""

    request_hash: str  # what the first request was; a different one may not reuse the key
    status: int
    headers: list[tuple[str, str]]
    body: bytes
    created_at: datetime
    expires_at: datetime


class Answers(Protocol):
    """The workspace's stored answers (`tx.answers`), written in the transaction of the
    work they answer, so a retry finds either both or neither."""

    def get(self, key: str, now: datetime) -> StoredAnswer | None:
        """The answer stored under this idempotency key, unless it expired by `now`."""

    def put(self, key: str, answer: StoredAnswer) -> None:
        """Store the answer to an idempotency key (replacing an expired one)."""

    def purge(self, now: datetime) -> int:
        """Forget answers that expired by `now`; how many were removed."""

    def scrub(self, scrubber: Scrubber) -> int:
        """Erasure: every stored answer of this workspace (expired or not) that holds one
        of the person's values keeps its key, status and request hash, with its body and
        headers cleaned by `scrubber` (a retry still replays, never redoes, the work); an
        answer whose key itself holds a value is removed. How many were changed."""
