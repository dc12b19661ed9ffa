"""`aka keys create --rate-limit GROUP=N/PERIOD`: a key's own limits from the command line."""

from __future__ import annotations

from pathlib import Path

import pytest

from aka.config import Settings
from tests.cli.conftest import Cli


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Cli:
    """A store file holding workspace `default`; no other `AKA_` setting leaks in."""
    for name in Settings.model_fields:
        monkeypatch.delenv(f"AKA_{name.upper()}", raising=False)
    cli = Cli(tmp_path / "aka.db")
    monkeypatch.setenv("AKA_DATABASE_URL", cli.url)
    with cli.api():
        pass
    return cli


def test_limits_given_on_the_command_line_are_the_keys_own(cli: Cli) -> None:
    created = cli.json(
        "keys", "create", "--rate-limit", "read=100/minute", "--rate-limit", "write=5/second"
    )
    assert created["rate_limits"] == {"read": "100/minute", "write": "5/second"}
    [listed] = [k for k in cli.json("keys", "list") if k["id"] == created["id"]]
    assert listed["rate_limits"] == created["rate_limits"]
    with cli.api() as api:
        own = {"Authorization": f"Bearer {created['secret']}"}
        assert api.get("/v1/workspace", headers=own).headers["x-ratelimit-limit"] == "100"


def test_the_plain_output_shows_them(cli: Cli) -> None:
    printed = cli.ok("keys", "create", "--rate-limit", "admin=10/hour").output
    assert "rate limits: admin=10/hour" in printed


@pytest.mark.parametrize(
    ("option", "says"),
    [
        ("read=lots", "--rate-limit read: 'lots' must look like '100/minute'"),
        ("reads=1/minute", "unknown endpoint group 'reads'"),
        ("100/minute", "expected GROUP=N/PERIOD"),
    ],
)
def test_a_bad_limit_fails_naming_it(cli: Cli, option: str, says: str) -> None:
    result = cli("keys", "create", "--rate-limit", option)
    assert result.exit_code == 1
    assert says in " ".join(result.output.split())
    assert len(cli.json("keys", "list")) == 1, "no key was created (only the admin's)"
