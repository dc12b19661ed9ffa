"""One workspace, one graph, every door: Braze writes read through Appizer and the
native API, and Appizer writes read through Braze."""

from __future__ import annotations

from tests.http.conftest import ADMIN_KEY, bearer

from .conftest import Braze


def test_a_braze_alias_resolves_through_appizer_and_native(braze: Braze) -> None:
    braze.native.person(external_id="u1")
    items = [
        {"external_id": "u1", "alias_label": "alias", "alias_name": "legacy_1"},
        {"external_id": "u1", "alias_label": "cookie", "alias_name": "c1"},
    ]
    braze.ok(braze.post("/users/alias/new", {"user_aliases": items}))
    owner = braze.native.owner("cookie:c1")
    assert owner is not None
    assert braze.native.owner("alias:legacy_1") == owner
    for any_id in ("u1", "legacy_1", owner):
        r = braze.client.get(f"/v1/users/{any_id}", headers=bearer(ADMIN_KEY))
        assert r.status_code == 200, r.text
        user = r.json()
        assert (user["user_id"], user["primary_user_id"]) == ("u1", owner)
        assert user["aliases"] == ["legacy_1"]
        assert {"namespace": "cookie", "value": "c1"} in user["identifiers"]


def test_an_appizer_user_and_alias_export_through_braze(braze: Braze) -> None:
    auth = bearer(ADMIN_KEY)
    body = {"user_id": "user_123", "email": "Ann@X.io", "properties": {"plan": "pro"}}
    assert braze.client.post("/v1/users", json=body, headers=auth).status_code == 201
    alias = {"user_id": "user_123", "alias_id": "legacy_999"}
    assert braze.client.post("/v1/users/aliases", json=alias, headers=auth).status_code == 201
    (user,) = braze.export(user_aliases=[{"alias_label": "alias", "alias_name": "legacy_999"}])[
        "users"
    ]
    assert user["external_id"] == "user_123"
    assert user["email"] == "ann@x.io"
    assert user["custom_attributes"] == {"plan": "pro"}
    assert {"alias_label": "alias", "alias_name": "legacy_999"} in user["user_aliases"]


def test_a_braze_identify_merge_is_undone_through_the_native_api(braze: Braze) -> None:
    """The native door can undo what the Braze door merged."""
    known = braze.native.person(external_id="u1")
    anon = braze.native.person("cookie:c1")
    item = {"external_id": "u1", "user_alias": {"alias_label": "cookie", "alias_name": "c1"}}
    braze.ok(braze.post("/users/identify", {"aliases_to_identify": [item]}))
    merge = next(e for e in braze.native.events() if e["type"] == "profile.merged")
    undo = braze.native.client.post(f"/v1/merges/{merge['seq']}/undo")
    assert undo.status_code == 200, undo.text
    assert braze.native.owner("cookie:c1") == anon != known
