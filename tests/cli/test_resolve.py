"""`aka resolve`: the profile an identifier, external id or profile id belongs to."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tests.cli.conftest import Cli


def arrange(cli: Cli) -> tuple[str, str]:
    """Ann (user-42, two identifiers) with an anonymous profile merged into her."""
    with cli.api() as api:
        ann = api.post(
            "/v1/profiles",
            json={
                "external_id": "user-42",
                "identifiers": [{"namespace": "email", "value": "Ann@Example.com"}],
            },
        ).json()["id"]
        anon = api.post(
            "/v1/profiles", json={"identifiers": [{"namespace": "device", "value": "web-1"}]}
        ).json()["id"]
        merged = api.post(
            "/v1/merges", json={"keep": {"profile_id": ann}, "merge": {"profile_id": anon}}
        )
        assert merged.status_code == 201
    return ann, anon


def test_resolve_by_identifier_prints_the_profile_as_json(world: Cli) -> None:
    ann, _ = arrange(world)
    profile = world.json("resolve", "--namespace", "device", "--value", "web-1")
    assert profile["id"] == ann
    assert profile["external_id"] == "user-42"
    assert {(i["namespace"], i["value"]) for i in profile["identifiers"]} == {
        ("email", "ann@example.com"),
        ("device", "web-1"),
    }


def test_resolve_by_external_id_or_a_merged_profile_id(world: Cli) -> None:
    """Emails are matched as addresses; a merged id forwards to the survivor."""
    ann, anon = arrange(world)
    assert world.json("resolve", "--external-id", "user-42")["id"] == ann
    assert world.json("resolve", "--profile-id", anon)["id"] == ann
    by_email = world.json("resolve", "--namespace", "email", "--value", "ANN@example.com")
    assert by_email["id"] == ann


def test_resolve_prints_a_table_for_people(world: Cli) -> None:
    ann, _ = arrange(world)
    output = world.ok("resolve", "--external-id", "user-42").output
    assert ann in output
    assert "web-1" in output


def test_resolve_of_nothing_known_fails_with_a_clear_message(world: Cli) -> None:
    arrange(world)
    result = world("resolve", "--namespace", "device", "--value", "nobody", "--json")
    assert result.exit_code != 0
    assert result.stdout == ""  # nothing a script could mistake for a profile
    assert "no profile found for identifier device:nobody" in result.stderr


def test_resolve_without_a_reference_fails(world: Cli) -> None:
    result = world("resolve")
    assert result.exit_code != 0
    assert "exactly one of" in result.stderr


def test_resolve_in_an_unknown_workspace_fails_naming_it(world: Cli) -> None:
    result = world("resolve", "--external-id", "user-42", "--workspace", "ghost")
    assert result.exit_code != 0
    assert "'ghost' does not exist" in result.stderr


def test_resolve_by_a_renamed_away_external_id_says_so(world: Cli) -> None:
    """The old id still resolves (ADR 0024): JSON says `deprecated_match`, the table
    says it in words and marks the identifier deprecated."""
    ann, _ = arrange(world)
    with world.api() as api:
        r = api.post(f"/v1/profiles/{ann}/rename", json={"external_id": "acct-42"})
        assert r.status_code == 200
    profile = world.json("resolve", "--external-id", "user-42")
    assert (profile["id"], profile["external_id"], profile["deprecated_match"]) == (
        ann,
        "acct-42",
        True,
    )
    output = world.ok("resolve", "--external-id", "user-42").output
    assert "found by a deprecated identifier" in output
    (row,) = [line for line in output.splitlines() if "aka:external_id" in line]
    assert "user-42" in row
    assert "True" in row  # deprecated (it is neither primary nor disabled)
    (email,) = [line for line in output.splitlines() if "ann@example.com" in line]
    assert "True" not in email
