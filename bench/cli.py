"""`python -m bench [--quick] [--large] [--backend ...] [--runs N] [--only a,b]`.

Runs each chosen scenario on each chosen backend, prints the table and writes the JSON.
Exits 1 when a scenario failed (an error, never a missed target), 2 on bad arguments.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import sys
import tempfile
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType

from bench import machine, report
from bench.backends import Backend
from bench.context import Context, Datasets
from bench.errors import BenchError
from bench.figures import Figure, Status, failed, unavailable
from bench.postgres_backend import DEFAULT_URL, PostgresBackend
from bench.scenarios import SCENARIOS
from bench.sizes import Sizes, choose
from bench.sqlite_backend import SqliteBackend

RESULTS = Path(__file__).resolve().parent / "results"


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m bench",
        description="aka's benchmarks, each beside a floor measured in the same run "
        "(docs/performance.md).",
    )
    p.add_argument("--quick", action="store_true", help="tiny sizes, one run: a smoke test")
    p.add_argument("--large", action="store_true", help="add a 10M-identifier latency store")
    p.add_argument(
        "--backend", choices=("sqlite", "postgres", "all"), default="all", help="default: all"
    )
    p.add_argument("--runs", type=int, help="measured runs per figure (default 3, quick 1)")
    p.add_argument(
        "--only",
        type=lambda text: [s.strip() for s in text.split(",") if s.strip()],
        default=[],
        help=f"comma list of scenarios: {', '.join(SCENARIOS)}",
    )
    p.add_argument(
        "--memory-runs",
        type=int,
        help="runs of the 10M-row import (default 1: each takes minutes)",
    )
    p.add_argument(
        "--check-sizes",
        type=_sizes,
        help="identifiers in each store the check scenario times, e.g. 100k,300k,1M "
        "(default 100k,1M; quick 2k)",
    )
    p.add_argument(
        "--rows",
        type=int,
        help="identifiers per ingest run and in the loaded store (default 1M, quick 1,000): "
        "a smaller run, e.g. to compare two settings on a shared machine",
    )
    p.add_argument(
        "--people",
        type=int,
        help="people per ingest-people run (default 100,000, quick 400; ~1%% of them "
        "conflict, 2.5 identifiers each on average)",
    )
    p.add_argument("--workers", type=int, default=1, help="granian workers (default 1)")
    p.add_argument(
        "--output",
        type=Path,
        help="JSON file (default: bench/results/latest.json for a full run of everything, "
        "quick.json or partial.json otherwise)",
    )
    p.add_argument("--keep", action="store_true", help="keep the work directory (stores, logs)")
    return p


def _sizes(text: str) -> tuple[int, ...]:
    """ "100k,1M" -> (100_000, 1_000_000)."""
    scale = {"k": 1_000, "m": 1_000_000}
    found = []
    for item in (t.strip().lower() for t in text.split(",") if t.strip()):
        unit = scale.get(item[-1], 1)
        number = item[:-1] if item[-1] in scale else item
        try:
            value = int(float(number) * unit)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a size: {item!r} (e.g. 100k, 1M)") from None
        if value < 2:
            raise argparse.ArgumentTypeError(f"a check store needs 2 identifiers or more: {item!r}")
        found.append(value)
    if not found:
        raise argparse.ArgumentTypeError("no sizes given")
    return tuple(found)


def _stop_on_sigterm() -> None:
    """Unwind (stop servers, drop databases) when CI or make sends SIGTERM."""

    def handler(signum: int, frame: FrameType | None) -> None:
        del frame
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, handler)


def _backend(name: str, workdir: Path) -> Backend:
    if name == "sqlite":
        return SqliteBackend(workdir)
    return PostgresBackend(os.environ.get("AKA_BENCH_POSTGRES_URL", DEFAULT_URL), workdir)


def _run_backend(ctx: Context, chosen: list[str], figures: list[Figure]) -> None:
    """Run the scenarios, adding each one's figures to `figures` as it finishes (so an
    interrupted run still has them)."""
    for name in chosen:
        ctx.say(f"{name}: start")
        try:
            figures += SCENARIOS[name](ctx)
        except Exception as exc:  # one scenario's failure is reported; the rest run
            log = ctx.log(f"{name}-error")
            log.write_text(traceback.format_exc())
            ctx.say(f"{name}: FAILED: {exc}")
            detail = str(exc) if isinstance(exc, BenchError) else f"{type(exc).__name__}: {exc}"
            figures.append(failed(name, name, ctx.backend.name, detail))


@dataclass
class _Run:
    """What a run measured: its figures, the PostgreSQL server's version, and whether
    it was interrupted before the end."""

    figures: list[Figure] = field(default_factory=list)
    pg_version: str | None = None
    interrupted: bool = False


def _measure(
    args: argparse.Namespace, chosen: list[str], backends: list[str], sizes: Sizes
) -> _Run:
    run = _Run()
    workdir = Path(tempfile.mkdtemp(prefix="aka-bench-"))
    datasets = Datasets(workdir)
    try:
        for name in backends:
            try:
                backend = _backend(name, workdir)
            except BenchError as exc:
                # As the test suite does: without PostgreSQL, skip locally, fail in CI.
                ci = os.environ.get("CI", "").lower() in ("1", "true", "yes")
                make = failed if ci else unavailable
                run.figures.append(make("backend", "PostgreSQL backend", name, str(exc)))
                print(f"bench: {exc}", file=sys.stderr)
                continue
            if isinstance(backend, PostgresBackend):
                run.pg_version = backend.version()
            ctx = Context(backend, sizes, workers=args.workers, workdir=workdir, datasets=datasets)
            try:
                _run_backend(ctx, chosen, run.figures)
            finally:
                ctx.close()
    except KeyboardInterrupt:
        # Ctrl-C or SIGTERM (a long run stopped half-way): what finished was measured
        # honestly; it is kept, in partial.json, never in latest.json.
        run.interrupted = True
        print("bench: interrupted; writing what was measured", file=sys.stderr)
    finally:
        if args.keep:
            print(f"bench: work directory kept at {workdir}", file=sys.stderr)
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    return run


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    unknown = [s for s in args.only if s not in SCENARIOS]
    if unknown:
        _parser().error(f"unknown scenario(s) {', '.join(unknown)}; known: {', '.join(SCENARIOS)}")
    for flag, given in (
        ("--runs", args.runs),
        ("--memory-runs", args.memory_runs),
        ("--rows", args.rows),
        ("--people", args.people),
    ):
        if given is not None and given < 1:
            _parser().error(f"{flag} must be at least 1")
    chosen = [s for s in SCENARIOS if not args.only or s in args.only]
    backends = ["sqlite", "postgres"] if args.backend == "all" else [args.backend]
    sizes = choose(
        quick=args.quick,
        large=args.large,
        runs=args.runs,
        memory_runs=args.memory_runs,
        check_sizes=args.check_sizes,
        rows=args.rows,
        people=args.people,
    )
    _stop_on_sigterm()
    run = _measure(args, chosen, backends, sizes)

    complete = not args.quick and not args.only and args.backend == "all" and args.runs is None
    complete = complete and args.rows is None and args.people is None
    complete = complete and not run.interrupted
    output = args.output or RESULTS / (
        "latest.json" if complete else "quick.json" if args.quick else "partial.json"
    )
    mode = "quick" if args.quick else "large" if args.large else "full"
    meta = {
        "mode": mode,
        "command": "python -m bench " + " ".join(argv if argv is not None else sys.argv[1:]),
        **machine.describe(run.pg_version),
        "sizes": sizes.as_json(),
        "workers": args.workers,
        "scenarios": chosen,
        "backends": backends,
        "interrupted": run.interrupted,
    }
    report.show(run.figures, f"aka bench ({mode}, median of {sizes.runs} run(s) per figure)")
    report.write(output, meta, run.figures)
    print(f"bench: results written to {output}", file=sys.stderr)
    if run.interrupted:
        return 130
    errors = [f for f in run.figures if f.status is Status.ERROR]
    if errors:
        print(f"bench: {len(errors)} scenario(s) failed", file=sys.stderr)
        return 1
    return 0
