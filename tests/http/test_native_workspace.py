"""The caller's workspace: `GET`/`PATCH /v1/workspace` and what its settings change."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from conftest import Api


def test_get_shows_the_safe_defaults(api: Api) -> None:
    """Merges refused, `email` compared as addresses, placeholder values blocked."""
    body = api.ok(api.client.get("/v1/workspace"), 200)
    assert body["id"] == "default"
    settings = body["settings"]
    assert settings["merge_policy"] == "refuse"
    assert settings["namespaces"]["email"]["normalization"] == "email"
    assert settings["namespaces"]["email"]["max_per_profile"] == 100
    assert {"null", "0", "unknown"} <= set(settings["blocked_values"])
    assert settings["internal_domains"] == []


def test_get_counts_the_events_in_last_seq(api: Api) -> None:
    api.person("device:d1")  # one event: the profile created with its identifier
    assert api.ok(api.client.get("/v1/workspace"), 200)["last_seq"] == 1


def test_reading_needs_identities_read_and_changing_needs_keys_admin(api: Api) -> None:
    reader = api.key("identities:read")
    assert api.client.get("/v1/workspace", headers=reader).status_code == 200
    r = api.client.patch("/v1/workspace", json={"merge_policy": "auto"}, headers=reader)
    assert api.problem(r, 403, "forbidden")["required_scope"] == "keys:admin"


def test_patch_is_a_merge_patch_answering_the_new_settings(api: Api) -> None:
    """Only the named settings change; the answer and the next GET agree."""
    settings = api.configure(merge_policy="auto", internal_domains=["ACME.com"])
    assert settings["merge_policy"] == "auto"
    assert settings["internal_domains"] == ["acme.com"]
    assert settings["namespaces"]["email"]["normalization"] == "email"  # untouched
    assert api.ok(api.client.get("/v1/workspace"), 200)["settings"] == settings


def test_under_the_auto_policy_a_conflicting_link_merges(api: Api) -> None:
    """The anonymous owner is merged into the identified profile (201), which keeps all."""
    api.configure(merge_policy="auto")
    known = api.person("device:d1", identified=True)
    anon = api.person("device:web-1")
    body = api.ok(api.link(known, "device:web-1"), 201)
    assert body["id"] == known
    assert api.holds(known) == {"device:d1", "device:web-1"}
    assert api.profile(anon)["id"] == known
    assert "profile.merged" in [e["type"] for e in api.events()]


def test_the_auto_policy_still_refuses_to_join_two_identified_profiles(api: Api) -> None:
    api.configure(merge_policy="auto")
    ann = api.person("device:d1", identified=True)
    bob = api.person("device:d2", identified=True)
    assert api.problem(api.link(bob, "device:d1"), 409, "identifier_conflict")["owner"] == ann


def test_an_unknown_setting_is_a_422_naming_it(api: Api) -> None:
    r = api.client.patch("/v1/workspace", json={"merge_polcy": "auto"})
    problem = api.problem(r, 422, "invalid_input")
    assert problem["field"] == "merge_polcy"
    assert api.ok(api.client.get("/v1/workspace"), 200)["settings"]["merge_policy"] == "refuse"


def test_an_invalid_setting_value_is_a_422_naming_it(api: Api) -> None:
    r = api.client.patch("/v1/workspace", json={"merge_policy": "sometimes"})
    assert api.problem(r, 422, "invalid_input")["field"] == "merge_policy"
    r = api.client.patch("/v1/workspace", json={"namespaces": {"device": {"max_per_profile": 0}}})
    assert api.problem(r, 422, "invalid_input")["field"].endswith("max_per_profile")


def test_blocked_values_can_be_replaced(api: Api) -> None:
    """The workspace's list replaces the default one: `tbd` is refused, `0` allowed."""
    api.configure(blocked_values=["tbd"])
    ann = api.person()
    api.problem(api.link(ann, "device:TBD"), 422, "value_blocked")
    api.ok(api.link(ann, "device:0"), 201)


def test_a_namespace_rule_set_to_null_is_removed(api: Api) -> None:
    """Without its rule, `email` is an exact namespace like any other."""
    settings = api.configure(namespaces={"email": None})
    assert "email" not in settings["namespaces"]
    ann = api.person("email:Ann@X.io")
    assert api.holds(ann) == {"email:Ann@X.io"}


def test_a_namespace_can_get_email_rules(api: Api) -> None:
    api.configure(namespaces={"work_email": {"normalization": "email"}})
    ann = api.person("work_email:Ann@X.io")
    assert api.holds(ann) == {"work_email:ann@x.io"}
    api.problem(api.link(ann, "work_email:not-an-address"), 422, "email_invalid")
