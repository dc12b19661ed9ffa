"""`aka import` and `aka export`, in-process and as real processes, on SQLite and
PostgreSQL (memory does not apply: each command would open its own empty store).

The graph is compared with `tx.graph()` of the workspace, without seqs and times.
"""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import msgspec
import pytest
from rich.console import Console
from typer.testing import CliRunner, Result

from aka.cli import transfer as transfer_cli
from aka.cli import transfer_progress
from aka.cli.main import app
from aka.cli.transfer_rows import Reading
from aka.config import Settings
from aka.core.model import Kind
from aka.core.ports import Store, Transaction
from aka.core.state import GraphState
from aka.service import groups, identities, merges
from aka.service.identities import NewIdentifier
from aka.service.refs import ProfileRef
from aka.storage import open_store
from tests.backends import backend_url, sql_backend_params
from tests.service.test_transfer import live_picture

ID1 = "0190a0b0-0000-7000-8000-000000000001"
ID2 = "0190a0b0-0000-7000-8000-000000000002"


class Aka:
    """The `aka` command on one database, and a look at what it holds."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.runner = CliRunner()

    def __call__(self, *args: str | Path, input: str | None = None) -> Result:
        return self.runner.invoke(app, [str(a) for a in args], input=input)

    def ok(self, *args: str | Path, input: str | None = None) -> Result:
        result = self(*args, input=input)
        assert result.exit_code == 0, result.output
        return result

    def json(self, *args: str | Path, input: str | None = None) -> Any:
        return msgspec.json.decode(self.ok(*args, "--json", input=input).stdout)

    @contextmanager
    def tx(self, workspace: str = "default", *, write: bool = False) -> Iterator[Transaction]:
        store = open_store(self.url)
        try:
            with store.transaction(workspace, write=write) as tx:
                yield tx
        finally:
            store.close()

    def graph(self, workspace: str = "default") -> GraphState:
        with self.tx(workspace) as tx:
            return tx.graph()

    def picture(self, workspace: str = "default") -> dict[str, Any]:
        return live_picture(self.graph(workspace))

    def last_seq(self, workspace: str = "default") -> int:
        return int(self.json("workspace", "show", workspace)["last_seq"])


@pytest.fixture(params=sql_backend_params())
def aka(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Aka:
    """An empty, migrated database of each SQL backend holding workspace `default`."""
    for name in Settings.model_fields:
        monkeypatch.delenv(f"AKA_{name.upper()}", raising=False)
    url = backend_url(request.param, tmp_path)
    monkeypatch.setenv("AKA_DATABASE_URL", url)
    monkeypatch.chdir(tmp_path)
    cli = Aka(url)
    cli.ok("workspace", "create", "default")
    return cli


def jsonl(path: Path, *lines: dict[str, Any] | str) -> Path:
    path.write_text(
        "".join((line if isinstance(line, str) else json.dumps(line)) + "\n" for line in lines)
    )
    return path


def person(namespace: str, value: str, **fields: Any) -> dict[str, Any]:
    return {**fields, "identifiers": [{"namespace": namespace, "value": value}]}


def rejected(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


# --- import ---------------------------------------------------------------------------------


def test_import_applies_each_line_and_reports_what_it_did(aka: Aka, tmp_path: Path) -> None:
    data = jsonl(
        tmp_path / "people.jsonl",
        {"id": ID1, "external_id": "u1", **person("email", "Ann@X.io")},
        person("device", "d1", external_id="u1"),
        "",  # blank lines are skipped, not rows
        person("device", "d2"),
        {"type": "membership", "group": ID1, "member": ID1},
    )
    summary = aka.json("import", data)
    assert {k: summary[k] for k in ("rows", "created", "linked", "unchanged", "rejected")} == {
        "rows": 4,
        "created": 2,
        "linked": 1,
        "unchanged": 0,
        "rejected": 1,
    }
    assert summary["committed_through_line"] == 5
    assert summary["error_file"] == f"{data}.errors.jsonl"
    assert summary["seconds"] >= 0
    assert summary["rows_per_second"] > 0
    identifiers = aka.picture()["identifiers"]
    assert identifiers["email:ann@x.io"][0] == ID1
    assert identifiers["device:d1"][0] == ID1


def test_the_summary_speaks_plainly_without_json(aka: Aka, tmp_path: Path) -> None:
    data = jsonl(tmp_path / "p.jsonl", person("device", "d1"), "nonsense")
    out = aka.ok("import", data).stdout
    assert "imported 2 rows in " in out
    assert "1 created, 0 linked, 0 unchanged, 1 rejected" in out
    assert f"rejected rows and their reasons: {data}.errors.jsonl" in out


def test_running_the_same_import_again_changes_nothing(aka: Aka, tmp_path: Path) -> None:
    data = jsonl(
        tmp_path / "people.jsonl",
        {"id": ID1, **person("email", "ann@x.io", external_id="u1")},
        {"id": ID2, **person("coveo", "staff")},
        person("device", "d1", external_id="u1"),
        person("device", "d9"),
        {"type": "membership", "group": ID2, "member": ID1},
    )
    aka.ok("import", data)
    before, seq = aka.picture(), aka.last_seq()
    again = aka.json("import", data, "--chunk-size", "2")
    assert (again["unchanged"], again["created"], again["linked"]) == (5, 0, 0)
    assert aka.picture() == before
    assert aka.last_seq() == seq


def test_rejected_rows_go_to_the_error_file_with_their_reason(aka: Aka, tmp_path: Path) -> None:
    data = jsonl(
        tmp_path / "people.jsonl",
        person("device", "d1"),
        '{"identifiers": [}',
        person("device", "null"),
        {"id": ID1, **person("device", "d1")},
        person("device", "d2"),
    )
    summary = aka.json("import", data, "--chunk-size", "2")
    assert (summary["created"], summary["rejected"]) == (2, 3)
    errors = rejected(Path(f"{data}.errors.jsonl"))
    assert [(e["line"], e["code"], e["field"]) for e in errors] == [
        (2, "invalid_input", None),
        (3, "value_blocked", "identifiers[0].value"),
        (4, "identifier_conflict", "identifiers[0]"),
    ]
    assert errors[0]["row"] == '{"identifiers": [}'
    assert json.loads(errors[1]["row"]) == person("device", "null")
    assert "already belongs to profile" in errors[2]["message"]


def test_the_error_file_is_rewritten_by_each_run(aka: Aka, tmp_path: Path) -> None:
    """A re-run finds the same rejects again; a clean run leaves no stale file."""
    data = jsonl(tmp_path / "p.jsonl", person("device", "d1"), "nonsense")
    errors = tmp_path / "rejects.jsonl"
    aka.ok("import", data, "--errors", errors)
    aka.ok("import", data, "--errors", errors)
    assert [e["line"] for e in rejected(errors)] == [2]
    jsonl(data, person("device", "d1"))
    aka.ok("import", data, "--errors", errors)
    assert not errors.exists()


def test_strict_exits_2_when_a_row_was_rejected(aka: Aka, tmp_path: Path) -> None:
    data = jsonl(tmp_path / "p.jsonl", person("device", "d1"), "nonsense")
    assert aka("import", data, "--strict").exit_code == 2
    assert aka("import", jsonl(data, person("device", "d1")), "--strict").exit_code == 0


def test_csv_rows_are_profiles_with_one_identifier(aka: Aka, tmp_path: Path) -> None:
    data = tmp_path / "people.csv"
    data.write_text(
        "\ufeffnamespace,value,external_id,kind,primary,id\n"
        "email,Ann@X.io,u1,,true,\n"
        'device,"d1",u1,,,\n'
        "device,d2,,UNKNOWN,,\n"
        "device,d3,,,,not-a-uuid\n"
        "device,d4,u2\n"
        "\n"
        "coveo,staff,,GROUP,0," + ID1 + "\n"
    )
    summary = aka.json("import", data)
    assert (summary["created"], summary["linked"], summary["rejected"]) == (3, 1, 2)
    picture = aka.picture()
    [ann] = [pid for pid, (ext, _) in picture["profiles"].items() if ext == "u1"]
    assert picture["identifiers"]["email:ann@x.io"] == (ann, Kind.USER, True, False, {})
    assert picture["identifiers"]["device:d1"][0] == ann
    assert picture["identifiers"]["device:d2"][1] is Kind.UNKNOWN
    assert picture["identifiers"]["coveo:staff"] == (ID1, Kind.GROUP, False, False, {})
    errors = rejected(Path(f"{data}.errors.jsonl"))
    assert [(e["line"], e["field"], e["row"]) for e in errors] == [
        (5, "id", "device,d3,,,,not-a-uuid"),
        (6, None, "device,d4,u2"),
    ]
    assert "the row has 3 cells; the header has 6 columns" in errors[1]["message"]


def test_csv_errors_name_the_column(aka: Aka, tmp_path: Path) -> None:
    data = tmp_path / "p.csv"
    data.write_text('namespace,value\nemail,not-an-address\ndevice,"two\nlines"\ndevice,d1\n')
    summary = aka.json("import", data)
    assert (summary["created"], summary["rejected"]) == (1, 2)
    errors = rejected(Path(f"{data}.errors.jsonl"))
    assert [(e["line"], e["code"], e["field"]) for e in errors] == [
        (2, "email_invalid", "value"),
        (3, "value_invalid", "value"),  # a control character (the newline)
    ]
    assert errors[1]["row"] == 'device,"two\nlines"'


def test_a_bad_csv_header_stops_before_any_row(aka: Aka, tmp_path: Path) -> None:
    data = tmp_path / "p.csv"
    data.write_text("namespace,email\ndevice,d1\n")
    result = aka("import", data)
    assert result.exit_code == 1
    assert "unknown CSV column 'email'" in result.stderr
    assert aka.last_seq() == 0


def test_stdin_is_read_with_a_dash(aka: Aka, tmp_path: Path) -> None:
    lines = json.dumps(person("device", "d1")) + "\nnonsense\n"
    summary = aka.json("import", "-", input=lines)
    assert (summary["created"], summary["rejected"]) == (1, 1)
    # Without a file name, rejects go to a time-stamped file in the working directory.
    assert summary["error_file"].startswith("aka-import-")
    assert [e["line"] for e in rejected(tmp_path / summary["error_file"])] == [2]
    csv_summary = aka.json("import", "-", "--format", "csv", input="namespace,value\nd,2\n")
    assert csv_summary["created"] == 1


def test_progress_is_a_plain_line_per_chunk_when_not_on_a_terminal(
    aka: Aka, tmp_path: Path
) -> None:
    data = jsonl(tmp_path / "p.jsonl", *(person("device", f"d{n}") for n in range(5)))
    result = aka.ok("import", data, "--chunk-size", "2", "--progress-every", "0")
    lines = [line for line in result.stderr.splitlines() if line.startswith("imported")]
    assert len(lines) == 3
    assert lines[0].startswith("imported 2 rows (0 rejected), ")
    assert lines[0].endswith(" rows/s, committed through line 2")
    assert lines[2].startswith("imported 5 rows (0 rejected), ")
    # The default speaks every few seconds: not for a file this small.
    quiet = aka.ok("import", data, "--chunk-size", "2")
    assert "imported" not in quiet.stderr


def test_progress_lines_come_at_the_interval_asked_for_even_within_a_slow_chunk(
    aka: Aka, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`--progress-every 0.05` with chunks that take 0.3 s each: a line every 0.05 s by
    the clock once the first chunk is in, not one per commit (which stretched the interval
    to the chunk's time). The last line counts every row."""
    data = jsonl(tmp_path / "p.jsonl", *(person("device", f"d{n}") for n in range(6)))
    real = transfer_cli.imports.apply_chunk

    def slow(tx: Transaction, records: Any, **kwargs: Any) -> Any:
        time.sleep(0.3)
        return real(tx, records, **kwargs)

    monkeypatch.setattr(transfer_cli.imports, "apply_chunk", slow)
    result = aka.ok("import", data, "--chunk-size", "2", "--progress-every", "0.05")
    lines = [line for line in result.stderr.splitlines() if line.startswith("imported")]
    # 0.6 s after the first commit at one line per 0.05 s: about 12; per commit it was 3.
    assert len(lines) >= 6, lines
    assert lines[0].startswith("imported 2 rows (0 rejected), ")
    assert "imported 6 rows" in result.stdout  # the summary
    assert "import-progress" not in {t.name for t in threading.enumerate()}  # timer ended


def test_an_import_into_a_store_never_served_begins_it_as_serve_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On a store no `aka serve` ever started, `aka import` into `default` creates the
    workspace and its admin key, printed once on stderr, as serve's first start would (a
    later serve then finds the store begun). A dry run writes nothing and says how; an
    import into another missing workspace says how to create it."""
    for name in Settings.model_fields:
        monkeypatch.delenv(f"AKA_{name.upper()}", raising=False)
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    monkeypatch.setenv("AKA_DATABASE_URL", url)
    monkeypatch.chdir(tmp_path)
    cli = Aka(url)
    data = jsonl(tmp_path / "p.jsonl", person("device", "d1"))
    dry = cli("import", data, "--dry-run")
    assert dry.exit_code == 1
    assert "never served" in dry.stderr
    assert "`aka serve` creates it" in dry.stderr
    other = cli("import", data, "-w", "acme")
    assert other.exit_code == 1
    assert "create it: `aka workspace create acme`" in other.stderr
    store = open_store(url)
    try:
        assert store.workspaces() == []
    finally:
        store.close()
    done = cli("import", data, "--json")
    assert done.exit_code == 0, done.output
    assert msgspec.json.decode(done.stdout)["created"] == 1
    assert "Created workspace 'default' and an admin key (shown once)" in done.stderr
    [key] = cli.json("keys", "list")
    assert key["name"] == "admin"
    assert key["prefix"] in done.stderr
    assert set(cli.picture()["identifiers"]) == {"device:d1"}
    again = cli("import", data)
    assert "admin key" not in again.stderr  # once only


def test_a_terminal_gets_a_progress_bar(monkeypatch: pytest.MonkeyPatch) -> None:
    """Share of the file read (its size is known), rows, rejects and rows per second."""
    screen = io.StringIO()
    terminal = Console(file=screen, force_terminal=True, width=120)
    monkeypatch.setattr(transfer_progress, "errors", terminal)
    bar = transfer_progress.progress_for(1000, every=5)
    assert isinstance(bar, transfer_progress.Bar)
    reading = Reading()
    reading.bytes = 500
    bar.close(transfer_cli.Tally(rows=1200, rejected=3), reading)
    shown = screen.getvalue()
    assert "50%" in shown
    assert "1,200 rows (3 rejected)" in shown
    assert "rows/s" in shown


def test_an_interrupted_import_says_where_it_stopped(
    aka: Aka, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C during the second chunk: the first stays committed, the second rolls back,
    and the command says how to go on; the suggested re-run completes the import."""
    data = jsonl(tmp_path / "p.jsonl", *(person("device", f"d{n}") for n in range(5)))
    real = transfer_cli.imports.apply_chunk
    calls = 0

    def interrupted_second_time(tx: Transaction, records: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        done = real(tx, records, **kwargs)
        if calls == 2:
            raise KeyboardInterrupt  # after writing: the chunk must roll back
        return done

    monkeypatch.setattr(transfer_cli.imports, "apply_chunk", interrupted_second_time)
    result = aka("import", data, "--chunk-size", "2")
    assert result.exit_code == 130
    assert (
        "stopped after line 4; everything through line 2 is committed; re-run the same "
        "command to continue (already-imported rows are no-ops)"
    ) in result.stderr
    assert "--resume-after 2" in result.stderr
    assert set(aka.picture()["identifiers"]) == {"device:d0", "device:d1"}
    monkeypatch.setattr(transfer_cli.imports, "apply_chunk", real)
    summary = aka.json("import", data, "--chunk-size", "2")
    assert (summary["unchanged"], summary["created"]) == (2, 3)


def test_resume_after_skips_the_committed_lines(aka: Aka, tmp_path: Path) -> None:
    data = jsonl(tmp_path / "p.jsonl", *(person("device", f"d{n}") for n in range(4)))
    summary = aka.json("import", data, "--resume-after", "2")
    assert (summary["rows"], summary["created"], summary["committed_through_line"]) == (2, 2, 4)
    assert set(aka.picture()["identifiers"]) == {"device:d2", "device:d3"}


def test_import_refuses_what_it_cannot_start(aka: Aka, tmp_path: Path) -> None:
    data = jsonl(tmp_path / "p.jsonl", person("device", "d1"))
    result = aka("import", data, "--workspace", "nope")
    assert result.exit_code == 1
    assert "workspace 'nope' does not exist" in result.stderr
    other = tmp_path / "p.txt"
    other.write_text("")
    result = aka("import", other)
    assert result.exit_code == 1
    assert "pass --format jsonl or csv" in result.stderr
    assert "cannot read" in aka("import", tmp_path / "missing.jsonl").stderr
    assert "must not be the file" in aka("import", data, "--errors", data).stderr


# --- export ---------------------------------------------------------------------------------


def build_graph(store: Store) -> None:
    """A graph with what an export carries, and a merge (whose tombstone it does not)."""
    with store.transaction("default") as tx:
        ann = identities.create_profile(
            tx,
            external_id="u-ann",
            attributes={"plan": "pro"},
            identifiers=[
                NewIdentifier("email", "ann@x.io", primary=True, attributes={"src": "crm"}),
                NewIdentifier("device", "d1"),
            ],
        ).profile.id
        gone = identities.create_profile(tx, identifiers=[NewIdentifier("device", "d2")])
        staff = identities.create_profile(
            tx, identifiers=[NewIdentifier("coveo", "staff", kind=Kind.GROUP)]
        ).profile.id
        identities.create_profile(tx, identifiers=[NewIdentifier("coveo", "old")])
        identities.update_identifier(tx, "coveo", "old", disabled=True)
        groups.add_member(tx, ProfileRef.by_id(staff), ProfileRef.by_id(ann))
    with store.transaction("default") as tx:
        merges.merge(tx, ProfileRef.by_id(ann), ProfileRef.by_id(gone.profile.id))


def test_export_then_import_into_an_empty_workspace_reproduces_the_graph(
    aka: Aka, tmp_path: Path
) -> None:
    store = open_store(aka.url)
    try:
        build_graph(store)
    finally:
        store.close()
    out = tmp_path / "graph.jsonl"
    summary = aka.json("export", "--output", out)
    assert (summary["profiles"], summary["identifiers"], summary["memberships"]) == (3, 5, 1)
    assert not Path(f"{out}.partial").exists()
    aka.ok("workspace", "create", "copy")
    imported = aka.json("import", out, "--workspace", "copy")
    assert (imported["created"], imported["linked"], imported["rejected"]) == (3, 1, 0)
    assert aka.picture("copy") == aka.picture("default")
    assert aka.json("check")["ok"] is True
    # What went out once goes out the same again.
    again = tmp_path / "again.jsonl"
    aka.ok("export", "--workspace", "copy", "--output", again)
    assert again.read_text() == out.read_text()


def test_export_to_stdout_is_the_jsonl_itself(aka: Aka, tmp_path: Path) -> None:
    aka.ok("import", jsonl(tmp_path / "p.jsonl", {"id": ID1, **person("device", "d1")}))
    result = aka.ok("export")
    assert (
        result.stdout
        == json.dumps(
            {"id": ID1, "identifiers": [{"namespace": "device", "value": "d1"}]},
            separators=(",", ":"),
        )
        + "\n"
    )
    assert "exported 1 profiles, 1 identifiers and 0 memberships" in result.stderr
    with_json = aka.ok("export", "--json")
    assert with_json.stdout == result.stdout
    assert json.loads(with_json.stderr)["profiles"] == 1


def test_export_of_an_unknown_workspace_fails(aka: Aka) -> None:
    result = aka("export", "--workspace", "nope")
    assert result.exit_code == 1
    assert "workspace 'nope' does not exist" in result.stderr


# --- a real process killed half-way -------------------------------------------------------

KILL_ROWS = {"sqlite": 2000, "postgres": 300}  # a few seconds of importing on each


def big_file(path: Path, rows: int) -> tuple[Path, set[str], int]:
    """Profiles with and without ids, rows linking onto earlier ones, some rejects,
    then memberships: what an import has to get right in any order of chunks."""
    lines: list[dict[str, Any]] = []
    ids: set[str] = set()
    for n in range(rows):
        if n % 3 == 0:
            pid = f"0190a0b0-0000-7000-8000-{n:012x}"
            ids.add(pid)
            item = {"namespace": "device", "value": f"d{n}", "disabled": n % 2 == 0}
            lines.append({"id": pid, "attributes": {"n": n}, "identifiers": [item]})
        elif n % 3 == 1:
            lines.append(person("email", f"p{n}@x.io", external_id=f"u{n}"))
        elif n % 9 == 2:  # d(n-2) is another profile's: rejected
            lines.append(person("device", f"d{n - 2}", external_id=f"u{n - 1}"))
        else:
            lines.append(person("phone", f"+{n}", external_id=f"u{n - 1}"))  # links on
    members = sorted(ids)
    lines.extend(
        {"type": "membership", "group": members[0], "member": member} for member in members[1:]
    )
    profiles = sum(1 for n in range(rows) if n % 3 != 2)
    return jsonl(path, *lines), ids, profiles


def shape(graph: GraphState, ids: set[str]) -> dict[str, Any]:
    """The live graph with fresh ids (made by each import anew) replaced by the external
    id that names the same profile in both stores."""
    label = {
        p.id: p.id if p.id in ids else f"ext:{p.external_id}"
        for p in graph.profiles.values()
        if p.merged_into is None
    }
    return {
        "profiles": {label[p]: v for p, v in live_picture(graph)["profiles"].items()},
        "identifiers": {
            k: (label[i.profile_id], i.kind, i.primary, i.disabled, i.attributes)
            for k, i in ((str(k), i) for k, i in graph.identifiers.items())
        },
        "memberships": sorted((label[g], label[m]) for g, m in graph.memberships),
    }


@pytest.mark.slow
def test_an_import_killed_half_way_and_run_again_ends_as_an_uninterrupted_one(
    aka: Aka, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    backend = request.node.callspec.params["aka"]
    data, ids, profiles = big_file(tmp_path / "big.jsonl", KILL_ROWS[backend])
    total = len(data.read_text().splitlines())
    env = {**os.environ, "AKA_DATABASE_URL": aka.url}
    command = [sys.executable, "-m", "aka", "import", str(data), "--chunk-size", "25"]
    aka.ok("workspace", "create", "killed")
    proc = subprocess.Popen(
        [*command, "--workspace", "killed", "--progress-every", "0"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stderr is not None
        first = proc.stderr.readline()  # printed once the first chunk has committed
        assert first.startswith("imported 25 rows"), first
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        proc.kill()
        if proc.stderr is not None:
            proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL
    half = aka.graph("killed")
    assert 0 < len(half.profiles) < profiles, "killed before the first or after the last chunk"

    def import_through(workspace: str) -> dict[str, Any]:
        """The whole file into `workspace` by a process of its own: its JSON summary."""
        done = subprocess.run(
            [*command, "--workspace", workspace, "--json"],
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        summary: dict[str, Any] = json.loads(done.stdout)
        return summary

    rerun = import_through("killed")
    assert rerun["committed_through_line"] == total
    aka.ok("workspace", "create", "whole")
    whole = import_through("whole")
    assert whole["rejected"] == rerun["rejected"] > 0
    assert shape(aka.graph("killed"), ids) == shape(aka.graph("whole"), ids)
    assert aka.json("check")["ok"] is True
