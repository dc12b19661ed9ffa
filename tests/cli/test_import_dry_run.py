"""`aka import --dry-run` (ADR 0023): the whole file by the ordinary rules in one
transaction that is rolled back; it prints what the import would do and writes nothing,
on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

from tests.cli.test_transfer import ID1, Aka, aka, jsonl, person

__all__ = ["aka"]  # the fixture: every SQL backend, an empty workspace `default`


def people(path: Path) -> Path:
    return jsonl(
        path,
        {"id": ID1, "external_id": "u1", **person("email", "Ann@X.io")},
        person("device", "d1", external_id="u1"),  # links to the row above: seen in a dry run
        person("device", "null"),  # blocked value
        "nonsense",
        person("device", "d2"),
        {"type": "membership", "group": ID1, "member": ID1},
    )


def test_a_dry_run_counts_what_the_real_import_then_does(aka: Aka, tmp_path: Path) -> None:
    """Its counts are the real import's, row for row (a later row sees an earlier one's
    profile across chunks), and nothing at all is written: no graph, no event, no error
    file."""
    data = people(tmp_path / "people.jsonl")
    before, seq = aka.picture(), aka.last_seq()
    preview = aka.json("import", data, "--dry-run", "--chunk-size", "2")
    assert aka.picture() == before
    assert aka.last_seq() == seq
    assert not Path(f"{data}.errors.jsonl").exists()
    real = aka.json("import", data, "--chunk-size", "2")
    counted = ("rows", "created", "linked", "unchanged", "rejected")
    assert {k: preview[k] for k in counted} == {k: real[k] for k in counted}
    assert (preview["created"], preview["linked"], preview["rejected"]) == (2, 1, 3)
    assert preview["dry_run"] is True
    assert preview["events"] == aka.last_seq() - seq  # the events the import then wrote
    assert preview["rejected_by_code"] == {"value_blocked": 1, "invalid_input": 1, "group_cycle": 1}
    assert [r["line"] for r in preview["first_rejected"]] == [3, 4, 6]


def test_a_dry_run_of_an_imported_file_would_change_nothing(aka: Aka, tmp_path: Path) -> None:
    data = people(tmp_path / "people.jsonl")
    aka.ok("import", data)
    again = aka.json("import", data, "--dry-run")
    assert (again["created"], again["linked"], again["events"]) == (0, 0, 0)
    assert again["unchanged"] == 3


def test_the_plain_summary_says_nothing_was_written(aka: Aka, tmp_path: Path) -> None:
    data = people(tmp_path / "people.jsonl")
    out = aka.ok("import", data, "--dry-run").stdout
    assert "dry run: 6 rows would give 2 created, 1 linked, 0 unchanged, 3 rejected" in out
    assert "nothing was written" in out
    assert "line 3: value_blocked (identifiers[0].value)" in out


def test_strict_fails_a_dry_run_with_refusals(aka: Aka, tmp_path: Path) -> None:
    """`--dry-run --strict` checks a file before importing it: exit 2 on any refusal."""
    data = people(tmp_path / "people.jsonl")
    assert aka("import", data, "--dry-run", "--strict").exit_code == 2
    clean = jsonl(tmp_path / "clean.jsonl", person("device", "d7"))
    assert aka("import", clean, "--dry-run", "--strict").exit_code == 0
    assert aka.picture()["identifiers"] == {}
