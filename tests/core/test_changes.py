"""`changes_of`: what a list of events changes, read from the events alone (the dry
run's `dry_run` member, ADR 0023)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aka.core import events as ev
from aka.core.changes import (
    LinkedIdentifier,
    MergedProfiles,
    MovedIdentifier,
    MovedMembership,
    changes_of,
)
from aka.core.model import Event

AT = datetime(2026, 12, 1, tzinfo=UTC)


def event(seq: int, kind: str, profile_id: str | None, **payload: Any) -> Event:
    return Event(seq, kind, profile_id, AT, "t", payload)


def item(namespace: str, value: str) -> dict[str, Any]:
    return ev.link_item(ev.key_from_json([namespace, value]), "USER", False, {})


def test_a_new_profile_and_a_link_are_created_and_linked() -> None:
    found = changes_of(
        [
            event(
                1, ev.PROFILE_CREATED, "p", external_id=None, identifiers=[item("email", "a@x.io")]
            ),
            event(2, ev.IDENTIFIER_LINKED, "p", identifiers=[item("device", "d1")]),
        ]
    )
    assert found.profiles_created == ["p"]
    assert found.identifiers_linked == [
        LinkedIdentifier("email", "a@x.io", "p"),
        LinkedIdentifier("device", "d1", "p"),
    ]


def test_a_merge_moves_identifiers_and_rewrites_or_drops_memberships() -> None:
    merged = event(
        3,
        ev.PROFILE_MERGED,
        "keep",
        keep="keep",
        merge="gone",
        identifiers=[["device", "d1"]],
        memberships=[["team", "gone", True, 1], ["keep", "gone", False, 2]],
    )
    found = changes_of([merged])
    assert found.profiles_merged == [MergedProfiles("keep", "gone")]
    assert found.identifiers_moved == [MovedIdentifier("device", "d1", "gone", "keep")]
    assert found.memberships_moved == [
        MovedMembership("team", "gone", "team", "keep"),
        MovedMembership("keep", "gone", None, None),  # it would be a self-loop: it goes
    ]


def test_an_undo_revives_the_merged_profile_and_moves_back() -> None:
    undone = event(
        4, ev.PROFILE_UNMERGED, "keep", keep="keep", merge="gone", merge_seq=3,
        identifiers=[["device", "d1"]], memberships_restored=[["team", "gone", 1]],
    )  # fmt: skip
    found = changes_of([undone])
    assert found.profiles_revived == ["gone"]
    assert found.identifiers_moved == [MovedIdentifier("device", "d1", "keep", "gone")]
    assert found.memberships_added == [MovedMembership("team", "gone", "team", "gone")]


def test_a_delete_names_the_profile_and_its_tombstones() -> None:
    deleted = event(5, ev.PROFILE_DELETED, "p", tombstones=["old"], identifiers=[])
    assert changes_of([deleted]).profiles_deleted == ["p", "old"]


def test_every_event_type_is_read() -> None:
    """A new event type must say what it changes (a dry run would list only its event)."""
    from aka.core.changes import _READERS  # noqa: PLC0415 - the table under test

    assert set(_READERS) == set(ev.ALL_TYPES)


def test_a_rename_keeps_the_old_external_id_as_a_linked_deprecated_identifier() -> None:
    renamed = event(3, ev.PROFILE_RENAMED, "p", external_id="new", previous="old")
    found = changes_of([renamed])
    assert found.profiles_updated == ["p"]
    assert found.identifiers_linked == [LinkedIdentifier(ev.EXTERNAL_IDS, "old", "p")]
    back = event(4, ev.PROFILE_RENAMED, "p", external_id="old", previous="new", reclaimed=True)
    assert changes_of([back]).identifiers_unlinked == [
        LinkedIdentifier(ev.EXTERNAL_IDS, "old", "p")
    ]


def test_an_identifier_renamed_with_keep_links_the_new_value_beside_the_old() -> None:
    kept = event(
        5, ev.IDENTIFIER_RENAMED, "p", namespace="cookie", value="c1", new_value="c2", keep=True
    )
    found = changes_of([kept])
    assert found.identifiers_changed == [LinkedIdentifier("cookie", "c1", "p")]
    assert found.identifiers_linked == [LinkedIdentifier("cookie", "c2", "p")]
    plain = event(6, ev.IDENTIFIER_RENAMED, "p", namespace="cookie", value="c2", new_value="c3")
    assert changes_of([plain]).identifiers_linked == []
