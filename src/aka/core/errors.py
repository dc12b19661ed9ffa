"""Domain errors with stable codes.

Every face (native problem+json, each vendor dialect) maps these codes to its own
envelope in exactly one function, so the code, not the message, is the contract.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any


class ErrorKind(StrEnum):
    """The broad class of an error; HTTP faces map it to a status code."""

    INVALID = "invalid"  # 422: the input breaks a documented rule
    NOT_FOUND = "not_found"  # 404
    CONFLICT = "conflict"  # 409: the graph's current state forbids it
    UNAUTHENTICATED = "unauthenticated"  # 401
    FORBIDDEN = "forbidden"  # 403
    TOO_LARGE = "too_large"  # 413
    RATE_LIMITED = "rate_limited"  # 429
    UNAVAILABLE = "unavailable"  # 503: try again shortly; nothing was changed
    UNSUPPORTED_MEDIA = "unsupported_media"  # 415: the body is declared as another format


class Code(StrEnum):
    """Stable error codes. Adding one is fine; renaming one breaks clients."""

    # invalid input
    INVALID_INPUT = "invalid_input"
    NAMESPACE_INVALID = "namespace_invalid"
    VALUE_INVALID = "value_invalid"
    VALUE_BLOCKED = "value_blocked"
    EMAIL_INVALID = "email_invalid"
    PHONE_INVALID = "phone_invalid"
    EXTERNAL_ID_INVALID = "external_id_invalid"
    ATTRIBUTES_INVALID = "attributes_invalid"
    SETTINGS_INVALID = "settings_invalid"
    TOO_MANY_OPERATIONS = "too_many_operations"
    TOO_MANY_ITEMS = "too_many_items"
    IDEMPOTENCY_KEY_INVALID = "idempotency_key_invalid"
    IDEMPOTENCY_KEY_REUSED = "idempotency_key_reused"
    # not found
    PROFILE_NOT_FOUND = "profile_not_found"
    IDENTIFIER_NOT_FOUND = "identifier_not_found"
    MERGE_NOT_FOUND = "merge_not_found"
    KEY_NOT_FOUND = "key_not_found"
    WORKSPACE_NOT_FOUND = "workspace_not_found"
    MEMBERSHIP_NOT_FOUND = "membership_not_found"
    ROUTE_NOT_FOUND = "route_not_found"
    FILE_NOT_FOUND = "file_not_found"
    JOB_NOT_FOUND = "job_not_found"
    WEBHOOK_NOT_FOUND = "webhook_not_found"
    # conflicts
    IDENTIFIER_CONFLICT = "identifier_conflict"
    EXTERNAL_ID_CONFLICT = "external_id_conflict"
    MERGE_SAME_PROFILE = "merge_same_profile"
    MERGE_BOTH_IDENTIFIED = "merge_both_identified"
    MERGE_ALREADY_UNDONE = "merge_already_undone"
    MERGE_NOT_UNDOABLE = "merge_not_undoable"
    NAMESPACE_LIMIT = "namespace_limit"
    ALREADY_IDENTIFIED = "already_identified"
    NOT_IDENTIFIED = "not_identified"
    EXTERNAL_ID_NOT_DEPRECATED = "external_id_not_deprecated"
    AMBIGUOUS_REFERENCE = "ambiguous_reference"
    WORKSPACE_EXISTS = "workspace_exists"
    GROUP_CYCLE = "group_cycle"
    NAMESPACE_ALIASES_IN_USE = "namespace_aliases_in_use"
    WEBHOOK_LIMIT = "webhook_limit"
    # auth and transport
    UNAUTHENTICATED = "unauthenticated"
    FORBIDDEN = "forbidden"
    NAMESPACE_NOT_ALLOWED = "namespace_not_allowed"
    BODY_TOO_LARGE = "body_too_large"
    UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type"
    RATE_LIMITED = "rate_limited"
    METHOD_NOT_ALLOWED = "method_not_allowed"
    STORE_BUSY = "store_busy"
    TOO_MANY_STREAMS = "too_many_streams"


_KIND_OF: dict[Code, ErrorKind] = {
    Code.INVALID_INPUT: ErrorKind.INVALID,
    Code.NAMESPACE_INVALID: ErrorKind.INVALID,
    Code.VALUE_INVALID: ErrorKind.INVALID,
    Code.VALUE_BLOCKED: ErrorKind.INVALID,
    Code.EMAIL_INVALID: ErrorKind.INVALID,
    Code.PHONE_INVALID: ErrorKind.INVALID,
    Code.EXTERNAL_ID_INVALID: ErrorKind.INVALID,
    Code.ATTRIBUTES_INVALID: ErrorKind.INVALID,
    Code.SETTINGS_INVALID: ErrorKind.INVALID,
    Code.TOO_MANY_OPERATIONS: ErrorKind.TOO_LARGE,
    Code.TOO_MANY_ITEMS: ErrorKind.TOO_LARGE,
    Code.IDEMPOTENCY_KEY_INVALID: ErrorKind.INVALID,
    Code.IDEMPOTENCY_KEY_REUSED: ErrorKind.INVALID,
    Code.PROFILE_NOT_FOUND: ErrorKind.NOT_FOUND,
    Code.IDENTIFIER_NOT_FOUND: ErrorKind.NOT_FOUND,
    Code.MERGE_NOT_FOUND: ErrorKind.NOT_FOUND,
    Code.KEY_NOT_FOUND: ErrorKind.NOT_FOUND,
    Code.WORKSPACE_NOT_FOUND: ErrorKind.NOT_FOUND,
    Code.MEMBERSHIP_NOT_FOUND: ErrorKind.NOT_FOUND,
    Code.ROUTE_NOT_FOUND: ErrorKind.NOT_FOUND,
    Code.FILE_NOT_FOUND: ErrorKind.NOT_FOUND,
    Code.JOB_NOT_FOUND: ErrorKind.NOT_FOUND,
    Code.WEBHOOK_NOT_FOUND: ErrorKind.NOT_FOUND,
    Code.IDENTIFIER_CONFLICT: ErrorKind.CONFLICT,
    Code.EXTERNAL_ID_CONFLICT: ErrorKind.CONFLICT,
    Code.MERGE_SAME_PROFILE: ErrorKind.CONFLICT,
    Code.MERGE_BOTH_IDENTIFIED: ErrorKind.CONFLICT,
    Code.MERGE_ALREADY_UNDONE: ErrorKind.CONFLICT,
    Code.MERGE_NOT_UNDOABLE: ErrorKind.CONFLICT,
    Code.NAMESPACE_LIMIT: ErrorKind.CONFLICT,
    Code.ALREADY_IDENTIFIED: ErrorKind.CONFLICT,
    Code.NOT_IDENTIFIED: ErrorKind.CONFLICT,
    Code.EXTERNAL_ID_NOT_DEPRECATED: ErrorKind.CONFLICT,
    Code.AMBIGUOUS_REFERENCE: ErrorKind.CONFLICT,
    Code.WORKSPACE_EXISTS: ErrorKind.CONFLICT,
    Code.GROUP_CYCLE: ErrorKind.CONFLICT,
    Code.NAMESPACE_ALIASES_IN_USE: ErrorKind.CONFLICT,
    Code.UNAUTHENTICATED: ErrorKind.UNAUTHENTICATED,
    Code.FORBIDDEN: ErrorKind.FORBIDDEN,
    Code.NAMESPACE_NOT_ALLOWED: ErrorKind.FORBIDDEN,
    Code.BODY_TOO_LARGE: ErrorKind.TOO_LARGE,
    Code.UNSUPPORTED_MEDIA_TYPE: ErrorKind.UNSUPPORTED_MEDIA,
    Code.RATE_LIMITED: ErrorKind.RATE_LIMITED,
    Code.METHOD_NOT_ALLOWED: ErrorKind.INVALID,
    Code.STORE_BUSY: ErrorKind.UNAVAILABLE,
    Code.TOO_MANY_STREAMS: ErrorKind.UNAVAILABLE,
    Code.WEBHOOK_LIMIT: ErrorKind.CONFLICT,
}


GUARDRAILS: frozenset[str] = frozenset(
    {Code.MERGE_BOTH_IDENTIFIED, Code.NAMESPACE_LIMIT, Code.VALUE_BLOCKED}
)
"""The refusals that are guardrails rather than mistakes (README): a merge of two
identified profiles without `force`, a namespace's per-profile cap, a blocked value."""


class AkaError(Exception):
    """A refusal with a stable code, a human sentence, the offending field and details."""

    def __init__(
        self,
        code: Code,
        message: str,
        *,
        field: str | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field
        self.details = details or {}

    @property
    def kind(self) -> ErrorKind:
        return _KIND_OF[self.code]

    def at(self, prefix: str) -> AkaError:
        """The same error with its field path placed under `prefix` (for nested bodies)."""
        field = f"{prefix}.{self.field}" if self.field else prefix
        return AkaError(self.code, self.message, field=field, details=self.details)

    def __repr__(self) -> str:
        return f"AkaError({self.code.value!r}, {self.message!r}, field={self.field!r})"
