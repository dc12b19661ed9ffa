"""WorkspaceSettings: safe defaults, JSON merge-patch updates, errors that name the field."""

from __future__ import annotations

from typing import Any

import pytest

from aka.core.errors import AkaError, Code
from aka.core.settings import (
    DEFAULT_BLOCKED_VALUES,
    MergePolicy,
    NamespaceRule,
    Normalization,
    WorkspaceSettings,
)


def invalid(patch: dict[str, Any], base: WorkspaceSettings | None = None) -> AkaError:
    with pytest.raises(AkaError) as caught:
        (base or WorkspaceSettings()).updated(patch)
    assert caught.value.code is Code.SETTINGS_INVALID
    return caught.value


def test_defaults_are_the_safe_ones() -> None:
    """Refuse merges, email namespace normalised, 100 per namespace, placeholders blocked."""
    settings = WorkspaceSettings()
    assert settings.merge_policy is MergePolicy.REFUSE
    assert settings.rule_for("email").normalization is Normalization.EMAIL
    assert settings.rule_for("anything").normalization is Normalization.EXACT
    assert settings.rule_for("anything").max_per_profile == 100
    assert settings.rule_for("email").max_per_profile == 100
    assert {"", "null", "undefined", "0"} <= settings.blocked_for("anything")
    assert settings.internal_domains == ()


def test_defaults_as_json() -> None:
    """What a new workspace's settings read as."""
    as_json = WorkspaceSettings().to_json()
    assert as_json["merge_policy"] == "refuse"
    assert as_json["namespaces"] == {
        "email": {"normalization": "email", "max_per_profile": 100, "blocked_values": None}
    }
    assert as_json["blocked_values"] == list(DEFAULT_BLOCKED_VALUES)
    assert as_json["internal_domains"] == []


def test_json_round_trips() -> None:
    """Stored settings read back equal to what was stored."""
    settings = WorkspaceSettings().updated(
        {
            "merge_policy": "auto",
            "namespaces": {"crm": {"max_per_profile": 3, "blocked_values": ["guest"]}},
            "blocked_values": ["nil"],
            "internal_domains": ["corp.example"],
        }
    )
    assert WorkspaceSettings.from_json(settings.to_json()) == settings


def test_from_json_keeps_defaults_for_missing_keys() -> None:
    """A stored or submitted object may name only what it changes."""
    assert WorkspaceSettings.from_json({}) == WorkspaceSettings()
    assert WorkspaceSettings.from_json({"merge_policy": "auto"}).blocked_values == (
        DEFAULT_BLOCKED_VALUES
    )


def test_stored_namespaces_are_the_whole_set_of_rules() -> None:
    """A rule removed by an update stays removed when the settings are read back."""
    removed = WorkspaceSettings().updated({"namespaces": {"email": None}})
    read_back = WorkspaceSettings.from_json(removed.to_json())
    assert read_back.namespaces == {}
    assert read_back.rule_for("email").normalization is Normalization.EXACT


def test_an_update_changes_only_what_the_patch_names() -> None:
    """JSON merge patch: untouched settings keep their values."""
    base = WorkspaceSettings().updated({"internal_domains": ["corp.example"]})
    updated = base.updated({"merge_policy": "auto"})
    assert updated.merge_policy is MergePolicy.AUTO
    assert updated.internal_domains == ("corp.example",)
    assert updated.namespaces == base.namespaces


def test_a_namespace_patch_merges_into_the_existing_rule() -> None:
    """Patching max_per_profile of `email` keeps its email normalisation."""
    updated = WorkspaceSettings().updated({"namespaces": {"email": {"max_per_profile": 5}}})
    assert updated.rule_for("email") == NamespaceRule(Normalization.EMAIL, 5, None)


def test_a_namespace_patch_adds_new_rules_next_to_old_ones() -> None:
    """A new namespace rule starts from the defaults: exact, 100."""
    updated = WorkspaceSettings().updated({"namespaces": {"crm": {"max_per_profile": 1}}})
    assert set(updated.namespaces) == {"email", "crm"}
    assert updated.rule_for("crm") == NamespaceRule(Normalization.EXACT, 1, None)


def test_null_removes_a_namespace_rule() -> None:
    """JSON merge patch: null deletes; the namespace then follows the defaults."""
    updated = WorkspaceSettings().updated({"namespaces": {"email": None, "gone": None}})
    assert "email" not in updated.namespaces
    assert updated.rule_for("email").normalization is Normalization.EXACT


def test_null_blocked_values_on_a_rule_falls_back_to_the_workspace_list() -> None:
    """null on a rule's list means: use the workspace's list again."""
    base = WorkspaceSettings().updated({"namespaces": {"crm": {"blocked_values": ["x"]}}})
    assert base.blocked_for("crm") == {"x"}
    updated = base.updated({"namespaces": {"crm": {"blocked_values": None}}})
    assert updated.blocked_for("crm") == updated.blocked_for("other")


def test_blocked_values_are_compared_trimmed_and_casefolded() -> None:
    """Casefold, not lower: ß matches ss."""
    settings = WorkspaceSettings().updated({"blocked_values": [" N/A ", "Straße"]})
    assert settings.blocked_for("x") == {"n/a", "strasse"}


def test_internal_domains_are_stored_trimmed_and_lower_case() -> None:
    """Domains compare case-insensitively, so they are stored in one case."""
    settings = WorkspaceSettings().updated({"internal_domains": [" Corp.Example "]})
    assert settings.internal_domains == ("corp.example",)


def test_updates_do_not_change_the_original() -> None:
    """Settings are immutable values: updated() returns new ones."""
    base = WorkspaceSettings()
    base.updated({"namespaces": {"crm": {"max_per_profile": 1}}, "merge_policy": "auto"})
    assert base == WorkspaceSettings()


@pytest.mark.parametrize(
    ("patch", "field"),
    [
        ({"merge_poilcy": "auto"}, "merge_poilcy"),
        ({"merge_policy": "sometimes"}, "merge_policy"),
        ({"blocked_values": "null"}, "blocked_values"),
        ({"blocked_values": ["ok", 0]}, "blocked_values"),
        ({"internal_domains": [None]}, "internal_domains"),
        ({"namespaces": []}, "namespaces"),
        ({"namespaces": {"crm": "exact"}}, "namespaces.crm"),
        ({"namespaces": {"crm": {"normalisation": "email"}}}, "namespaces.crm.normalisation"),
        ({"namespaces": {"crm": {"normalization": "upper"}}}, "namespaces.crm.normalization"),
        ({"namespaces": {"crm": {"max_per_profile": 0}}}, "namespaces.crm.max_per_profile"),
        ({"namespaces": {"crm": {"max_per_profile": 1_000_001}}}, "namespaces.crm.max_per_profile"),
        ({"namespaces": {"crm": {"max_per_profile": 2.5}}}, "namespaces.crm.max_per_profile"),
        ({"namespaces": {"crm": {"max_per_profile": True}}}, "namespaces.crm.max_per_profile"),
        ({"namespaces": {"crm": {"blocked_values": [1]}}}, "namespaces.crm.blocked_values"),
    ],
)
def test_an_invalid_setting_is_refused_naming_its_field(patch: dict[str, Any], field: str) -> None:
    """Unknown keys, wrong types and out-of-range limits: SETTINGS_INVALID with the path."""
    assert invalid(patch).field == field


def test_enum_errors_list_the_allowed_values() -> None:
    """The message tells the caller what would have been accepted."""
    message = invalid({"merge_policy": "sometimes"}).message
    assert "'refuse'" in message
    assert "'auto'" in message


def test_max_per_profile_accepts_the_bounds() -> None:
    """1 and 1,000,000 are both allowed."""
    for limit in (1, 1_000_000):
        updated = WorkspaceSettings().updated({"namespaces": {"crm": {"max_per_profile": limit}}})
        assert updated.rule_for("crm").max_per_profile == limit


def test_a_refused_patch_changes_nothing_even_when_an_earlier_part_was_valid() -> None:
    """Settings are immutable: a refused update leaves the caller's settings untouched."""
    base = WorkspaceSettings()
    invalid({"merge_policy": "auto", "namespaces": {"crm": {"max_per_profile": 0}}}, base)
    assert base.merge_policy is MergePolicy.REFUSE
