"""Braze's standard user profile fields: which ones `/users/track` takes, how each is
checked, and how `/users/export/ids` answers them (at the top level of a user, not
under `custom_attributes`). The list is Braze's "user profile fields" and its export
fields; docs/dialects/braze.md says per field what aka does with it.

They are stored in the profile's attributes under Braze's own names (Braze reserves
them: no custom attribute can carry one), so merges, undo, history and erasure treat
them as every attribute; `email` and `phone` are shared values (ADR 0018).
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import zoneinfo
from collections.abc import Callable
from typing import Any, Final

from aka.core.errors import AkaError, Code
from aka.service.shared_values import EMAIL, PHONE, shared_value


def _text(value: Any, field: str) -> Any:
    if not isinstance(value, str):
        raise AkaError(Code.INVALID_INPUT, f"{field} must be a string", field=field)
    return value


def _one_of(*allowed: str) -> Callable[[Any, str], Any]:
    def check(value: Any, field: str) -> Any:
        if value not in allowed:
            raise AkaError(
                Code.INVALID_INPUT, f"{field} must be one of {', '.join(allowed)}", field=field
            )
        return value

    return check


def _gender(value: Any, field: str) -> Any:
    upper = value.upper() if isinstance(value, str) else value
    return _one_of("M", "F", "O", "N", "P")(upper, field)


_DATE: Final = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _dob(value: Any, field: str) -> Any:
    try:
        # fromisoformat alone would take `19880214` and week dates (`1988-W07-1`) too.
        if _DATE.fullmatch(_text(value, field)) is None:
            raise ValueError(value)
        dt.date.fromisoformat(value)
    except ValueError:
        raise AkaError(
            Code.INVALID_INPUT,
            f"{field} must be a date as YYYY-MM-DD, e.g. 1980-12-21",
            field=field,
        ) from None
    return value


@functools.cache
def _zones() -> frozenset[str]:
    # The database's own list, read once: a caller's text never becomes a path to probe.
    return frozenset(zoneinfo.available_timezones())


def _time_zone(value: Any, field: str) -> Any:
    if _text(value, field) not in _zones():
        raise AkaError(
            Code.INVALID_INPUT,
            f"{field} {value!r} is not a time zone of the IANA database (e.g. America/New_York)",
            field=field,
        )
    return value


def _boolean(value: Any, field: str) -> Any:
    if not isinstance(value, bool):
        raise AkaError(Code.INVALID_INPUT, f"{field} must be true or false", field=field)
    return value


def _location(value: Any, field: str) -> Any:
    numbers = (int, float)
    if (
        not isinstance(value, dict)
        or set(value) != {"longitude", "latitude"}
        or not all(isinstance(v, numbers) and not isinstance(v, bool) for v in value.values())
    ):
        raise AkaError(
            Code.INVALID_INPUT, f"{field} must be {{longitude, latitude}} as numbers", field=field
        )
    return value


def _object(value: Any, field: str) -> Any:
    if not isinstance(value, dict):
        raise AkaError(Code.INVALID_INPUT, f"{field} must be an object", field=field)
    return value


_SUBSCRIPTION = _one_of("opted_in", "subscribed", "unsubscribed")

# Standard field -> its check (which may normalise). Each is stored under its name.
STANDARD: Final[dict[str, Callable[[Any, str], Any]]] = {
    "first_name": _text,
    "last_name": _text,
    EMAIL: lambda v, f: shared_value(EMAIL, v, f),
    PHONE: lambda v, f: shared_value(PHONE, v, f),
    "dob": _dob,
    "gender": _gender,
    "country": _text,
    "home_city": _text,
    "language": _text,
    "time_zone": _time_zone,
    "email_subscribe": _SUBSCRIPTION,
    "push_subscribe": _SUBSCRIPTION,
    "email_open_tracking_disabled": _boolean,
    "email_click_tracking_disabled": _boolean,
    "marked_email_as_spam_at": _text,
    "date_of_first_session": _text,
    "date_of_last_session": _text,
    "current_location": _location,
    "facebook": _object,
    "twitter": _object,
}

# Documented fields aka does not keep: messaging state (tokens, subscription groups) is
# Braze's business, not an identity's. Refused by name, never dropped.
REFUSED: Final = {
    "push_tokens": "push tokens are messaging state, which aka does not keep",
    "push_token_import": "push token imports are messaging state, which aka does not keep",
    "subscription_groups": "subscription groups are messaging state, which aka does not keep",
    "alias_name": "send it inside user_alias: {alias_name, alias_label}",
    "alias_label": "send it inside user_alias: {alias_name, alias_label}",
}


def attribute_patch(item: dict[str, Any], where: str) -> dict[str, Any]:
    """The attributes patch of one `/users/track` attributes object (the ids and `_`
    options already taken out): standard fields checked and normalised, custom ones as
    given, `null` kept (it removes). A refused field raises, naming `where.field`."""
    patch: dict[str, Any] = {}
    for name, value in item.items():
        field = f"{where}.{name}"
        if name in REFUSED:
            raise AkaError(
                Code.INVALID_INPUT, f"{field} is not accepted: {REFUSED[name]}", field=field
            )
        check = STANDARD.get(name)
        patch[name] = value if value is None or check is None else check(value, field)
    return patch


# What /users/export/ids can answer at a user's top level, beyond the standard fields
# above: the ids and aka's own. A Braze export field aka does not keep (`apps`,
# `purchases`, `push_tokens`...) is left out of the user, which Braze documents as
# "null or empty"; a name that is no Braze export field at all is refused.
# `devices` lists the user's identifiers in namespace `device` (`{"device_id": ...}`),
# `last_coordinates` is `current_location` as `[longitude, latitude]`.
EXPORTED: Final = (
    "external_id", "user_aliases", "braze_id", "created_at", "custom_attributes",
    "devices", "last_coordinates",
)  # fmt: skip
NOT_KEPT: Final = frozenset(
    {
        "apps", "attributed_campaign", "attributed_source", "attributed_adgroup",
        "attributed_ad", "custom_events", "purchases", "push_tokens", "random_bucket",
        "total_revenue", "uninstalled_at", "campaigns_received", "canvases_received",
        "cards_clicked", "push_opted_in_at", "email_opted_in_at", "email_unsubscribed_at",
        "push_unsubscribed_at",
    }
)  # fmt: skip
EXPORT_FIELDS: Final = frozenset(STANDARD) | frozenset(EXPORTED) | NOT_KEPT
