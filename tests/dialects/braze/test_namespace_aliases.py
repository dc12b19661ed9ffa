"""`namespace_aliases` through the Braze door (ADR 0027), on every store: an alias label
mapped onto a stored namespace is the native identifier there, and the export names it
by its label again."""

from __future__ import annotations

from .conftest import Braze


def test_a_mapped_alias_label_is_the_native_identifier(braze: Braze) -> None:
    r = braze.native.client.patch(
        "/v1/workspace", json={"namespace_aliases": {"braze:crm": "crm_id"}}
    )
    assert r.status_code == 200, r.text
    known = braze.native.person("crm_id:42", external_id="u1")
    # The pair exists already (under `crm_id`): left as it is, processed.
    item = {"external_id": "u1", "alias_label": "crm", "alias_name": "42"}
    assert (
        braze.ok(braze.post("/users/alias/new", {"user_aliases": [item]}))["aliases_processed"] == 1
    )
    assert braze.native.owner("crm:42") is None
    (user,) = braze.export(user_aliases=[{"alias_label": "crm", "alias_name": "42"}])["users"]
    assert user["braze_id"] == known
    assert user["user_aliases"] == [{"alias_label": "crm", "alias_name": "42"}]
    # A new alias under the label lands in the mapped namespace, on the same user.
    more = {"external_id": "u1", "alias_label": "crm", "alias_name": "43"}
    braze.ok(braze.post("/users/alias/new", {"user_aliases": [more]}))
    assert braze.native.owner("crm_id:43") is None  # one per label: Braze keeps one
    anon = {"alias_label": "crm", "alias_name": "77"}
    braze.ok(braze.post("/users/alias/new", {"user_aliases": [anon]}))
    assert braze.native.owner("crm_id:77") not in (None, known)
    identify = {"aliases_to_identify": [{"external_id": "u2", "user_alias": anon}]}
    braze.ok(braze.post("/users/identify", identify))
    assert braze.native.client.get("/v1/resolve", params={"external_id": "u2"}).json()["id"] == (
        braze.native.owner("crm_id:77")
    )


def test_a_label_mapped_onto_email_is_the_users_email(braze: Braze) -> None:
    """`braze:work_email` -> `email`: the alias is the native email identifier, which
    Braze shows in the user's `email` field (an `email` identifier is never an alias)."""
    braze.native.client.patch(
        "/v1/workspace", json={"namespace_aliases": {"braze:work_email": "email"}}
    )
    known = braze.native.person("email:ann@x.io")
    (user,) = braze.export(user_aliases=[{"alias_label": "work_email", "alias_name": "Ann@X.io"}])[
        "users"
    ]
    assert (user["braze_id"], user["email"]) == (known, "ann@x.io")
    assert user["user_aliases"] == []
