"""The native API's wire shapes. They validate requests and generate the OpenAPI schemas,
so the documentation cannot drift from what the server accepts."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, ClassVar, Final

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

    # An external id is renamed, not patched: the refusal says where to go (ADR 0024).
    FIELD_HINTS: ClassVar[dict[str, str]] = {
        "external_id": "an external id is not patched; rename it with "
        "POST /v1/profiles/{id}/rename (the old one stays as a deprecated identifier)"
    }


class RenameIn(_In):
    external_id: Annotated[
        str,
        Meta(
            description="The profile's new external id; its current one stays as a "
            "deprecated identifier (namespace `aka:external_id`) until removed."
        ),
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
    dry_run: Annotated[
        bool, Meta(description="true: the whole batch is a dry run, as `?dry_run=true`.")
    ] = False


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
    namespace_aliases: (
        Annotated[
            dict[str, str | None],
            Meta(
                description='`{"<door>:<door namespace>": namespace}`: where a door\'s '
                "namespace (a Coveo provider, a Braze alias label, `mimecast:address`, "
                "`appizer:alias|email|phone`) is stored. A null entry removes it, a null "
                "object all (ADR 0027)."
            ),
        ]
        | UnsetType
        | None
    ) = UNSET


# --- answers ---------------------------------------------------------------------------


# --- a dry run's `dry_run` member (ADR 0023; `aka.core.changes` says what each means) ---


class LinkedIdentifierOut(Struct):
    namespace: str
    value: str
    profile_id: str


class MovedIdentifierOut(Struct):
    namespace: str
    value: str
    from_profile: str
    to_profile: str


class MergedProfilesOut(Struct):
    keep: str
    merge: str


class MovedMembershipOut(Struct):
    """`group_id` -> `member_id` as it is; `to_*` as it would be (null: it would go)."""

    group_id: str
    member_id: str
    to_group_id: str | None
    to_member_id: str | None


class WouldWriteOut(Struct):
    """An event the real call would append (its `seq` and time are given when it is)."""

    type: str
    profile_id: str | None
    payload: dict[str, Any]


class DryRunOut(Struct):
    """What the real call would change. Nothing was written."""

    status: Annotated[int, Meta(description="The status the real call would answer.")]
    profiles_created: list[str]
    profiles_updated: list[str]
    profiles_merged: list[MergedProfilesOut]
    profiles_revived: list[str]
    profiles_deleted: list[str]
    identifiers_linked: list[LinkedIdentifierOut]
    identifiers_moved: list[MovedIdentifierOut]
    identifiers_changed: list[LinkedIdentifierOut]
    identifiers_unlinked: list[LinkedIdentifierOut]
    memberships_added: list[MovedMembershipOut]
    memberships_removed: list[MovedMembershipOut]
    memberships_moved: list[MovedMembershipOut]
    events: list[WouldWriteOut]


DryRunMember = Annotated[
    DryRunOut | UnsetType,
    Meta(description="Only in the answer to a dry run (`dry_run=true`): what would change."),
]


class DryRunAnswerOut(Struct):
    """A dry run's answer where the real call answers 204 (no body): 200 and this."""

    dry_run: DryRunOut


class IdentifierOut(Struct):
    namespace: str
    value: str
    kind: Kind
    primary: bool
    disabled: bool
    attributes: dict[str, Any]
    created_at: datetime | None
    deprecated: Annotated[
        bool,
        Meta(
            description="A name the profile was renamed away from (an old external id in "
            "`aka:external_id`, an alias kept on update): it still resolves, until removed."
        ),
    ] = False


class ProfileOut(Struct, omit_defaults=True):
    id: str
    external_id: str | None
    attributes: dict[str, Any]
    identifiers: list[IdentifierOut]
    created_at: datetime | None
    updated_at: datetime | None
    deprecated_match: Annotated[
        bool,
        Meta(
            description="Resolve only, present when true: the reference named one of the "
            "profile's deprecated identifiers (e.g. an external id it was renamed away "
            "from). It still resolves until removed; move callers to the current one."
        ),
    ] = False
    dry_run: DryRunMember = UNSET


class MergeOut(Struct):
    id: Annotated[int, Meta(description="The merge's id; `POST /v1/merges/{id}/undo` takes it.")]
    profile: ProfileOut
    dry_run: DryRunMember = UNSET


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
    dry_run: DryRunMember = UNSET


class BatchResultOut(Struct, omit_defaults=True):
    status: int
    profile: ProfileOut | None = None
    merge_id: int | None = None
    problem: dict[str, Any] | None = None


class BatchOut(Struct):
    results: list[BatchResultOut]
    dry_run: DryRunMember = UNSET


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
        i.namespace,
        i.value,
        i.kind,
        i.primary,
        i.disabled,
        i.attributes,
        i.created_at,
        i.deprecated,
    )


def profile_out(r: ResolvedProfile, *, deprecated_match: bool = False) -> ProfileOut:
    p = r.profile
    return ProfileOut(
        p.id,
        p.external_id,
        p.attributes,
        [identifier_out(i) for i in r.identifiers],
        p.created_at,
        p.updated_at,
        deprecated_match,
    )


def event_out(e: Event) -> EventOut:
    return EventOut(e.seq, e.type, e.profile_id, e.at, e.actor, e.payload)


def expansion_out(x: Expansion) -> ExpansionOut:
    return ExpansionOut(profile_out(x.profile), [profile_out(g) for g in x.groups], x.depth_limited)
