"""A key's namespace limit as a value (ADR 0026): its patterns, what it allows, what a
change touches, and answers with other namespaces left out."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from aka.core import events as ev
from aka.core.errors import AkaError, Code
from aka.core.events import Change
from aka.core.model import Event, Identifier, IdentifierKey, Profile, ResolvedProfile
from aka.core.namespace_scope import (
    PATTERNS_MAX,
    UNLIMITED,
    NamespaceScope,
    acting_as,
    current,
    touched,
)

CRM = NamespaceScope.parse(["email", "crm_*"])
AT = datetime(2026, 12, 7, tzinfo=UTC)


def _event(type_: str, payload: dict[str, Any]) -> Event:
    return Event(7, type_, "p1", AT, "key_1", payload)


def _item(namespace: str, value: str) -> dict[str, Any]:
    return ev.link_item(IdentifierKey(namespace, value), "USER", False, {})


def test_exact_names_and_prefixes_are_allowed_and_nothing_else() -> None:
    assert CRM.allows("email")
    assert CRM.allows("crm_id")
    assert CRM.allows("crm_")
    assert not CRM.allows("crm")  # the prefix is "crm_", not "crm"
    assert not CRM.allows("emails")  # an exact name is not a prefix
    assert not CRM.allows("phone")
    assert CRM.limited
    assert not UNLIMITED.limited
    assert UNLIMITED.allows("anything")


@pytest.mark.parametrize(
    ("raw", "field", "words"),
    [
        ("email", "namespaces", "must be a list of strings"),
        ([], "namespaces", f"1 to {PATTERNS_MAX} patterns"),
        ([f"n{i}" for i in range(PATTERNS_MAX + 1)], "namespaces", f"1 to {PATTERNS_MAX}"),
        (["email", 3], "namespaces[1]", "must be a string"),
        (["*"], "namespaces[0]", "at least one character"),
        (["crm_*_x"], "namespaces[0]", "single trailing '*'"),
        (["cr*m"], "namespaces[0]", "single trailing '*'"),
        (["x" * 256], "namespaces[0]", "1 to 255 characters"),
    ],
)
def test_bad_patterns_are_refused_naming_the_field_and_the_limit(
    raw: Any, field: str, words: str
) -> None:
    with pytest.raises(AkaError) as refused:
        NamespaceScope.parse(raw)
    assert refused.value.field == field
    assert words in refused.value.message


def test_none_is_no_limit_and_duplicates_are_kept_once() -> None:
    assert NamespaceScope.parse(None) is UNLIMITED
    assert NamespaceScope.parse(["email", "email", "crm_*"]).to_json() == ["email", "crm_*"]


def test_a_scope_covers_only_scopes_within_it() -> None:
    assert UNLIMITED.covers(CRM)
    assert CRM.covers(NamespaceScope.parse(["email"]))
    assert CRM.covers(NamespaceScope.parse(["crm_id", "crm_eu_*"]))
    assert not CRM.covers(UNLIMITED)
    assert not CRM.covers(NamespaceScope.parse(["cr*"]))
    assert not CRM.covers(NamespaceScope.parse(["phone"]))


@pytest.mark.parametrize(
    ("type_", "payload", "keys"),
    [
        (ev.PROFILE_CREATED, {"identifiers": [_item("email", "a"), _item("phone", "1")]}, 2),
        (ev.IDENTIFIER_LINKED, {"identifiers": [_item("phone", "1")]}, 1),
        (ev.IDENTIFIER_LINKED, {"namespace": "phone", "value": "1"}, 1),  # before ADR 0012
        (ev.IDENTIFIER_UNLINKED, {"namespace": "phone", "value": "1"}, 1),
        (ev.IDENTIFIER_CHANGED, {"namespace": "phone", "value": "1", "disabled": True}, 1),
        (ev.IDENTIFIER_RENAMED, {"namespace": "phone", "value": "1", "new_value": "2"}, 2),
        (ev.PROFILE_MERGED, {"identifiers": [["phone", "1"]], "demoted": [["phone", "1"]]}, 2),
        (ev.PROFILE_UNMERGED, {"identifiers": [["phone", "1"]], "promoted": []}, 1),
        (ev.PROFILE_DELETED, {"identifiers": [["phone", "1"]], "tombstones": []}, 1),
        (ev.MEMBERSHIP_ADDED, {"group_id": "g", "member_id": "m"}, 0),
        (ev.PROFILE_IDENTIFIED, {"external_id": "u1"}, 0),
    ],
)
def test_a_change_touches_every_identifier_it_adds_moves_changes_or_erases(
    type_: str, payload: dict[str, Any], keys: int
) -> None:
    found = touched(type_, payload)
    assert len(found) == keys
    if keys:
        assert "phone" in {k.namespace for k in found}
        with pytest.raises(AkaError) as refused:
            CRM.check_change(Change(type_, "p1", payload))
        assert refused.value.code is Code.NAMESPACE_NOT_ALLOWED
        named = {"allowed_namespaces": ["email", "crm_*"]}
        if type_ in (ev.PROFILE_MERGED, ev.PROFILE_UNMERGED, ev.PROFILE_DELETED):
            # What the graph held decided the change: which namespace is not said.
            assert refused.value.details == named
            assert "phone" not in refused.value.message
        else:
            assert refused.value.details == {"namespace": "phone", **named}
    else:
        CRM.check_change(Change(type_, "p1", payload))  # nothing outside: allowed
    UNLIMITED.check_change(Change(type_, "p1", payload))


def test_a_field_of_a_namespace_it_may_not_use_is_neither_changed_nor_shown() -> None:
    """Braze's shared `email` and `phone` fields (ADR 0018) belong to their namespaces."""
    update = Change(ev.PROFILE_UPDATED, "p1", {"attributes": {"phone": "+1", "plan": "pro"}})
    CRM.check_change(update, {"phone": "+1"})  # the phone stays: allowed
    with pytest.raises(AkaError):
        CRM.check_change(update, {"phone": "+2"})
    with pytest.raises(AkaError):
        CRM.check_change(Change(ev.PROFILE_CREATED, "p", {"attributes": {"phone": "+1"}}))
    profile = Profile("p1", attributes={"phone": "+1", "email": "a@x.io", "plan": "pro"})
    shown = CRM.redact(ResolvedProfile(profile, ()))
    assert shown.profile.attributes == {"email": "a@x.io", "plan": "pro"}


def test_answers_leave_other_namespaces_identifiers_out_and_keep_their_shape() -> None:
    email = Identifier("email", "a@x.io", "p1")
    phone = Identifier("phone", "+1", "p1")
    resolved = ResolvedProfile(Profile("p1"), (email, phone))
    assert CRM.redact(resolved).identifiers == (email,)
    assert UNLIMITED.redact(resolved) is resolved
    rows = [(IdentifierKey("crm_id", "1"), "USER"), (IdentifierKey("phone", "2"), "USER")]
    assert CRM.redact(rows) == [rows[0]]
    pair = (resolved, True)  # a fixed-shape outcome keeps its length
    assert CRM.redact(pair) == (ResolvedProfile(Profile("p1"), (email,)), True)
    untouched = [ResolvedProfile(Profile("p2"), (email,))]
    assert CRM.redact(untouched) is untouched


def test_events_keep_their_place_in_the_feed_without_other_namespaces_values() -> None:
    created = _event(
        ev.PROFILE_CREATED, {"identifiers": [_item("email", "a"), _item("phone", "1")]}
    )
    assert [i["namespace"] for i in CRM.redact(created).payload["identifiers"]] == ["email"]
    merged = _event(
        ev.PROFILE_MERGED,
        {"identifiers": [["phone", "1"], ["email", "a"]], "identifier_seqs": [3, 4]},
    )
    shown = CRM.redact(merged).payload
    assert shown["identifiers"] == [["email", "a"]]
    assert shown["identifier_seqs"] == [4]
    unlinked = CRM.redact(_event(ev.IDENTIFIER_UNLINKED, {"namespace": "phone", "value": "1"}))
    assert (unlinked.seq, unlinked.type, unlinked.payload) == (7, ev.IDENTIFIER_UNLINKED, {})
    kept = _event(ev.IDENTIFIER_UNLINKED, {"namespace": "email", "value": "a"})
    assert CRM.redact(kept) is kept


def test_the_request_scope_is_unlimited_outside_a_request() -> None:
    assert current() is UNLIMITED
    with acting_as(CRM):
        assert current() is CRM
    assert current() is UNLIMITED


def test_a_renamed_away_external_id_is_the_profiles_whatever_the_limit() -> None:
    """ADR 0024: `aka:external_id` holds what a profile's external id was; no limit
    hides it, as none hides the external id itself."""
    renamed = {"external_id": "u2", "previous": "u1"}
    assert touched(ev.PROFILE_RENAMED, renamed) == [IdentifierKey(ev.EXTERNAL_IDS, "u1")]
    back = {**renamed, "external_id": "u1", "previous": "u2", "reclaimed": True}
    assert len(touched(ev.PROFILE_RENAMED, back)) == 2
    assert CRM.allows(ev.EXTERNAL_IDS)
    CRM.check_change(Change(ev.PROFILE_RENAMED, "p1", renamed))
