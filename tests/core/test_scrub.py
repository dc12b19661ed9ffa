"""Scrubber: the copies of a deleted person's values outside the log, cleaned by value."""

from __future__ import annotations

import json

from aka.core import events as ev
from aka.core.scrub import Scrubber, attribute_strings

from .builders import an_event

X = ev.REDACTED_PREFIX


def scrubber() -> Scrubber:
    return Scrubber.for_deletion(
        40,
        {"ann@x.io": f"{X}40:0", "user-ann": f"{X}40:x0", "7": f"{X}40:1"},
        {"Annie", "en"},
        {"p_8d0c", "p_31fa"},
    )


def test_a_whole_value_or_a_quoted_one_is_replaced_anywhere() -> None:
    """As a whole string, or quoted inside a message, in any copy."""
    s = scrubber()
    assert s.text("ann@x.io", about_person=False) == f"{X}40:0"
    assert s.text("email 'ann@x.io' is taken", about_person=False) == f"email '{X}40:0' is taken"
    assert s.text("bob@x.io", about_person=False) == "bob@x.io"


def test_a_short_value_inside_someone_elses_string_stays() -> None:
    """The alias `7` does not mangle `user-17` in a copy about somebody else; in a copy
    about the person every occurrence goes, longest value first."""
    s = scrubber()
    other = {"id": "p_bob", "external_id": "user-17"}
    assert s.document(other) is other
    about = {"id": "p_8d0c", "note": "ann@x.io and 7"}
    assert s.document(about) == {"id": "p_8d0c", "note": f"{X}40:0 and {X}40:1"}


def test_attribute_strings_go_only_from_copies_about_the_person() -> None:
    """`en` is someone's language everywhere; it is the person's only in a copy that
    names them (a value or a deleted profile id), and only as a whole string."""
    s = scrubber()
    about = {"id": "p_8d0c", "attributes": {"nick": "Annie", "lang": "en", "note": "often"}}
    assert s.document(about) == {
        "id": "p_8d0c",
        "attributes": {"nick": s.attribute_placeholder, "lang": s.attribute_placeholder,
                       "note": "often"},
    }  # fmt: skip
    other = {"id": "p_bob", "attributes": {"nick": "Annie", "lang": "en"}}
    assert s.document(other) is other


def test_keys_are_names_not_attribute_values() -> None:
    """A key equal to an attribute string stays; a key holding a value goes."""
    s = scrubber()
    doc = {"en": 1, "ann@x.io": "p_8d0c"}
    assert s.document(doc) == {"en": 1, f"{X}40:0": "p_8d0c"}


def test_numbers_and_booleans_stay() -> None:
    s = scrubber()
    doc = {"id": "p_8d0c", "age": 42, "vip": True, "email": "ann@x.io"}
    assert s.document(doc) == {"id": "p_8d0c", "age": 42, "vip": True, "email": f"{X}40:0"}


def test_an_untouched_document_is_the_same_object() -> None:
    """Callers tell "changed" by identity, without comparing whole documents."""
    doc = {"items": [{"name": "bob"}], "n": 1}
    assert scrubber().document(doc) is doc


def test_a_body_is_cleaned_as_json_or_else_as_text() -> None:
    s = scrubber()
    raw = json.dumps({"external_id": "user-ann", "n": 1}).encode()
    assert json.loads(s.body(raw)) == {"external_id": f"{X}40:x0", "n": 1}
    assert s.body(b"created 'user-ann'") == f"created '{X}40:x0'".encode()
    untouched = b'{"external_id":"user-bob"}'
    assert s.body(untouched) is untouched


def test_needles_cover_each_form_a_json_encoder_writes() -> None:
    """Raw, JSON-escaped and ASCII-escaped: a store narrows its scan with these."""
    s = Scrubber.for_deletion(1, {'zoë "z"': "x"}, (), {"p1"})
    assert set(s.needles()) == {'zoë "z"', 'zoë \\"z\\"', 'zo\\u00eb \\"z\\"', "p1"}


def test_an_empty_value_is_no_needle() -> None:
    """An empty string occurs in everything and identifies no one."""
    s = Scrubber.for_deletion(1, {"": "x"}, {""}, {"p1"})
    assert s.needles() == ["p1"]
    assert s.text("anything", about_person=True) == "anything"


def test_attribute_strings_are_every_string_the_attributes_ever_held() -> None:
    events = [
        an_event(ev.PROFILE_CREATED, seq=1, profile_id="p1", attributes={"nick": "Annie"}),
        an_event(ev.PROFILE_UPDATED, seq=2, profile_id="p1",
                 attributes={"tags": ["a", {"deep": "b"}], "age": 42}),
        an_event(ev.PROFILE_MERGED, seq=3, profile_id="p1", keep="p1", merge="p2",
                 identifiers=[], attributes_added={"city": "Oslo"}),
    ]  # fmt: skip
    assert attribute_strings(events) == {"Annie", "a", "deep", "b", "Oslo"}


def test_a_key_holds_a_value_only_as_a_token_of_its_own() -> None:
    """`create-user-ann` names the person; `req-17` does not hold the alias `7`."""
    s = scrubber()
    assert s.names_in_key("create-user-ann")
    assert s.names_in_key("7")
    assert not s.names_in_key("req-17")
    assert not s.names_in_key("user-anna")
