"""`aka keys create --namespace`: a key limited to namespaces (ADR 0026), shown by
`aka keys list` and held to its limit by the app on the same store."""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.testclient import TestClient

from aka.app import build_app
from aka.config import Settings

if TYPE_CHECKING:
    from tests.cli.conftest import Cli


def test_keys_create_takes_repeated_namespaces_and_list_shows_them(world: Cli) -> None:
    created = world.json("keys", "create", "--namespace", "email", "--namespace", "crm_*")
    assert created["namespaces"] == ["email", "crm_*"]
    listed = {k["id"]: k["namespaces"] for k in world.json("keys", "list")}
    assert listed[created["id"]] == ["email", "crm_*"]
    assert [n for n in listed.values() if n is None]  # the admin key: every namespace
    plain = world.ok("keys", "create", "--namespace", "email").output
    assert "namespaces: email" in plain


def test_a_key_made_with_namespaces_sees_only_them(world: Cli) -> None:
    created = world.json("keys", "create", "--namespace", "email")
    limited = {"Authorization": f"Bearer {created['secret']}"}
    with world.api() as admin:
        r = admin.post(
            "/v1/profiles",
            json={
                "identifiers": [
                    {"namespace": "email", "value": "ann@x.io"},
                    {"namespace": "phone", "value": "+14155550100"},
                ]
            },
        )
        ann = r.json()["id"]
    with TestClient(build_app(Settings(database_url=world.url))) as client:
        seen = client.get(f"/v1/profiles/{ann}", headers=limited).json()["identifiers"]
        assert [i["namespace"] for i in seen] == ["email"]


def test_a_bad_namespace_pattern_is_refused_naming_the_option(world: Cli) -> None:
    result = world("keys", "create", "--namespace", "crm*x")
    assert result.exit_code != 0
    assert "--namespace" in result.output
    assert "trailing '*'" in result.output
    mimecast = world("keys", "create", "--mimecast", "--namespace", "*")
    assert mimecast.exit_code != 0
    assert "--namespace" in mimecast.output
