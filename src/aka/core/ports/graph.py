"""The identity graph, read: one identifier or profile at a time (`GraphReads`), many
at once for the bulk paths, and the whole graph a page at a time (`GraphPages`).

Results said to be "sorted" are sorted by every backend alike (code points for text),
so the memory twin, SQLite and PostgreSQL answer identically.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Protocol

from aka.core.model import Identifier, IdentifierKey, Membership, Profile
from aka.core.settings import WorkspaceSettings
from aka.core.state import GraphState


@dataclass(frozen=True, slots=True)
class GraphCounts:
    """How many rows a workspace's graph holds (tombstones count as profiles)."""

    profiles: int
    identifiers: int
    memberships: int


class GraphReads(Protocol):
    """The graph of one workspace as its transaction sees it: its own writes included,
    nothing another transaction has not committed.

    The workspace's settings are read here too: a reference is normalised by them
    before it is looked up (`normalize.lookup_key`), so no read of an identifier can do
    without them."""

    workspace_id: str

    def settings(self) -> WorkspaceSettings:
        """The workspace's settings (defaults where never set)."""

    # --- profiles ----------------------------------------------------------------
    def profile(self, profile_id: str) -> Profile | None:
        """The profile with this id, live or tombstone, or None."""

    def profile_by_external_id(self, external_id: str) -> Profile | None:
        """The profile (live or tombstone) holding this external id, or None."""

    def tombstones_of(self, profile_id: str) -> list[str]:
        """Ids of the tombstones that forward to this profile, sorted."""

    # --- identifiers -------------------------------------------------------------
    def identifier(self, key: IdentifierKey) -> Identifier | None:
        """The identifier with this normalised key, or None."""

    def identifiers_of(self, profile_id: str) -> list[Identifier]:
        """Every identifier the profile holds, sorted by (namespace, value)."""

    def identifiers_of_many(self, profile_ids: Collection[str]) -> list[Identifier]:
        """Every identifier held by any of these profiles, sorted by (namespace, value)."""

    def count_in_namespace(self, profile_id: str, namespace: str) -> int:
        """How many identifiers of this namespace the profile holds."""

    def identifiers_in_domain(self, namespace: str, domain: str, limit: int) -> list[Identifier]:
        """Up to `limit` identifiers of the namespace whose value ends with `@domain`
        (exactly, as stored), sorted by value."""

    def profiles_with_field(self, name: str, value: str, limit: int) -> list[Profile]:
        """Up to `limit` live profiles whose attribute `name` is the string `value`
        (exactly, as stored), sorted by id: the holders of a value several people may
        share (a Braze user's `email` or `phone`, ADR 0018)."""

    # --- many at once (bulk paths: one statement per chunk, never one per item) -------
    def identifiers_by_keys(
        self, keys: Collection[IdentifierKey]
    ) -> dict[IdentifierKey, Identifier]:
        """The stored identifiers among these keys; absent keys are simply not in the map."""

    def profiles_by_ids(self, profile_ids: Collection[str]) -> dict[str, Profile]:
        """The profiles (live or tombstone) among these ids."""

    def profiles_by_external_ids(self, external_ids: Collection[str]) -> dict[str, Profile]:
        """The profiles (live or tombstone) holding these external ids, by external id."""

    # --- memberships -------------------------------------------------------------
    def memberships_touching(self, profile_id: str) -> list[Membership]:
        """Every edge where the profile is the group or the member, sorted."""

    def groups_of(self, member_ids: Collection[str]) -> list[Membership]:
        """Every edge whose member is one of these profiles, sorted."""


class GraphPages(Protocol):
    """The whole graph of a workspace, read a page at a time (`aka export`, `aka check`).

    Keyset pages: each starts after the last key the previous one ended with, so every
    page costs what the first did and a reader holds one page, never the graph. Inside
    one transaction every page comes from the same snapshot."""

    def profiles_page(
        self, after_id: str | None, limit: int, *, tombstones: bool = False
    ) -> list[Profile]:
        """Up to `limit` live profiles (and tombstones too when `tombstones`) with
        id > `after_id` (all when None), in id order. Paging with the last id seen visits
        each profile once. (aka's ids are lower-case UUIDs, which every backend orders
        alike.)"""

    def identifiers_page(self, after: IdentifierKey | None, limit: int) -> list[Identifier]:
        """Up to `limit` identifiers, on live profiles and tombstones alike, with
        (namespace, value) after `after` (all when None), in (namespace, value) order.
        Paging with the last key seen visits each identifier once. The order is the
        database's: code points on SQLite and in memory, the columns' collation on
        PostgreSQL (the same for ASCII keys)."""

    def memberships_page(self, after: tuple[str, str] | None, limit: int) -> list[Membership]:
        """Up to `limit` edges with (group_id, member_id) > `after` (all when None), in
        (group_id, member_id) order."""

    def undone_merges(self) -> dict[int, int]:
        """Each undone merge's seq -> the seq of the latest unmerge that undid it (what
        replay leaves in `GraphState.undone`)."""

    def graph_counts(self) -> GraphCounts:
        """How many profiles, identifiers and memberships the workspace holds."""

    def graph(self) -> GraphState:
        """The whole stored graph of the workspace at once (tests; `aka check` reads
        it in pages)."""
