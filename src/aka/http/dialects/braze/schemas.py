"""Braze request bodies. Unknown fields pass: Braze clients add their own (`api_key`)."""

from __future__ import annotations

from typing import Annotated, Any, Final, Literal

import msgspec
from msgspec import Meta, Struct

# Braze's documented maxima: 50 items per array of a user-identity request, 75 per
# `/users/track` array. Declared on each field: a longer array is refused while the body
# is decoded (`too_many_items`, naming the array), and OpenAPI shows it as `maxItems`.
MAX_ITEMS: Final = 50
TRACK_MAX_ITEMS: Final = 75
PRIORITIZATION_MAX: Final = 4  # there are four values to put in order


def _limited(limit: int) -> Meta:
    return Meta(max_length=limit, description=f"At most {limit} items (Braze's limit).")


Prioritization = Literal[
    "identified", "unidentified", "most_recently_updated", "least_recently_updated"
]


class UserAlias(Struct):
    alias_label: str
    alias_name: str


class NewAlias(Struct):
    alias_label: str
    alias_name: str
    external_id: str | None = None


class AliasNewIn(Struct):
    user_aliases: Annotated[list[NewAlias], _limited(MAX_ITEMS)]


class AliasUpdate(Struct):
    alias_label: str
    old_alias_name: str
    new_alias_name: str


class AliasUpdateIn(Struct):
    alias_updates: Annotated[list[AliasUpdate], _limited(MAX_ITEMS)]
    # aka's own option (Braze has none): the old names stay on their users as deprecated
    # aliases, still resolving until removed (docs/dialects/braze.md, ADR 0024).
    keep_old_alias_names: bool = False


class ExternalIdRename(Struct):
    current_external_id: str
    new_external_id: str


class ExternalIdRenameIn(Struct):
    external_id_renames: Annotated[list[ExternalIdRename], _limited(MAX_ITEMS)]


class ExternalIdRemoveIn(Struct):
    external_ids: Annotated[list[str], _limited(MAX_ITEMS)]


class AliasToIdentify(Struct):
    external_id: str
    user_alias: UserAlias


class EmailToIdentify(Struct):
    external_id: str
    email: str
    prioritization: Annotated[list[Prioritization], Meta(max_length=PRIORITIZATION_MAX)] = (
        msgspec.field(default_factory=list)
    )


class PhoneToIdentify(Struct):
    external_id: str
    phone: str
    prioritization: Annotated[list[Prioritization], Meta(max_length=PRIORITIZATION_MAX)] = (
        msgspec.field(default_factory=list)
    )


class IdentifyIn(Struct):
    aliases_to_identify: Annotated[list[AliasToIdentify], _limited(MAX_ITEMS)] = msgspec.field(
        default_factory=list
    )
    emails_to_identify: Annotated[list[EmailToIdentify], _limited(MAX_ITEMS)] = msgspec.field(
        default_factory=list
    )
    phone_numbers_to_identify: Annotated[list[PhoneToIdentify], _limited(MAX_ITEMS)] = (
        msgspec.field(default_factory=list)
    )
    merge_behavior: Literal["none", "merge"] = "merge"


class MergeIdentifier(Struct):
    """Exactly one of `external_id`, `user_alias`, `email` or `phone` (the last two with
    `prioritization`)."""

    external_id: str | None = None
    user_alias: UserAlias | None = None
    email: str | None = None
    phone: str | None = None
    prioritization: Annotated[list[Prioritization], Meta(max_length=PRIORITIZATION_MAX)] = (
        msgspec.field(default_factory=list)
    )


class MergeUpdate(Struct):
    identifier_to_merge: MergeIdentifier
    identifier_to_keep: MergeIdentifier


class MergeIn(Struct):
    merge_updates: Annotated[list[MergeUpdate], _limited(MAX_ITEMS)]


class EmailToDelete(Struct):
    email: str
    prioritization: Annotated[list[Prioritization], Meta(max_length=PRIORITIZATION_MAX)] = (
        msgspec.field(default_factory=list)
    )


class PhoneToDelete(Struct):
    phone: str
    prioritization: Annotated[list[Prioritization], Meta(max_length=PRIORITIZATION_MAX)] = (
        msgspec.field(default_factory=list)
    )


class DeleteIn(Struct):
    external_ids: Annotated[list[str], _limited(MAX_ITEMS)] | None = None
    user_aliases: Annotated[list[UserAlias], _limited(MAX_ITEMS)] | None = None
    braze_ids: Annotated[list[str], _limited(MAX_ITEMS)] | None = None
    # Braze's table says strings, its example `{email, prioritization}` objects: both.
    email_addresses: Annotated[list[str | EmailToDelete], _limited(MAX_ITEMS)] | None = None
    phone_numbers: Annotated[list[str | PhoneToDelete], _limited(MAX_ITEMS)] | None = None


class ExportIn(Struct):
    external_ids: Annotated[list[str], _limited(MAX_ITEMS)] | None = None
    user_aliases: Annotated[list[UserAlias], _limited(MAX_ITEMS)] | None = None
    device_id: str | None = None
    braze_id: str | None = None
    email_address: str | None = None
    phone: str | None = None
    fields_to_export: Annotated[list[str], _limited(MAX_ITEMS)] | None = None


class TrackIn(Struct):
    attributes: Annotated[list[dict[str, Any]], _limited(TRACK_MAX_ITEMS)] = msgspec.field(
        default_factory=list
    )
    events: Annotated[list[Any], _limited(TRACK_MAX_ITEMS)] = msgspec.field(default_factory=list)
    purchases: Annotated[list[Any], _limited(TRACK_MAX_ITEMS)] = msgspec.field(default_factory=list)
