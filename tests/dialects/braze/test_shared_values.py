"""Braze's shared emails and phones beside aka's joining identifiers (ADR 0018).

Braze lets several users share one email or phone and chooses among them with
`prioritization`; aka's identifiers in namespace `email` stay unique and join. Both
cases, through the door and the native API."""

from __future__ import annotations

from typing import Any

from .conftest import Braze

EMAIL = "family@x.io"


def track(braze: Braze, *attributes: dict[str, Any]) -> dict[str, Any]:
    return braze.ok(braze.post("/users/track", {"attributes": list(attributes)}))


def ids_of(users: list[dict[str, Any]]) -> list[str | None]:
    return sorted(u.get("external_id") or "-" for u in users)


def test_two_users_may_share_an_email_through_track(braze: Braze) -> None:
    """The second user with the same email is no conflict: both are processed, both keep
    the address, and an export by it answers both."""
    body = track(
        braze,
        {"external_id": "mum", "email": "Family@X.io"},
        {"external_id": "kid", "email": EMAIL},
    )
    assert body == {"attributes_processed": 2, "message": "success"}
    users = braze.export(email_address=EMAIL)["users"]
    assert ids_of(users) == ["kid", "mum"]
    assert {u["email"] for u in users} == {EMAIL}


def alias_only(braze: Braze, name: str, **fields: Any) -> None:
    """An alias-only user holding `fields`, as Braze's docs make one through track."""
    alias = {"alias_label": "cookie", "alias_name": name}
    track(braze, {"user_alias": alias, "_update_existing_only": False, **fields})


def test_identify_by_a_shared_email_follows_prioritization(braze: Braze) -> None:
    """Of an identified and an alias-only user sharing the address, `unidentified`
    picks the alias-only one, which takes the new external id."""
    track(braze, {"external_id": "mum", "email": EMAIL})
    alias_only(braze, "kid-cookie", email=EMAIL, first_name="Kid")
    body = {
        "emails_to_identify": [
            {"external_id": "kid", "email": EMAIL, "prioritization": ["unidentified"]}
        ]
    }
    assert braze.ok(braze.post("/users/identify", body)) == {
        "aliases_processed": 1,
        "message": "success",
    }
    assert ids_of(braze.export(email_address=EMAIL)["users"]) == ["kid", "mum"]
    (kid,) = braze.export(external_ids=["kid"])["users"]
    assert kid["first_name"] == "Kid"


def test_an_ambiguous_prioritization_does_nothing_and_says_so(braze: Braze) -> None:
    """Two alias-only users share the address and `["unidentified"]` leaves both: Braze
    merges nothing when more than one user matches; the minor error says why."""
    alias_only(braze, "a", email=EMAIL)
    alias_only(braze, "b", email=EMAIL)
    body = {
        "emails_to_identify": [
            {"external_id": "who", "email": EMAIL, "prioritization": ["unidentified"]}
        ]
    }
    answer = braze.ok(braze.post("/users/identify", body))
    assert answer["aliases_processed"] == 0
    (error,) = answer["errors"]
    assert (error["input_array"], error["index"]) == ("emails_to_identify", 0)
    assert "2 users have email 'family@x.io'" in error["type"]
    assert braze.export(external_ids=["who"])["users"] == []


def test_most_recently_updated_breaks_the_tie(braze: Braze) -> None:
    """Two identified users share a phone; `["identified", "most_recently_updated"]`
    merges the one updated last."""
    phone = "+14155550100"
    track(braze, {"external_id": "old", "phone": phone})
    track(braze, {"external_id": "new", "phone": phone})
    track(braze, {"external_id": "new", "touched": True})
    keep = braze.native.person(external_id="keep")
    update = {
        "identifier_to_merge": {
            "phone": phone,
            "prioritization": ["identified", "most_recently_updated"],
        },
        "identifier_to_keep": {"external_id": "keep"},
    }
    assert braze.ok(braze.post("/users/merge", {"merge_updates": [update]}), 202) == {
        "message": "success"
    }
    (kept,) = braze.export(braze_id=keep)["users"]
    assert kept["custom_attributes"] == {"touched": True}
    assert braze.export(external_ids=["old"])["users"][0]["phone"] == phone


def test_track_by_email_updates_the_identified_holder_or_creates_an_email_only_user(
    braze: Braze,
) -> None:
    """Named by its email alone, a track updates the identified holder first (Braze's
    rule); an unknown email makes an email-only user, unless `_update_existing_only`."""
    track(braze, {"external_id": "mum", "email": EMAIL})
    track(braze, {"email": EMAIL, "plan": "family"})
    (mum,) = braze.export(external_ids=["mum"])["users"]
    assert mum["custom_attributes"] == {"plan": "family"}
    body = track(
        braze,
        {"email": "new@x.io", "first_name": "New"},
        {"email": "nobody@x.io", "_update_existing_only": True},
    )
    assert body["attributes_processed"] == 1
    assert "no user with email" in body["errors"][0]["type"]
    (new,) = braze.export(email_address="new@x.io")["users"]
    assert (new.get("external_id"), new["first_name"]) == (None, "New")
    assert braze.export(email_address="nobody@x.io")["users"] == []


def test_aka_identifiers_stay_unique_and_join_beside_shared_values(braze: Braze) -> None:
    """aka's case: an `email` identifier belongs to one profile (a second link is a 409
    naming the owner), and a Braze lookup by that address finds its holder together
    with the users sharing the address as a field."""
    owner = braze.native.person(f"email:{EMAIL}", external_id="owner")
    other = braze.native.person(external_id="other")
    problem = braze.native.problem(
        braze.native.link(other, f"email:{EMAIL}"), 409, "identifier_conflict"
    )
    assert problem["owner"] == owner
    track(braze, {"external_id": "sharer", "email": EMAIL})  # no conflict: a shared value
    assert ids_of(braze.export(email_address=EMAIL)["users"]) == ["owner", "sharer"]
    assert braze.native.owner(f"email:{EMAIL}") == owner  # the identifier did not move
    update = {
        "identifier_to_merge": {
            "email": EMAIL,
            "prioritization": ["identified", "least_recently_updated"],
        },
        "identifier_to_keep": {"external_id": "other"},
    }
    braze.ok(braze.post("/users/merge", {"merge_updates": [update]}), 202)
    # The identifier's holder was updated first: the least recently updated one merged,
    # carrying its identifier (the join is aka's, explicit and undoable).
    assert braze.native.owner(f"email:{EMAIL}") == other


def test_delete_by_email_erases_the_chosen_user_and_leaves_the_others_theirs(
    braze: Braze,
) -> None:
    """`email_addresses: [{email, prioritization}]` (or a plain address naming one user)
    deletes the one user chosen; the others sharing the address keep it."""
    track(braze, {"external_id": "mum", "email": EMAIL})
    alias_only(braze, "kid-cookie", email=EMAIL)
    body = {"email_addresses": [{"email": EMAIL, "prioritization": ["unidentified"]}]}
    assert braze.ok(braze.post("/users/delete", body), 200) == {"deleted": 1, "message": "success"}
    assert ids_of(braze.export(email_address=EMAIL)["users"]) == ["mum"]
    answer = braze.ok(braze.post("/users/delete", {"phone_numbers": ["+14155550100"]}), 200)
    assert answer["deleted"] == 0
    assert answer["errors"][0]["input_array"] == "phone_numbers"
    assert braze.ok(braze.post("/users/delete", {"email_addresses": [EMAIL]}), 200)["deleted"] == 1
    assert braze.export(email_address=EMAIL)["users"] == []
