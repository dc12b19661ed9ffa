"""Mimecast's request signature: HMAC-SHA1 over `date:request-id:path:app-key`.

Pure functions (no I/O): the dialect checks a request with them, and tests sign
requests with the same documented algorithm written independently in the test suite.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Final

MAX_SKEW: Final = timedelta(minutes=15)
"""How far `x-mc-date` may be from our clock, and how long a request id is remembered."""


def sign(secret_key: str, date: str, request_id: str, path: str, app_key: str) -> str:
    """`base64(HMAC-SHA1(base64decode(secret_key), "date:request_id:path:app_key"))`."""
    key = base64.b64decode(secret_key)
    message = f"{date}:{request_id}:{path}:{app_key}".encode()
    return base64.b64encode(hmac.new(key, message, hashlib.sha1).digest()).decode("ascii")


def signature_matches(expected: str, given: str) -> bool:
    """Constant-time comparison, so timing says nothing about how much was right."""
    return hmac.compare_digest(expected.encode("ascii"), given.encode("ascii", "replace"))


def parse_authorization(header: str | None) -> tuple[str, str] | None:
    """(access key, signature) of `MC accessKey:signature`, or None."""
    if not header:
        return None
    scheme, _, rest = header.strip().partition(" ")
    access_key, colon, signature = rest.strip().rpartition(":")
    if scheme != "MC" or not colon or not access_key or not signature:
        return None
    return access_key, signature


def parse_date(header: str | None) -> datetime | None:
    """The time of `Tue, 24 Nov 2015 12:50:11 UTC` (RFC 1123 with `GMT` too), or None."""
    if not header:
        return None
    try:
        parsed = parsedate_to_datetime(header.strip())
    except (TypeError, ValueError, IndexError):
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed


def is_fresh(date: datetime, now: datetime) -> bool:
    return abs(now - date) <= MAX_SKEW


def new_secret_key() -> str:
    """A base64 secret key as Mimecast issues them (64 random bytes)."""
    return base64.b64encode(secrets.token_bytes(64)).decode("ascii")


def valid_secret_key(secret_key: str) -> bool:
    try:
        base64.b64decode(secret_key, validate=True)
    except (binascii.Error, ValueError):
        return False
    return True
