"""`AKA_DIALECTS` chooses which vendor doors are open."""

from __future__ import annotations

import pytest

from aka.http import dialects


def test_all_and_the_empty_setting_open_every_shipped_dialect() -> None:
    """The default opens every dialect package shipped in this build."""
    assert dialects.chosen("all") == dialects.available()
    assert dialects.chosen("") == dialects.available()


def test_none_closes_every_door() -> None:
    assert dialects.chosen("none") == []


def test_an_unknown_dialect_is_refused_by_name() -> None:
    """A typo must not silently leave a door closed."""
    with pytest.raises(ValueError, match="unknown dialect\\(s\\) brazee"):
        dialects.chosen("brazee")
