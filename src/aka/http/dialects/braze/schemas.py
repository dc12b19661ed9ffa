"""Braze request bodies. Unknown fields pass: Braze clients add their own (`api_key`)."""

from __future__ import annotations

from typing import Any, Literal

import msgspec
from msgspec import Struct

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
    user_aliases: list[NewAlias]


class AliasUpdate(Struct):
    alias_label: str
    old_alias_name: str
    new_alias_name: str


class AliasUpdateIn(Struct):
    alias_updates: list[AliasUpdate]


class AliasToIdentify(Struct):
    external_id: str
    user_alias: UserAlias


class EmailToIdentify(Struct):
    external_id: str
    email: str
    prioritization: list[Prioritization] = msgspec.field(default_factory=list)


class IdentifyIn(Struct):
    aliases_to_identify: list[AliasToIdentify] = msgspec.field(default_factory=list)
    emails_to_identify: list[EmailToIdentify] = msgspec.field(default_factory=list)
    merge_behavior: Literal["none", "merge"] = "merge"


class MergeIdentifier(Struct):
    """Exactly one of `external_id`, `user_alias` or `email` (with `prioritization`)."""

    external_id: str | None = None
    user_alias: UserAlias | None = None
    email: str | None = None
    prioritization: list[Prioritization] = msgspec.field(default_factory=list)


class MergeUpdate(Struct):
    identifier_to_merge: MergeIdentifier
    identifier_to_keep: MergeIdentifier


class MergeIn(Struct):
    merge_updates: list[MergeUpdate]


class DeleteIn(Struct):
    external_ids: list[str] | None = None
    user_aliases: list[UserAlias] | None = None
    braze_ids: list[str] | None = None


class ExportIn(Struct):
    external_ids: list[str] | None = None
    user_aliases: list[UserAlias] | None = None
    braze_id: str | None = None
    email_address: str | None = None
    fields_to_export: list[str] | None = None


class TrackIn(Struct):
    attributes: list[dict[str, Any]] = msgspec.field(default_factory=list)
    events: list[Any] = msgspec.field(default_factory=list)
    purchases: list[Any] = msgspec.field(default_factory=list)
