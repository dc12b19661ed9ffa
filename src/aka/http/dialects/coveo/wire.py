"""Coveo's wire shapes: identity bodies and the `{errorCode, message}` error face.

`render_error` is this face's one mapping from aka's stable codes to Coveo's.
"""

from __future__ import annotations

import time
from typing import Annotated, Any, Final

import msgspec
from msgspec import Meta
from starlette.requests import Request
from starlette.responses import Response

from aka.core.errors import Code, ErrorKind
from aka.http.input_rules import Int64
from aka.http.problems import Problem
from aka.service.security_identities import (
    Disable,
    Identity,
    PutMappings,
    PutPermissions,
    kind_of,
)

_encode = msgspec.json.Encoder().encode

MAX_BODY: Final = 6 * 1024 * 1024  # Coveo refuses a single request over 6 MB
# Coveo documents no item counts, only the 6 MB body; these are ours
# (docs/dialects/coveo.md). Declared on each field: a longer array is refused while decoding (413
# REQUEST_TOO_LARGE naming the array), a batch file's item likewise, in its job's errors.
MEMBERS_MAX: Final = 10_000  # a large group in one push (measured ~3 s, off the loop)
MAPPINGS_MAX: Final = 1_000  # one person's identities in other providers
WELL_KNOWNS_MAX: Final = 100  # groups granted by one identity
# A detail flag on a 401: no token at all (UNAUTHORIZED), not a bad one (INVALID_TOKEN).
TOKEN_MISSING: Final = "token_missing"  # noqa: S105 (a flag name, not a secret)


class IdentityIn(msgspec.Struct):
    """`{name, type, additionalInfo}`; `provider` where another provider is meant."""

    name: str
    type: str | None = None
    additionalInfo: dict[str, Any] | None = None  # noqa: N815 (Coveo's wire name)
    provider: str | None = None

    def identity(self, provider: str, where: str) -> Identity:
        return Identity(
            self.provider or provider,
            self.name,
            kind_of(self.type, f"{where}.type"),
            dict(self.additionalInfo or {}),
        )


def _at_most(limit: int) -> Meta:
    return Meta(max_length=limit, description=f"At most {limit:,} identities.")


Members = Annotated[list[IdentityIn], _at_most(MEMBERS_MAX)]
WellKnowns = Annotated[list[IdentityIn], _at_most(WELL_KNOWNS_MAX)]
# Coveo's TypeScript client (`@coveo/platform-client`, which `@coveo/push-api-client`
# sends through) declares an alias's `mappings` as one object, its Java and Python
# clients and the Push API reference as an array: both are accepted. `members` and
# `wellKnowns` are arrays in every client and stay arrays (docs/dialects/coveo.md).
Mappings = Annotated[
    Annotated[list[IdentityIn], _at_most(MAPPINGS_MAX)] | IdentityIn,
    Meta(description="An array of identities, or one identity object (as Coveo's "
         "TypeScript client sends it)."),
]  # fmt: skip


def _identities(given: list[IdentityIn] | IdentityIn, provider: str, field: str) -> list[Identity]:
    """A body's identities (an array, or the one object a client sent in its place) as
    the service takes them; a bad one is named `field[n]`, or `field` when alone."""
    if isinstance(given, IdentityIn):
        return [given.identity(provider, field)]
    return [item.identity(provider, f"{field}[{n}]") for n, item in enumerate(given)]


# Each body's command, built in one place for the route and for a batch file's item.


class PermissionsIn(msgspec.Struct):
    identity: IdentityIn
    members: Members = msgspec.field(default_factory=list)
    wellKnowns: WellKnowns = msgspec.field(default_factory=list)  # noqa: N815

    def command(self, provider: str, ordering_id: int, actor: str | None) -> PutPermissions:
        return PutPermissions(
            self.identity.identity(provider, "identity"),
            _identities(self.members, provider, "members"),
            _identities(self.wellKnowns, provider, "wellKnowns"),
            ordering_id,
            actor,
        )


class MappingsIn(msgspec.Struct):
    identity: IdentityIn
    mappings: Mappings = msgspec.field(default_factory=list)
    wellKnowns: WellKnowns = msgspec.field(default_factory=list)  # noqa: N815

    def command(self, provider: str, ordering_id: int, actor: str | None) -> PutMappings:
        return PutMappings(
            self.identity.identity(provider, "identity"),
            _identities(self.mappings, provider, "mappings"),
            _identities(self.wellKnowns, provider, "wellKnowns"),
            ordering_id,
            actor,
        )


class DeleteIn(msgspec.Struct):
    identity: IdentityIn

    def command(self, provider: str, ordering_id: int, actor: str | None) -> Disable:
        return Disable(self.identity.identity(provider, "identity"), ordering_id, actor)


class OrgProviderPath(msgspec.Struct):
    organizationId: str  # noqa: N815
    providerId: str  # noqa: N815


class OrderingQuery(msgspec.Struct):
    orderingId: Int64 | None = None  # noqa: N815


class OlderThanQuery(msgspec.Struct):
    orderingId: Int64  # noqa: N815
    queueDelay: Int64 = 15  # noqa: N815 (minutes; accepted, see docs: we apply at once)


class ErrorOut(msgspec.Struct):
    """Coveo's error body."""

    errorCode: str  # noqa: N815
    message: str


def now_ms() -> int:
    """The default `orderingId`: now, in milliseconds since the epoch."""
    return time.time_ns() // 1_000_000


_BY_STATUS: Final = {
    403: "ACCESS_DENIED",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    409: "IDENTITY_CONFLICT",
    413: "REQUEST_TOO_LARGE",
    415: "UNSUPPORTED_MEDIA_TYPE",
    429: "TOO_MANY_REQUESTS",
    500: "UNEXPECTED_ERROR",
    503: "SERVICE_UNAVAILABLE",
}


def error_code(problem: Problem) -> tuple[int, str]:
    """(HTTP status, Coveo errorCode) for a problem."""
    if problem.status == 401:
        return 401, "UNAUTHORIZED" if problem.details.get(TOKEN_MISSING) else "INVALID_TOKEN"
    if problem.kind is ErrorKind.INVALID or problem.status == 422:
        if problem.code == Code.INVALID_INPUT and " parameter `" not in problem.detail:
            return 400, "INVALID_JSON"
        return 400, "INVALID_PARAMETER"
    return problem.status, _BY_STATUS.get(problem.status, "UNEXPECTED_ERROR")


def render_error(problem: Problem, request: Request) -> Response:  # noqa: ARG001 (face signature)
    status, code = error_code(problem)
    headers = dict(problem.headers)
    message = problem.detail
    if status == 400 and problem.field and problem.field not in message:
        # Coveo's body has no field member: the message names what was refused.
        message = f"{message} (at `{problem.field}`)"
    return Response(
        _encode(ErrorOut(code, message)), status, headers, media_type="application/json"
    )
