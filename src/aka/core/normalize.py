"""Validation and normalisation of what callers name things by.

Everything that enters the graph passes through here first, so two spellings of one
identifier can never become two identifiers, and a value that would glue strangers
together (`null`, `0`, ...) never becomes one.
"""

from __future__ import annotations

import contextlib
import functools
import re
import unicodedata

import phonenumbers

from aka.core.door_namespaces import DoorNamespace
from aka.core.errors import AkaError, Code
from aka.core.events import EXTERNAL_IDS
from aka.core.model import IdentifierKey
from aka.core.settings import Normalization, WorkspaceSettings

NAMESPACE_MAX_CHARS = 255
VALUE_MAX_BYTES = 1024
EXTERNAL_ID_MAX_BYTES = 1024
EMAIL_LOCAL_MAX = 64
EMAIL_DOMAIN_MAX = 253
# A number written without a country code is read as a US number, as Braze reads it.
PHONE_DEFAULT_REGION = "US"


# Unicode category Cc is exactly U+0000-U+001F and U+007F-U+009F (C0/C1 controls: NUL,
# newline, ESC...); Cs is U+D800-U+DFFF (lone surrogates cannot be stored as UTF-8 at
# all). One regex search is ~10x faster than asking unicodedata per character, which
# matters at bulk-load rates (`tests/core` checks both agree on every code point).
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
# `\s` on a str pattern is exactly `str.isspace` (both are Py_UNICODE_ISSPACE); one
# search was ~20x faster than a generator over the characters of an address.
_SPACE = re.compile(r"\s")


def has_control(text: str) -> bool:
    """Whether the text holds a C0/C1 control character or a lone surrogate."""
    return _CONTROL.search(text) is not None


def clean_text(raw: object, field: str, *, code: Code, max_bytes: int) -> str:
    """A non-empty NFC string of at most `max_bytes` UTF-8 bytes with no control chars."""
    if not isinstance(raw, str):
        raise AkaError(code, f"{field} must be a string", field=field)
    # ASCII is its own NFC and one byte a character: most values skip both steps.
    ascii_only = raw.isascii()
    text = raw if ascii_only else unicodedata.normalize("NFC", raw)
    if has_control(text):
        raise AkaError(code, f"{field} must not contain control characters", field=field)
    size = len(text) if ascii_only else len(text.encode("utf-8"))
    if size == 0:
        raise AkaError(code, f"{field} must not be empty", field=field)
    if size > max_bytes:
        raise AkaError(
            code,
            f"{field} is {size} bytes long; the limit is {max_bytes} bytes",
            field=field,
            details={"limit": max_bytes, "actual": size},
        )
    return text


def namespace(raw: object, field: str = "namespace") -> str:
    """A namespace: 1-255 characters, NFC, no control characters."""
    if isinstance(raw, str) and (known := _valid_namespace(raw)) is not None:
        return known
    if not isinstance(raw, str):
        raise AkaError(Code.NAMESPACE_INVALID, f"{field} must be a string", field=field)
    text = unicodedata.normalize("NFC", raw)
    if has_control(text):
        raise AkaError(
            Code.NAMESPACE_INVALID, f"{field} must not contain control characters", field=field
        )
    if not 1 <= len(text) <= NAMESPACE_MAX_CHARS:
        raise AkaError(
            Code.NAMESPACE_INVALID,
            f"{field} must be 1 to {NAMESPACE_MAX_CHARS} characters long; it is {len(text)}",
            field=field,
            details={"limit": NAMESPACE_MAX_CHARS, "actual": len(text)},
        )
    return text


@functools.lru_cache(maxsize=1024)
def _valid_namespace(raw: str) -> str | None:
    """A valid namespace's NFC form, or None. Cached: a workspace has a handful of
    namespaces and every identifier names one."""
    text = unicodedata.normalize("NFC", raw)
    if has_control(text) or not 1 <= len(text) <= NAMESPACE_MAX_CHARS:
        return None
    return text


def external_id(raw: object, field: str = "external_id") -> str:
    """An external id: 1-1024 bytes, NFC, no control characters, not a blocked value."""
    text = clean_text(raw, field, code=Code.EXTERNAL_ID_INVALID, max_bytes=EXTERNAL_ID_MAX_BYTES)
    if text.strip().casefold() in {"", "null", "undefined", "none"}:
        raise AkaError(
            Code.VALUE_BLOCKED,
            f"{field} {text!r} is a placeholder, not an id; it would join strangers",
            field=field,
        )
    return text


@functools.lru_cache(maxsize=4096)
def _ascii_domain(domain: str) -> str:
    """The IDNA form of a domain. Cached: a few domains hold most addresses, and the
    codec was ~2.0 us of the ~4.8 us that normalising one address took (2.8 us now)."""
    return domain.encode("idna").decode("ascii")


def email(raw: str, field: str = "value") -> str:
    """`Local@Domain.Example` -> `local@domain.example`, with the domain in IDNA form."""
    address = raw.strip()
    local, at, domain = address.rpartition("@")
    if not at or not local or not domain:
        raise AkaError(Code.EMAIL_INVALID, f"{field} {raw!r} is not an email address", field=field)
    if len(local) > EMAIL_LOCAL_MAX or _SPACE.search(address) is not None:
        raise AkaError(Code.EMAIL_INVALID, f"{field} {raw!r} is not an email address", field=field)
    try:
        ascii_domain = _ascii_domain(domain.rstrip("."))
    except UnicodeError:
        raise AkaError(
            Code.EMAIL_INVALID, f"{field} {raw!r} has an invalid domain", field=field
        ) from None
    labels = ascii_domain.split(".")
    if (
        len(ascii_domain) > EMAIL_DOMAIN_MAX
        or len(labels) < 2
        or not all(labels)
        or any(label.startswith("-") or label.endswith("-") for label in labels)
    ):
        raise AkaError(Code.EMAIL_INVALID, f"{field} {raw!r} has an invalid domain", field=field)
    return f"{local}@{ascii_domain}".lower()


@functools.lru_cache(maxsize=4096)
def _e164(raw: str) -> str | None:
    try:
        number = phonenumbers.parse(raw, PHONE_DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        return None
    # "Possible" checks the length for the country, not the carrier ranges: test and
    # newly issued numbers (+1 555 ...) pass, text and digit soup do not.
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def phone(raw: str, field: str = "value") -> str:
    """A phone number in E.164 form (`+14155552671`): spaces, dashes and brackets go, a
    number without `+` and a country code is read as a US number; PHONE_INVALID naming
    `field` for text that is not a possible number."""
    number = _e164(raw.strip()) if isinstance(raw, str) else None
    if number is None:
        raise AkaError(
            Code.PHONE_INVALID,
            f"{field} {raw!r} is not a phone number; send it in E.164 form, e.g. +14155552671",
            field=field,
        )
    return number


def stored_namespace(raw: object, settings: WorkspaceSettings, field: str = "namespace") -> str:
    """The namespace an identifier is stored in: `raw` itself (a native namespace), or
    for a door's namespace (`DoorNamespace`) the one `namespace_aliases` maps it onto.
    The one place a door's namespace becomes a stored one (ADR 0027)."""
    if isinstance(raw, DoorNamespace):
        return settings.stored_namespace(raw.door, namespace(raw.name, field))
    return namespace(raw, field)


def identifier_key(
    raw_namespace: object,
    raw_value: object,
    settings: WorkspaceSettings,
    *,
    field: str = "",
) -> IdentifierKey:
    """The normalised key of an identifier, or an error naming the field and the limit.
    For writes: the reserved namespace `events.EXTERNAL_IDS` is refused (only a rename
    puts identifiers there, ADR 0024); reads use `lookup_key`."""
    prefix = f"{field}." if field else ""
    ns = stored_namespace(raw_namespace, settings, f"{prefix}namespace")
    if ns == EXTERNAL_IDS:
        raise AkaError(
            Code.NAMESPACE_INVALID,
            f"namespace {EXTERNAL_IDS!r} is reserved for the external ids profiles were "
            "renamed away from; rename a profile's external id with "
            "POST /v1/profiles/{id}/rename",
            field=f"{prefix}namespace",
        )
    value_field = f"{prefix}value"
    value = clean_text(raw_value, value_field, code=Code.VALUE_INVALID, max_bytes=VALUE_MAX_BYTES)
    rule = settings.rule_for(ns)
    if value.strip().casefold() in settings.blocked_for(ns):
        raise AkaError(
            Code.VALUE_BLOCKED,
            f"{value_field} {value!r} is blocked in namespace {ns!r}: such values join strangers",
            field=value_field,
        )
    if rule.normalization is Normalization.EMAIL:
        value = email(value, value_field)
    elif rule.normalization is Normalization.PHONE:
        value = phone(value, value_field)
    return IdentifierKey(ns, value)


def lookup_key(
    raw_namespace: object, raw_value: object, settings: WorkspaceSettings, *, field: str = ""
) -> IdentifierKey:
    """Like `identifier_key` but for reads: blocked values are simply never found.

    A read must not fail for a value that could never have been written; it answers
    "not found", so callers can probe without special-casing.
    """
    prefix = f"{field}." if field else ""
    ns = stored_namespace(raw_namespace, settings, f"{prefix}namespace")
    value_field = f"{prefix}value"
    value = clean_text(raw_value, value_field, code=Code.VALUE_INVALID, max_bytes=VALUE_MAX_BYTES)
    normalization = settings.rule_for(ns).normalization
    # Not an address (a number): it cannot match anything stored, so it is not found.
    if normalization is Normalization.EMAIL:
        with contextlib.suppress(AkaError):
            value = email(value, value_field)
    elif normalization is Normalization.PHONE:
        with contextlib.suppress(AkaError):
            value = phone(value, value_field)
    return IdentifierKey(ns, value)
