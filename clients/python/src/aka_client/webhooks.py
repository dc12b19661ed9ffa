"""Checking that a webhook delivery came from aka (written by hand).

    from aka_client.webhooks import verify_signature

    if not verify_signature(secret, request.headers["Aka-Signature"], raw_body):
        return 401

`Aka-Signature: t=<unix seconds>,v1=<hex>`: HMAC-SHA256, keyed with the webhook's
secret, of `"{t}.{raw body}"`. A delivery whose `t` is more than five minutes away
from the receiver's clock is refused: a captured delivery cannot be replayed later.
Verify the raw bytes received, before parsing them.
"""

from __future__ import annotations

import hashlib
import hmac
import time

REPLAY_WINDOW_SECONDS = 300


def verify_signature(
    secret: str,
    header: str,
    body: bytes,
    *,
    now: float | None = None,
    window: int = REPLAY_WINDOW_SECONDS,
) -> bool:
    """Whether `header` (`Aka-Signature`) signs `body` with `secret`, at a time within
    `window` seconds of `now` (default: this machine's clock)."""
    parts = [p.partition("=") for p in header.split(",")]
    stamps = [v.strip() for k, _, v in parts if k.strip() == "t"]
    if len(stamps) != 1 or not stamps[0].isdigit():
        return False
    timestamp = int(stamps[0])
    if abs((time.time() if now is None else now) - timestamp) > window:
        return False
    signed = f"{timestamp}.".encode() + body
    expected = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return any(hmac.compare_digest(expected, v.strip()) for k, _, v in parts if k.strip() == "v1")
