"""Attribute maps: small JSON objects on profiles and identifiers."""

from __future__ import annotations

from typing import Any

import msgspec

from aka.core.errors import AkaError, Code

ATTRIBUTES_MAX_BYTES = 16 * 1024
ATTRIBUTES_MAX_KEYS = 256


def check_attributes(raw: Any, field: str) -> dict[str, Any]:
    """A JSON object of at most 256 keys and 16 KiB encoded, or an error naming the limit.

    Attributes ride along on every read of a profile, so they stay small by design;
    bulk data belongs elsewhere.
    """
    if type(raw) is dict and not raw:
        return {}  # most identifiers carry none: skip encoding them
    if not isinstance(raw, dict) or not all(isinstance(k, str) for k in raw):
        raise AkaError(Code.ATTRIBUTES_INVALID, f"{field} must be a JSON object", field=field)
    if len(raw) > ATTRIBUTES_MAX_KEYS:
        raise AkaError(
            Code.ATTRIBUTES_INVALID,
            f"{field} has {len(raw)} keys; the limit is {ATTRIBUTES_MAX_KEYS}",
            field=field,
            details={"limit": ATTRIBUTES_MAX_KEYS, "actual": len(raw)},
        )
    try:
        size = len(msgspec.json.encode(raw))
    except (TypeError, msgspec.EncodeError):
        raise AkaError(
            Code.ATTRIBUTES_INVALID, f"{field} must hold only JSON values", field=field
        ) from None
    if size > ATTRIBUTES_MAX_BYTES:
        raise AkaError(
            Code.ATTRIBUTES_INVALID,
            f"{field} is {size} bytes as JSON; the limit is {ATTRIBUTES_MAX_BYTES} bytes",
            field=field,
            details={"limit": ATTRIBUTES_MAX_BYTES, "actual": size},
        )
    return dict(raw)
