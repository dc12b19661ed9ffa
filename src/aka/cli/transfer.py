"""`aka import FILE` and `aka export`: the graph in and out as JSONL (or CSV in).

An import commits every `--chunk-size` rows in a write transaction of its own and
applies each record by the upsert rule (`service/transfer.py`), so a re-run of an
interrupted import skips what is in already; rejected rows go to an error file and
the import goes on. docs/import-export.md is the user's page for both commands.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from itertools import islice
from pathlib import Path
from types import FrameType
from typing import IO, Annotated, Any, Final

import msgspec
import typer

from aka import config
from aka.cli import first_start
from aka.cli import import_dry_run as dry
from aka.cli.context import opened_store
from aka.cli.output import ProgressEvery, emit_json, errors, fail
from aka.cli.transfer_progress import Progress, progress_for
from aka.cli.transfer_rows import Reading, Row, csv_rows, jsonl_rows
from aka.core.errors import AkaError, Code
from aka.core.ports import Store
from aka.engine.preview import rolled_back
from aka.service import admin, imports, transfer

DEFAULT_CHUNK: Final = 10_000
BUSY_RETRIES: Final = 5  # a chunk refused as "store busy" committed nothing: try again
EXIT_REJECTED: Final = 2  # --strict, and some rows were rejected
EXIT_INTERRUPTED: Final = 130  # Ctrl-C or SIGTERM, as shells report them


class Format(StrEnum):
    JSONL = "jsonl"
    CSV = "csv"


_EXTENSIONS: Final = {".jsonl": Format.JSONL, ".ndjson": Format.JSONL, ".csv": Format.CSV}

Json = Annotated[bool, typer.Option("--json", help="Print the summary as JSON for scripts.")]
Workspace = Annotated[str, typer.Option("--workspace", "-w", help="Workspace id.")]


@dataclass
class Tally:
    """What the import did so far, and how far it is committed."""

    started: float = field(default_factory=time.monotonic)
    rows: int = 0
    created: int = 0
    linked: int = 0
    unchanged: int = 0
    rejected: int = 0
    committed_through: int = 0  # the last line of the last committed chunk

    def count(self, result: transfer.Outcome | AkaError) -> None:
        self.rows += 1
        if isinstance(result, AkaError):
            self.rejected += 1
        elif result.action is transfer.Action.CREATED:
            self.created += 1
        elif result.action is transfer.Action.LINKED:
            self.linked += 1
        else:
            self.unchanged += 1

    @property
    def seconds(self) -> float:
        return time.monotonic() - self.started

    @property
    def rate(self) -> float:
        return self.rows / max(self.seconds, 1e-9)


class Rejects:
    """The error file: one JSON line per rejected row, opened on the first one."""

    def __init__(self, path: Path, *, csv_fields: bool, append: bool) -> None:
        self.path = path
        self.written = 0
        self._csv_fields = csv_fields
        self._mode = "ab" if append else "wb"
        self._file: IO[bytes] | None = None
        if not append:
            # A file left by an earlier run would mix its rows with this run's.
            path.unlink(missing_ok=True)

    def write(self, row: Row, error: AkaError) -> None:
        if self._file is None:
            self._file = self.path.open(self._mode)
        field = transfer.csv_column(error.field) if self._csv_fields else error.field
        entry = {
            "line": row.line,
            "code": error.code.value,
            "message": error.message,
            "field": field,
            "row": row.text,
        }
        self._file.write(msgspec.json.encode(entry) + b"\n")
        self.written += 1

    def flush(self) -> None:
        if self._file is not None:
            self._file.flush()

    def close(self) -> None:
        if self._file is not None:
            self._file.close()


def import_command(
    file: Annotated[
        str, typer.Argument(metavar="FILE", help="A .jsonl, .ndjson or .csv file; - for stdin.")
    ],
    workspace: Workspace = "default",
    format_: Annotated[
        Format | None,
        typer.Option("--format", help="jsonl or csv (default: from the file's extension)."),
    ] = None,
    errors_path: Annotated[
        Path | None,
        typer.Option(
            "--errors",
            help="Where rejected rows go (default FILE.errors.jsonl; "
            "aka-import-TIME.errors.jsonl for stdin).",
        ),
    ] = None,
    chunk_size: Annotated[
        int, typer.Option("--chunk-size", min=1, max=1_000_000, help="Rows per commit.")
    ] = DEFAULT_CHUNK,
    actor: Annotated[str, typer.Option(help="Recorded as the actor of every event.")] = "cli",
    resume_after: Annotated[
        int,
        typer.Option(
            "--resume-after",
            min=0,
            metavar="LINE",
            help="Skip lines up to LINE (committed by an interrupted run) and append to "
            "the error file. Without it, a re-run reads everything again (safe, slower).",
        ),
    ] = 0,
    strict: Annotated[
        bool, typer.Option("--strict", help="Exit 2 when any row was rejected.")
    ] = False,
    progress_every: ProgressEvery = 5.0,
    as_json: Json = False,
    dry_run: Annotated[
        bool,
        typer.Option(
            "--dry-run",
            help="Run every row by the same rules in one transaction that is rolled back, "
            "and print what the import would do; write nothing (no error file either).",
        ),
    ] = False,
) -> None:
    """Import profiles, identifiers and memberships; safe to re-run after a stop."""
    fmt = _format(file, format_)
    rejects_at = errors_path or _default_errors_path(file)
    if file != "-" and rejects_at.resolve() == Path(file).resolve():
        fail("--errors must not be the file being imported")
    with opened_store() as store:
        never_served = not store.workspaces()
        if never_served and workspace == admin.DEFAULT_WORKSPACE and not dry_run:
            # Begin the store as `aka serve` would, admin key included (ADR 0032).
            first_start.bootstrap(store, config.load())
        if store.workspace(workspace) is None:
            fail(_no_workspace(workspace, never_served=never_served))
        with _source(file) as (stream, size), _sigterm_as_interrupt():
            reading = Reading()
            rows = _rows(fmt, stream, reading, resume_after)
            tally = Tally(committed_through=resume_after)
            if dry_run:
                refusals = dry.Refusals()
                try:
                    events = _rehearse(store, workspace, rows, chunk_size, actor, refusals, tally)
                except KeyboardInterrupt:
                    raise SystemExit(EXIT_INTERRUPTED) from None
                except AkaError as exc:
                    fail(f"dry run stopped at line {reading.line}: {exc.message}; nothing written")
                dry.summary(
                    tally.rows, tally.created, tally.linked, tally.unchanged, refusals, events,
                    as_json=as_json,
                )  # fmt: skip
                if strict and tally.rejected:
                    raise SystemExit(EXIT_REJECTED)
                return
            rejects = Rejects(rejects_at, csv_fields=fmt is Format.CSV, append=resume_after > 0)
            # Every way out of the block below closes it: the plain lines' timer thread.
            progress = progress_for(size, every=progress_every)
            try:
                _run(store, workspace, rows, chunk_size, actor, rejects, tally, progress, reading)
            except KeyboardInterrupt:
                _stopped(progress, reading, tally, "interrupted")
                raise SystemExit(EXIT_INTERRUPTED) from None
            except AkaError as exc:
                _stopped(progress, reading, tally, exc.message)
                raise SystemExit(1) from None
            except Exception as exc:  # a database or file failure: say where, then fail
                _stopped(progress, reading, tally, f"{type(exc).__name__}: {exc}")
                raise SystemExit(1) from None
            finally:
                rejects.close()
            progress.close(tally, reading)
    _summary(tally, rejects, as_json=as_json)
    if strict and tally.rejected:
        raise SystemExit(EXIT_REJECTED)


def _no_workspace(workspace: str, *, never_served: bool) -> str:
    if never_served and workspace == admin.DEFAULT_WORKSPACE:  # and a dry run: it writes nothing
        return (
            f"workspace {workspace!r} does not exist yet (the store was never served) and a"
            " dry run writes nothing; an import without --dry-run or `aka serve` creates it,"
            " with its admin key"
        )
    return f"workspace {workspace!r} does not exist; create it: `aka workspace create {workspace}`"


def _rows(fmt: Format, stream: IO[bytes], reading: Reading, resume_after: int) -> Iterator[Row]:
    if fmt is Format.JSONL:
        return jsonl_rows(stream, reading, skip_through=resume_after)
    try:
        return csv_rows(stream, reading, skip_through=resume_after)
    except AkaError as exc:  # the header: nothing can be imported under it
        fail(exc.message)
        raise AssertionError("unreachable") from None  # pragma: no cover


def _run(
    store: Store,
    workspace: str,
    rows: Iterator[Row],
    chunk_size: int,
    actor: str,
    rejects: Rejects,
    tally: Tally,
    progress: Progress,
    reading: Reading,
) -> None:
    while chunk := list(islice(rows, chunk_size)):
        records = [row.record for row in chunk if row.record is not None]
        results = _apply(store, workspace, records, actor) if records else []
        tally.committed_through = chunk[-1].end
        _tally(chunk, results, rejects, tally)
        progress.update(tally, reading)


def _rehearse(
    store: Store,
    workspace: str,
    rows: Iterator[Row],
    chunk_size: int,
    actor: str,
    refusals: dry.Refusals,
    tally: Tally,
) -> int:
    """`--dry-run`: every chunk as `_run` applies it, all in one transaction rolled back
    at the end (ADR 0023); how many events it would have appended."""
    with rolled_back(store, workspace, read_back=False) as rehearsal:
        while chunk := list(islice(rows, chunk_size)):
            records = [row.record for row in chunk if row.record is not None]
            results = imports.apply_chunk(rehearsal.tx, records, actor=actor) if records else []
            _tally(chunk, results, refusals, tally)
        return rehearsal.appended()


def _tally(
    chunk: list[Row],
    results: list[transfer.Outcome | AkaError],
    rejects: Rejects | dry.Refusals,
    tally: Tally,
) -> None:
    """Each row's result (its parse error, or its record's outcome) counted."""
    outcomes = iter(results)
    for row in chunk:
        result = row.error if row.error is not None else next(outcomes)
        if isinstance(result, AkaError):
            rejects.write(row, result)
        tally.count(result)
    rejects.flush()


def _apply(
    store: Store, workspace: str, records: list[transfer.Record], actor: str
) -> list[transfer.Outcome | AkaError]:
    """One chunk in one committed write transaction (retried while the store is busy:
    a busy refusal committed nothing)."""
    for attempt in range(1, BUSY_RETRIES + 1):
        try:
            with store.transaction(workspace, write=True) as tx:
                return imports.apply_chunk(tx, records, actor=actor)
        except AkaError as exc:
            if exc.code is not Code.STORE_BUSY or attempt == BUSY_RETRIES:
                raise
            time.sleep(attempt)
    raise AssertionError("unreachable")  # pragma: no cover


def _stopped(progress: Progress, reading: Reading, tally: Tally, why: str) -> None:
    progress.close(tally, reading)
    done = tally.committed_through
    committed = f"everything through line {done} is committed" if done else "nothing was committed"
    resume = f" (or add --resume-after {done} to skip the committed lines)" if done else ""
    errors.print(
        f"[red]import stopped:[/red] {why}\n"
        f"stopped after line {reading.line}; {committed}; re-run the same command to "
        f"continue (already-imported rows are no-ops){resume}",
        highlight=False,
        soft_wrap=True,
    )


def _summary(tally: Tally, rejects: Rejects, *, as_json: bool) -> None:
    error_file = str(rejects.path) if rejects.written else None
    if as_json:
        emit_json(
            {
                "rows": tally.rows,
                "created": tally.created,
                "linked": tally.linked,
                "unchanged": tally.unchanged,
                "rejected": tally.rejected,
                "seconds": round(tally.seconds, 3),
                "rows_per_second": round(tally.rate, 1),
                "committed_through_line": tally.committed_through,
                "error_file": error_file,
            }
        )
        return
    typer.echo(
        f"imported {tally.rows} rows in {tally.seconds:.1f} s ({tally.rate:.0f} rows/s): "
        f"{tally.created} created, {tally.linked} linked, {tally.unchanged} unchanged, "
        f"{tally.rejected} rejected"
    )
    if error_file:
        typer.echo(f"rejected rows and their reasons: {error_file}")


def _format(file: str, given: Format | None) -> Format:
    if given is not None:
        return given
    if file == "-":
        return Format.JSONL
    found = _EXTENSIONS.get(Path(file).suffix.lower())
    if found is None:
        fail(f"cannot tell the format of {file!r} from its extension; pass --format jsonl or csv")
        raise AssertionError("unreachable")  # pragma: no cover
    return found


def _default_errors_path(file: str) -> Path:
    if file == "-":
        stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
        return Path(f"aka-import-{stamp}.errors.jsonl")
    return Path(f"{file}.errors.jsonl")


@contextlib.contextmanager
def _source(file: str) -> Iterator[tuple[IO[bytes], int | None]]:
    """The input as a binary stream and its size when known (for the ETA)."""
    if file == "-":
        yield sys.stdin.buffer, None
        return
    try:
        stream = Path(file).open("rb")  # noqa: SIM115 - closed below
    except OSError as exc:
        fail(f"cannot read {file}: {exc.strerror or exc}")
        raise AssertionError("unreachable") from None  # pragma: no cover
    try:
        yield stream, os.fstat(stream.fileno()).st_size
    finally:
        stream.close()


@contextlib.contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    """SIGTERM stops an import as Ctrl-C does: the open chunk rolls back and the
    import says where it stopped (SIGKILL cannot be caught; committed chunks stand)."""

    def interrupt(signum: int, frame: FrameType | None) -> None:
        del signum, frame
        raise KeyboardInterrupt

    try:
        previous = signal.signal(signal.SIGTERM, interrupt)
    except ValueError:  # not the main thread: leave signals alone
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


# --- export ---------------------------------------------------------------------------


def export_command(
    workspace: Workspace = "default",
    output: Annotated[
        str, typer.Option("--output", "-o", help="A file to write, or - for stdout.")
    ] = "-",
    as_json: Json = False,
) -> None:
    """Write the workspace's live graph as JSONL, the format `aka import` reads."""
    started = time.monotonic()
    counts = {"profiles": 0, "identifiers": 0, "memberships": 0}
    # A long read: a replica carries it when there is one (README's Read replicas).
    with opened_store(replicas=True) as store:
        if store.workspace(workspace) is None:
            fail(f"workspace {workspace!r} does not exist")
        with _sink(output) as sink, store.transaction(workspace, write=False) as tx:
            encoder = msgspec.json.Encoder()
            buffer = bytearray()
            for line in transfer.export_lines(tx):
                _count(counts, line)
                encoder.encode_into(line, buffer, -1)
                buffer.extend(b"\n")
                if len(buffer) >= 1 << 16:
                    sink.write(buffer)
                    buffer.clear()
            sink.write(buffer)
    summary: dict[str, Any] = {**counts, "seconds": round(time.monotonic() - started, 3)}
    to_stdout = output != "-"  # else stdout carries the export itself
    if as_json:
        (sys.stdout if to_stdout else sys.stderr).write(
            msgspec.json.encode(summary).decode() + "\n"
        )
        return
    message = (
        f"exported {counts['profiles']} profiles, {counts['identifiers']} identifiers and "
        f"{counts['memberships']} memberships in {summary['seconds']:.1f} s"
    )
    typer.echo(message, err=not to_stdout)


def _count(counts: dict[str, int], line: dict[str, Any]) -> None:
    if line.get("type") == "membership":
        counts["memberships"] += 1
    else:
        counts["profiles"] += 1
        counts["identifiers"] += len(line["identifiers"])


@contextlib.contextmanager
def _sink(output: str) -> Iterator[IO[bytes]]:
    """stdout, or a file that appears only once complete (written beside it, renamed at
    the end), so a failed export never leaves a file that looks whole."""
    if output == "-":
        yield sys.stdout.buffer
        sys.stdout.buffer.flush()
        return
    target = Path(output)
    partial = target.with_name(target.name + ".partial")
    try:
        with partial.open("wb") as stream:
            yield stream
        partial.replace(target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
