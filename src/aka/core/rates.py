"""Rate limits as values: `Rate` ("100/minute") and the endpoint groups they apply to.

Pure: the HTTP layer counts requests (aka.security.ratelimit); this module only says
what a valid limit is, so workspace settings, key records and configuration all refuse
the same typos with the same sentence.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Final

from aka.core.errors import AkaError, Code

PERIODS: Final[Mapping[str, int]] = {"second": 1, "minute": 60, "hour": 3600}
MAX_AMOUNT: Final = 1_000_000_000

# The endpoint groups a limit may name. Native: `read`, `write`, `admin`. A vendor dialect
# that needs a bucket of its own (Braze's shared one) adds its group here, so that a typo
# in a workspace's or key's overrides is refused instead of silently limiting nothing.
GROUPS: Final[tuple[str, ...]] = (
    *("read", "write", "admin"),
    "braze",  # Braze's bucket shared by delete, alias/new, alias/update, identify, merge
    "braze_external_ids",  # Braze's bucket of /users/external_ids/rename and /remove
    *("coveo", "mimecast"),  # one bucket per door: Coveo Push/Security Cache, Mimecast
)

_FORMAT = re.compile(r"(\d{1,10})/(second|minute|hour)")
_HOW = (
    f"must look like '100/minute': a whole number from 1 to {MAX_AMOUNT}, '/', "
    "then second, minute or hour"
)


@dataclass(frozen=True, slots=True)
class Rate:
    """At most `amount` requests per `per` (one of PERIODS)."""

    amount: int
    per: str

    @property
    def seconds(self) -> int:
        return PERIODS[self.per]

    def __str__(self) -> str:
        return f"{self.amount}/{self.per}"


def parse_rate(text: Any) -> Rate:
    """`"100/minute"` as a Rate; ValueError (with a sentence a person can act on) else."""
    if not isinstance(text, str):
        raise ValueError(f"{text!r} is not a string; a rate limit {_HOW}")
    return _parse(text)


@lru_cache(maxsize=1024)  # the same few strings are parsed on every request (key limits)
def _parse(text: str) -> Rate:
    match = _FORMAT.fullmatch(text.strip())
    if match is None or not 1 <= int(match[1]) <= MAX_AMOUNT:
        raise ValueError(f"{text!r} {_HOW}")
    return Rate(int(match[1]), match[2])


def parse_limits(value: Any, *, where: str, code: Code) -> dict[str, Rate]:
    """`{group: "N/period"}` checked group by group; AkaError(code) naming the field
    (`rate_limits.read`) else."""
    return {group: rate for group, rate in _limits(value, where, code, False).items() if rate}


def parse_limits_patch(value: Any, *, where: str, code: Code) -> dict[str, Rate | None]:
    """As `parse_limits`, but a null value is kept: a JSON merge patch removing that
    group's override."""
    return _limits(value, where, code, True)


def _limits(value: Any, where: str, code: Code, allow_null: bool) -> dict[str, Rate | None]:
    if not isinstance(value, dict):
        raise AkaError(code, "must be an object of group: 'N/second|minute|hour'", field=where)
    parsed: dict[str, Rate | None] = {}
    for group, text in value.items():
        field = f"{where}.{group}"
        if group not in GROUPS:
            known = ", ".join(GROUPS)
            raise AkaError(code, f"unknown endpoint group {group!r}; known: {known}", field=field)
        if text is None and allow_null:
            parsed[group] = None
            continue
        try:
            parsed[group] = parse_rate(text)
        except ValueError as error:
            raise AkaError(code, str(error), field=field) from None
    return parsed


def limits_json(limits: Mapping[str, Rate]) -> dict[str, str]:
    """Limits as stored and shown: `{"read": "100/minute"}`, sorted by group."""
    return {group: str(rate) for group, rate in sorted(limits.items())}
