"""The native API's wire shapes. They validate requests and generate the OpenAPI schemas,
so the documentation cannot drift from what the server accepts."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Final

import msgspec
from msgspec import UNSET, Meta, Struct, UnsetType

from aka.core.model import Event, Expansion, Identifier, Kind, ResolvedProfile
from aka.core.namespace_scope import PATTERNS_MAX
from aka.core.settings import MergePolicy, Normalization
from aka.service.identities import NewIdentifier
from aka.service.refs import ProfileRef

Attributes = Annotated[
    dict[str, Any], Meta(description="A small JSON object (≤256 keys, ≤16 KiB).")
]

# Every array a request may carry has a maximum, declared here once: msgspec refuses a
# longer one while decoding, before any work (`too_many_items`, naming the field and
# the maximum), and the OpenAPI document shows it as `maxItems`. (A batch's operations
# are bounded by the AKA_BATCH_MAX_OPERATIONS setting instead, checked before it runs.)
IDENTIFIERS_MAX: Final = 1000
"""Identifiers in one new profile: ten times a namespace's default per-profile cap;
more are linked afterwards (`POST /v1/batch`). Measured: 1,000 in ~0.1 s (SQLite)."""
SCOPES_MAX: Final = 64  # a key's scopes: there are fewer distinct ones than this
VALUES_MAX: Final = 1000  # blocked values and internal domains: settings, read per write


def _at_most(limit: int, what: str) -> Meta:
    return Meta(max_length=limit, description=f"At most {limit:,} {what}.")


class _In(Struct, forbid_unknown_fields=True, omit_defaults=True):
    """Request bodies: unknown fields are refused, so typos never pass silently."""


class ProfileRefIn(_In):
    """Exactly one of: `profile_id`; `external_id`; `namespace` + `value`."""

    profile_id: str | None = None
    external_id: str | None = None
    namespace: str | None = None
    value: str | None = None

    def ref(self) -> ProfileRef:
        return ProfileRef(self.profile_id, self.external_id, self.namespace, self.value)


class IdentifierIn(_In):
    namespace: str
    value: str
    kind: Kind = Kind.USER
    primary: bool = False
    attributes: Attributes = msgspec.field(default_factory=dict)

    def new(self) -> NewIdentifier:
        return NewIdentifier(self.namespace, self.value, self.kind, self.primary, self.attributes)


Identifiers = Annotated[list[IdentifierIn], _at_most(IDENTIFIERS_MAX, "identifiers")]


class IdentifierKeyIn(_In):
    namespace: str
    value: str


class CreateProfileIn(_In):
    external_id: str | None = None
    attributes: Attributes = msgspec.field(default_factory=dict)
    identifiers: Identifiers = msgspec.field(default_factory=list)


class UpdateProfileIn(_In):
    attributes: Annotated[
        dict[str, Any], Meta(description="JSON merge patch: a null value removes the key.")
    ]


class IdentifyIn(_In):
    profile: ProfileRefIn
    external_id: str


class MergeIn(_In):
    keep: ProfileRefIn
    merge: ProfileRefIn
    force: bool = False


class ExplainIn(_In):
    a: ProfileRefIn
    b: ProfileRefIn


class MembershipIn(_In):
    group: ProfileRefIn
    member: ProfileRefIn


# --- batch ---------------------------------------------------------------------------


class LinkOp(_In, tag="link", tag_field="op"):
    identifier: IdentifierIn
    profile: ProfileRefIn | None = None


class UnlinkOp(_In, tag="unlink", tag_field="op"):
    identifier: IdentifierKeyIn


class IdentifyOp(_In, tag="identify", tag_field="op"):
    profile: ProfileRefIn
    external_id: str


class MergeOp(_In, tag="merge", tag_field="op"):
    keep: ProfileRefIn
    merge: ProfileRefIn
    force: bool = False


class CreateOp(_In, tag="create", tag_field="op"):
    external_id: str | None = None
    attributes: Attributes = msgspec.field(default_factory=dict)
    identifiers: Identifiers = msgspec.field(default_factory=list)


Operation = LinkOp | UnlinkOp | IdentifyOp | MergeOp | CreateOp


BATCH_OPERATIONS_CEILING: Final = 100_000
"""The most AKA_BATCH_MAX_OPERATIONS may allow (config.py): the schema's bound; the
setting's own, lower one is checked before the batch runs (`too_many_operations`)."""


class BatchIn(_In):
    operations: Annotated[
        list[Operation],
        Meta(
            max_length=BATCH_OPERATIONS_CEILING,
            description="At most AKA_BATCH_MAX_OPERATIONS (default 10,000) operations.",
        ),
    ]


# --- keys and workspace ---------------------------------------------------------------


_LIMITS = (
    "Per endpoint group (`read`, `write`, `admin`): `N/second`, `N/minute` or `N/hour`, "
    'e.g. `{"read": "100/minute"}`.'
)


class KeyIn(_In):
    name: str = ""
    scopes: Annotated[list[str], _at_most(SCOPES_MAX, "scopes")] | None = None
    rate_limits: Annotated[
        dict[str, str] | None,
        Meta(description=f"This key's own limits, over the workspace's. {_LIMITS}"),
    ] = None
    namespaces: (
        Annotated[
            list[str],
            Meta(
                max_length=PATTERNS_MAX,
                description="The namespaces this key may see and write: exact names and "
                "prefixes ending in `*` (e.g. `crm_*`), at most "
                f"{PATTERNS_MAX}. Left out: every namespace. On every door, identifiers in "
                "other namespaces are left out of answers and look absent; writes that "
                "would touch them are refused (403 `namespace_not_allowed`).",
            ),
        ]
        | None
    ) = None


Values = Annotated[list[str], _at_most(VALUES_MAX, "values")]


class NamespaceRuleIn(_In):
    normalization: Normalization | UnsetType = UNSET
    max_per_profile: Annotated[int, Meta(ge=1, le=1_000_000)] | UnsetType = UNSET
    blocked_values: Values | UnsetType | None = UNSET


class WorkspacePatchIn(_In):
    """A JSON merge patch over the workspace settings; a null namespace rule removes it."""

    merge_policy: MergePolicy | UnsetType = UNSET
    namespaces: dict[str, NamespaceRuleIn | None] | UnsetType = UNSET
    blocked_values: Values | UnsetType = UNSET
    internal_domains: Values | UnsetType = UNSET
    rate_limits: (
        Annotated[
            dict[str, str | None],
            Meta(
                description=f"The workspace's limits, over the server's. {_LIMITS} "
                "A null group removes its override."
            ),
        ]
        | UnsetType
        | None
    ) = UNSET


# --- answers ---------------------------------------------------------------------------


class IdentifierOut(Struct):
    namespace: str
    value: str
    kind: Kind
    primary: bool
    disabled: bool
    attributes: dict[str, Any]
    created_at: datetime | None


class ProfileOut(Struct):
    id: str
    external_id: str | None
    attributes: dict[str, Any]
    identifiers: list[IdentifierOut]
    created_at: datetime | None
    updated_at: datetime | None


class MergeOut(Struct):
    id: Annotated[int, Meta(description="The merge's id; `POST /v1/merges/{id}/undo` takes it.")]
    profile: ProfileOut


class EventOut(Struct):
    seq: int
    type: str
    profile_id: str | None
    at: datetime
    actor: str | None
    payload: dict[str, Any]


class HistoryOut(Struct):
    profile_id: str
    events: list[EventOut]


class ExplainOut(Struct):
    same: bool
    a: str
    b: str
    events: list[EventOut]


class ExpansionOut(Struct):
    profile: ProfileOut
    groups: list[ProfileOut]
    depth_limited: bool


class EventsPageOut(Struct):
    events: list[EventOut]
    next_after: Annotated[int, Meta(description="Pass as `after` to read on.")]


class MembershipOut(Struct):
    group_id: str
    member_id: str


class BatchResultOut(Struct, omit_defaults=True):
    status: int
    profile: ProfileOut | None = None
    merge_id: int | None = None
    problem: dict[str, Any] | None = None


class BatchOut(Struct):
    results: list[BatchResultOut]


class KeyOut(Struct):
    id: str
    name: str
    prefix: str
    scopes: list[str]
    created_at: datetime
    revoked_at: datetime | None
    rate_limits: dict[str, str] = msgspec.field(default_factory=dict)
    namespaces: Annotated[
        list[str] | None, Meta(description="The namespaces the key may use; null: all.")
    ] = None


class KeyCreatedOut(Struct):
    id: str
    name: str
    prefix: str
    scopes: list[str]
    created_at: datetime
    secret: Annotated[str, Meta(description="Shown once; only its hash is stored.")]
    rate_limits: dict[str, str] = msgspec.field(default_factory=dict)
    namespaces: Annotated[
        list[str] | None, Meta(description="The namespaces the key may use; null: all.")
    ] = None


class KeyListOut(Struct):
    keys: list[KeyOut]


class WorkspaceOut(Struct):
    id: str
    settings: dict[str, Any]
    created_at: datetime
    last_seq: int


# --- mapping domain -> wire -------------------------------------------------------------


def identifier_out(i: Identifier) -> IdentifierOut:
    return IdentifierOut(
        i.namespace, i.value, i.kind, i.primary, i.disabled, i.attributes, i.created_at
    )


def profile_out(r: ResolvedProfile) -> ProfileOut:
    p = r.profile
    return ProfileOut(
        p.id,
        p.external_id,
        p.attributes,
        [identifier_out(i) for i in r.identifiers],
        p.created_at,
        p.updated_at,
    )


def event_out(e: Event) -> EventOut:
    return EventOut(e.seq, e.type, e.profile_id, e.at, e.actor, e.payload)


def expansion_out(x: Expansion) -> ExpansionOut:
    return ExpansionOut(profile_out(x.profile), [profile_out(g) for g in x.groups], x.depth_limited)
