"""How a webhook delivery is signed and how a receiver checks it (ADR 0030).

`Aka-Signature: t=<unix seconds>,v1=<hex>`, where the hex is HMAC-SHA256, keyed with the
webhook's secret, of `"{t}.{body}"` (the raw body bytes). Signing the time with the
body lets a receiver refuse a replayed delivery: one whose `t` is more than
`REPLAY_WINDOW_SECONDS` away from its own clock. The same scheme as Stripe's, so
receivers' existing verifiers fit.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Final

HEADER: Final = "Aka-Signature"
REPLAY_WINDOW_SECONDS: Final = 300
"""How old (or how far ahead) a delivery's timestamp may be for a receiver to accept it."""


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The `Aka-Signature` header value for `body` sent at `timestamp`."""
    signed = f"{timestamp}.".encode() + body
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def verify(
    secret: str,
    header: str,
    body: bytes,
    now: float,
    window: int = REPLAY_WINDOW_SECONDS,
) -> bool:
    """Whether `header` signs `body` with `secret` at a time within `window` seconds
    of `now`. Several `v1=` values may be present (a secret being rotated): one match
    is enough."""
    parts = [p.partition("=") for p in header.split(",")]
    stamps = [v for k, _, v in parts if k.strip() == "t"]
    if len(stamps) != 1 or not stamps[0].strip().isdigit():
        return False
    timestamp = int(stamps[0])
    if abs(now - timestamp) > window:
        return False
    expected = signature(secret, timestamp, body).rpartition("v1=")[2]
    return any(hmac.compare_digest(expected, v.strip()) for k, _, v in parts if k.strip() == "v1")
