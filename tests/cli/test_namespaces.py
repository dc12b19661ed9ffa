"""`aka namespaces merge` (ADR 0027): maps a door namespace onto another and carries its
identifiers over, merging profiles per the merge policy; `--dry-run` writes nothing; all
or nothing on a refusal; `aka check` holds after it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from starlette.testclient import TestClient

if TYPE_CHECKING:
    from tests.cli.conftest import Cli

ESP = "Email Security Provider"
KEY = f"coveo:{ESP}"


def arrange(api: TestClient) -> tuple[str, str]:
    """A native profile holding `email:ann@x.io`, and a Coveo identity of the same
    address (another profile) plus one only Coveo knows: (native, coveo)."""
    body = {"identifiers": [{"namespace": "email", "value": "ann@x.io"}]}
    native = api.post("/v1/profiles", json=body).json()["id"]
    url = f"/push/v1/organizations/default/providers/{quote(ESP)}/permissions"
    for name in ("Ann@X.io", "bob@x.io"):
        r = api.put(url, json={"identity": {"name": name, "type": "USER"}})
        assert r.status_code == 202, r.text
    coveo = resolve(api, ESP, "Ann@X.io")
    assert coveo is not None
    assert coveo != native
    return native, coveo


def resolve(api: TestClient, namespace: str, value: str) -> str | None:
    r = api.get("/v1/resolve", params={"namespace": namespace, "value": value})
    return str(r.json()["id"]) if r.status_code == 200 else None


def events(api: TestClient) -> list[dict[str, Any]]:
    return list(api.get("/v1/events", params={"limit": 1000}).json()["events"])


def test_a_dry_run_prints_what_would_happen_and_writes_nothing(world: Cli) -> None:
    with world.api() as api:
        _native, coveo = arrange(api)
        api.patch("/v1/workspace", json={"merge_policy": "auto"})
        before = events(api)
    preview = world.json("namespaces", "merge", KEY, "email", "--dry-run")
    assert (preview["dry_run"], preview["written"]) == (True, False)
    assert (preview["from"], preview["to"]) == (ESP, "email")
    assert preview["merged_profiles"] == 1
    assert {c["from"]: c["outcome"] for c in preview["carried"]} == {
        f"{ESP}:Ann@X.io": "merged",
        f"{ESP}:bob@x.io": "linked",
    }
    assert "profile.merged" in [e["type"] for e in preview["events"]]
    text = world.ok("namespaces", "merge", KEY, "email", "--dry-run").stdout
    assert "would map coveo:Email Security Provider onto namespace 'email'" in text
    assert "dry run: nothing was written" in text
    with world.api() as api:
        assert events(api) == before
        assert resolve(api, ESP, "Ann@X.io") == coveo
        assert api.get("/v1/workspace").json()["settings"]["namespace_aliases"] == {}


def test_the_merge_carries_identifiers_merges_profiles_and_check_holds(world: Cli) -> None:
    """Two profiles of one address become one; the mapping is set, so Coveo now writes
    and reads the native `email` identifier; `aka check` replays the log to the graph."""
    with world.api() as api:
        native, coveo = arrange(api)
        api.patch("/v1/workspace", json={"merge_policy": "auto"})
    done = world.json("namespaces", "merge", KEY, "email")
    assert (done["dry_run"], done["written"]) == (False, True)
    assert done["refused"] == []
    with world.api() as api:
        survivor = resolve(api, "email", "ann@x.io")
        assert survivor in (native, coveo)
        assert resolve(api, "email", "bob@x.io") not in (None, survivor)
        assert resolve(api, ESP, "Ann@X.io") is None
        settings = api.get("/v1/workspace").json()["settings"]
        assert settings["namespace_aliases"] == {KEY: "email"}
        url = f"/rest/organizations/default/securitycache/entities/{quote(ESP)}/members/parents"
        r = api.post(url, json={"name": "ANN@x.io", "type": "USER"})
        assert r.status_code == 200, r.text
    assert world.json("check") == {"ok": True, "workspaces": {"default": []}}


def test_a_refused_merge_writes_nothing_and_exits_1(world: Cli) -> None:
    """Under the default `refuse` policy two profiles of one address are not merged:
    the refusal is printed and nothing is written, the mapping neither."""
    with world.api() as api:
        native, coveo = arrange(api)
        before = events(api)
    result = world("namespaces", "merge", KEY, "email")
    assert result.exit_code == 1
    assert f"refused {ESP}:Ann@X.io: identifier_conflict" in result.stdout
    assert "nothing was written" in result.stdout
    with world.api() as api:
        assert events(api) == before
        assert (resolve(api, "email", "ann@x.io"), resolve(api, ESP, "Ann@X.io")) == (native, coveo)
    assert world.json("check")["ok"] is True


def test_a_bad_door_namespace_is_refused(world: Cli) -> None:
    result = world("namespaces", "merge", "slack:x", "email")
    assert result.exit_code == 1
    assert "namespace_aliases" in result.output
