"""Redactor: a deleted profile's personal data replaced in events, consistently."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from aka.core import events as ev
from aka.core.model import IdentifierKey
from aka.core.redact import Redactor, keys_held, keys_moved
from aka.core.state import GraphState, is_redacted

from .builders import Log, an_event

K = IdentifierKey
ANN = K("email", "ann@x.io")
PHONE = K("phone", "+4712345678")


def redactor() -> Redactor:
    return Redactor.for_deletion(40, [PHONE, ANN], ["user-ann"])


def redacted(type_: str, **payload: Any) -> dict[str, Any] | None:
    return redactor().payload(an_event(type_, seq=3, profile_id="p1", **payload))


def test_each_value_gets_one_placeholder_that_names_the_deletion() -> None:
    """Sorted keys, numbered: stable, and traceable to the delete event."""
    r = redactor()
    assert r.key(ANN).value == f"{ev.REDACTED_PREFIX}40:0"
    assert r.key(PHONE).value == f"{ev.REDACTED_PREFIX}40:1"
    assert r.external_ids == {"user-ann": f"{ev.REDACTED_PREFIX}40:x0"}
    assert r.key(ANN).namespace == "email"  # the namespace is not personal
    assert is_redacted(r.key(ANN).value)


def test_other_values_are_left_alone() -> None:
    """Only the deleted keys map to placeholders."""
    assert redactor().key(K("email", "bob@x.io")) == K("email", "bob@x.io")


def test_a_link_of_a_deleted_identifier_loses_value_and_attributes() -> None:
    """The namespace and kind stay: they are not personal."""
    payload = redacted(
        ev.IDENTIFIER_LINKED, namespace="email", value="ann@x.io", kind="USER", attributes={"a": 1}
    )
    assert payload is not None
    assert payload["value"] == redactor().key(ANN).value
    assert payload["attributes"] == {}
    assert payload["kind"] == "USER"


def test_an_event_naming_nothing_deleted_is_unchanged() -> None:
    """None means: do not rewrite this event."""
    assert redacted(ev.IDENTIFIER_UNLINKED, namespace="email", value="bob@x.io") is None
    assert redacted(ev.MEMBERSHIP_ADDED, group_id="g", member_id="p1") is None
    assert redacted(ev.PROFILE_IDENTIFIED, external_id="user-bob") is None


def test_profile_events_lose_attributes_and_external_ids() -> None:
    """Creation, updates and identification of the deleted profile keep no personal data."""
    created = redacted(ev.PROFILE_CREATED, external_id="user-ann", attributes={"city": "Oslo"})
    assert created == {"external_id": f"{ev.REDACTED_PREFIX}40:x0", "attributes": {}}
    assert redacted(ev.PROFILE_UPDATED, attributes={"city": "Oslo"}) == {"attributes": {}}
    assert redacted(ev.PROFILE_IDENTIFIED, external_id="user-ann") == {
        "external_id": f"{ev.REDACTED_PREFIX}40:x0"
    }


def test_a_rename_loses_whichever_side_is_deleted() -> None:
    """A rename from a value that is not erased keeps that value."""
    payload = redacted(
        ev.IDENTIFIER_RENAMED, namespace="email", value="old@x.io", new_value="ann@x.io"
    )
    assert payload == {
        "namespace": "email",
        "value": "old@x.io",
        "new_value": redactor().key(ANN).value,
    }


def test_merges_and_unmerges_lose_moved_values_external_ids_and_attributes() -> None:
    """Moved values, the moved external id and the attributes given are replaced."""
    r = redactor()
    merged = redacted(
        ev.PROFILE_MERGED,
        keep="p1",
        merge="p2",
        identifiers=[["email", "ann@x.io"], ["email", "bob@x.io"]],
        demoted=[["email", "ann@x.io"]],
        external_id_moved="user-ann",
        attributes_added={"city": "Oslo"},
    )
    assert merged is not None
    assert merged["identifiers"] == [["email", r.key(ANN).value], ["email", "bob@x.io"]]
    assert merged["demoted"] == [["email", r.key(ANN).value]]
    assert merged["external_id_moved"] == r.external_ids["user-ann"]
    assert merged["attributes_added"] == {}
    unmerged = redacted(
        ev.PROFILE_UNMERGED,
        keep="p1",
        merge="p2",
        identifiers=[["phone", "+4712345678"]],
        promoted=[],
        external_id_moved=None,
        attributes_removed=["city"],
    )
    assert unmerged is not None
    assert unmerged["identifiers"] == [["phone", r.key(PHONE).value]]
    assert unmerged["attributes_removed"] == []


def test_the_deletion_event_itself_loses_values_and_external_ids() -> None:
    """The delete event lists what went, as placeholders; profile ids are ours, not personal."""
    payload = redacted(
        ev.PROFILE_DELETED,
        tombstones=["p2"],
        identifiers=[["email", "ann@x.io"]],
        external_ids=["user-ann"],
        memberships=[["g", "p1"]],
    )
    assert payload == {
        "tombstones": ["p2"],
        "identifiers": [["email", redactor().key(ANN).value]],
        "external_ids": [f"{ev.REDACTED_PREFIX}40:x0"],
        "memberships": [["g", "p1"]],
    }


def test_events_of_a_profile_that_lives_on_keep_its_own_data() -> None:
    """about_deleted=False: only the erased values go; that profile's attributes stay."""
    r = redactor()
    created = an_event(ev.PROFILE_CREATED, profile_id="p9", external_id=None, attributes={"a": 1})
    assert r.payload(created, about_deleted=False) is None
    merged = an_event(
        ev.PROFILE_MERGED,
        profile_id="p9",
        keep="p9",
        merge="p2",
        identifiers=[["email", "ann@x.io"]],
        demoted=[],
        external_id_moved=None,
        attributes_added={"a": 1},
    )
    payload = r.payload(merged, about_deleted=False)
    assert payload is not None
    assert payload["identifiers"] == [["email", r.key(ANN).value]]
    assert payload["attributes_added"] == {"a": 1}


def test_a_survivor_that_lives_on_keeps_the_names_but_not_the_values_it_was_given() -> None:
    """The deleted p2 was merged into p9 and the merge undone: replay must add and then
    remove the same attribute names on p9, but p2's values must go."""
    r = Redactor.for_deletion(40, [], [], profiles=["p2"])
    merged = an_event(
        ev.PROFILE_MERGED,
        profile_id="p9",
        keep="p9",
        merge="p2",
        identifiers=[],
        attributes_added={"city": "Oslo"},
    )
    payload = r.payload(merged)
    assert payload is not None
    assert payload["attributes_added"] == {"city": f"{ev.REDACTED_PREFIX}40:a"}
    unmerged = an_event(
        ev.PROFILE_UNMERGED,
        profile_id="p9",
        keep="p9",
        merge="p2",
        identifiers=[],
        attributes_removed=["city"],
    )
    assert (r.payload(unmerged) or unmerged.payload)["attributes_removed"] == ["city"]


def test_a_survivor_that_is_deleted_too_loses_everything_it_was_given() -> None:
    """When keep is deleted as well, nothing of what it was given needs replaying."""
    r = Redactor.for_deletion(40, [], [], profiles=["p9", "p2"])
    merged = an_event(
        ev.PROFILE_MERGED,
        profile_id="p9",
        keep="p9",
        merge="p2",
        identifiers=[],
        attributes_added={"city": "Oslo"},
    )
    payload = r.payload(merged)
    assert payload is not None
    assert payload["attributes_added"] == {}


def test_a_consistently_redacted_log_replays_to_the_same_graph_less_the_values() -> None:
    """Replaying the rewritten log gives the same profiles and no trace of the values."""
    log = Log()
    keep = log.created(external_id="user-ann", city="Oslo")
    log.linked(keep, "email", "ann@x.io")
    log.linked(keep, "phone", "+4712345678")
    delete = log.add(
        ev.PROFILE_DELETED,
        keep,
        tombstones=[],
        identifiers=[["email", "ann@x.io"], ["phone", "+4712345678"]],
        external_ids=["user-ann"],
        memberships=[],
    )
    r = Redactor.for_deletion(delete.seq, [ANN, PHONE], ["user-ann"])
    rewritten = [replace(e, payload=r.payload(e) or e.payload) for e in log.events]
    replayed = GraphState()
    replayed.apply_all(rewritten)
    assert replayed.snapshot() == log.state.snapshot()
    text = repr([e.payload for e in rewritten])
    for secret in ("ann@x.io", "+4712345678", "user-ann", "Oslo"):
        assert secret not in text


def test_keys_held_and_keys_moved_name_what_an_event_touches() -> None:
    """Held: named by an event about the holder; moved: carried by a merge or an undo."""
    renamed = an_event(ev.IDENTIFIER_RENAMED, namespace="crm", value="1", new_value="2")
    assert keys_held(renamed) == [K("crm", "1"), K("crm", "2")]
    linked = an_event(ev.IDENTIFIER_LINKED, namespace="crm", value="1")
    assert keys_held(linked) == [K("crm", "1")]
    merged = an_event(ev.PROFILE_MERGED, keep="a", merge="b", identifiers=[["crm", "1"]])
    assert keys_held(merged) == []
    assert keys_moved(merged) == {K("crm", "1")}
    assert keys_moved(linked) == set()
