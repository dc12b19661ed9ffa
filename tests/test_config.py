"""`aka.config`: settings from the environment, and a word about the variables that are
not settings."""

from __future__ import annotations

import pytest

from aka import config


def test_a_misspelt_setting_is_named_with_the_one_it_probably_meant() -> None:
    """One warning a variable; a near miss names the setting (difflib), whatever its case."""
    warnings = config.unknown_variables(
        {"AKA_PORTT": "9000", "aka_worker": "2", "AKA_DATABASE": "sqlite:///x.db"}
    )
    assert warnings == [
        "AKA_DATABASE is not an aka setting and is ignored; did you mean AKA_DATABASE_URL?",
        "AKA_PORTT is not an aka setting and is ignored; did you mean AKA_PORT?",
        "aka_worker is not an aka setting and is ignored; did you mean AKA_WORKERS?",
    ]


def test_a_variable_like_no_setting_points_to_the_readme() -> None:
    assert config.unknown_variables({"AKA_COLOUR": "red"}) == [
        "AKA_COLOUR is not an aka setting and is ignored (README: Configuration)"
    ]


def test_settings_tool_variables_and_other_variables_are_not_warned_about() -> None:
    """Every setting (any case), the suite's, benchmarks' and fuzzing run's own `AKA_`
    variables, and anything without the prefix pass in silence."""
    env = {f"AKA_{name.upper()}": "x" for name in config.Settings.model_fields}
    env |= {
        "aka_port": "1",
        "AKA_TEST_POSTGRES_URL": "x",
        "AKA_BENCH_POSTGRES_URL": "x",
        "AKA_FUZZ_KEY": "x",
        "PATH": "/bin",
        "XAKA_PORT": "1",
    }
    assert config.unknown_variables(env) == []


def test_overrides_win_over_the_environment_and_are_validated(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`aka serve --workers 3` wins over `AKA_WORKERS=2`; an option left out (None) does
    not; an override out of range is refused like the variable would be."""
    monkeypatch.setenv("AKA_WORKERS", "2")
    monkeypatch.setenv("AKA_PORT", "8123")
    settings = config.load(workers=3, port=None)
    assert (settings.workers, settings.port) == (3, 8123)
    with pytest.raises(ValueError, match="workers"):
        config.load(workers=0)
