"""`python -m fuzz`: Schemathesis against `aka serve`, on SQLite and on PostgreSQL.

    python -m fuzz                         # both stores, the CI bounds (a few minutes)
    python -m fuzz --max-examples 500      # a longer run (`make fuzz`)
    python -m fuzz --backend postgres --seed 7 -- --include-path-regex '^/v1/merges'

Arguments after `--` go to `schemathesis run` unchanged. Exit status: 0 when every
store passed, 1 when Schemathesis failed on one (its report names the request, and the
server log's tail shows any traceback), 2 when a server or database could not start.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import secrets
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import httpx
import psycopg
from bench.served import NotServing, free_port, serve
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent
BACKENDS = ("sqlite", "postgres")
SEED = 20261206
# 40, not 50, since every door is in the document (ADR 0019): 14 more operations, and
# CI's whole run has about 30 s to spare for them.
CI_EXAMPLES = 40
# Tag -> the share of `--max-examples` its operations get. Braze's bodies hold up to 50
# or 75 nested (or free-form) objects: generating them costs Schemathesis about ten
# times a native body, so its seven operations at full count would add about a minute
# of CPU to each store's run.
SCARCE = {"braze": 5}
# Every check about the server's own answers. Not `negative_data_rejection` and the
# like: they judge how strict validation is, a matter of the OpenAPI issue.
CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
    "response_headers_conformance",
)
_NO_LIMIT = "1000000000/second"  # rate limits stay on, out of reach: a 429 tests nothing
POSTGRES_ENV = "AKA_TEST_POSTGRES_URL"
DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"


class FuzzError(Exception):
    """A server or database that could not be had: not a finding, a broken run."""


def main(argv: list[str] | None = None) -> int:
    args, extra = _parse(sys.argv[1:] if argv is None else argv)
    failed: list[str] = []
    try:
        for backend in args.backend or BACKENDS:
            print(f"fuzz: {backend}: seed {args.seed}, {args.max_examples} examples per operation")
            started = time.monotonic()
            ok = _run_on(backend, args, extra)
            outcome = "passed" if ok else "FAILED"
            print(f"fuzz: {backend}: {outcome} in {time.monotonic() - started:.0f} s")
            if not ok:
                failed.append(backend)
    except FuzzError as exc:
        print(f"fuzz: {exc}", file=sys.stderr)
        return 2
    if failed:
        print(f"fuzz: FAILED on {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


def _parse(argv: list[str]) -> tuple[argparse.Namespace, list[str]]:
    extra: list[str] = []
    if "--" in argv:
        at = argv.index("--")
        argv, extra = argv[:at], argv[at + 1 :]
    parser = argparse.ArgumentParser(prog="python -m fuzz", description=__doc__.split("\n")[0])
    parser.add_argument("--backend", action="append", choices=BACKENDS, help="(repeatable)")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--max-examples", type=int, default=CI_EXAMPLES, help="per operation")
    parser.add_argument("--workdir", type=Path, help="keep logs and reports here")
    return parser.parse_args(argv), extra


def _run_on(backend: str, args: argparse.Namespace, extra: list[str]) -> bool:
    with contextlib.ExitStack() as stack:
        workdir = args.workdir or Path(stack.enter_context(tempfile.TemporaryDirectory()))
        workdir = workdir / backend
        workdir.mkdir(parents=True, exist_ok=True)
        url = stack.enter_context(_database(backend, workdir))
        key = "aka_fuzz_" + secrets.token_hex(16)
        env = {
            **os.environ,
            "AKA_DATABASE_URL": url,
            "AKA_ADMIN_KEY": key,
            "AKA_RATE_LIMIT_READ": _NO_LIMIT,
            "AKA_RATE_LIMIT_WRITE": _NO_LIMIT,
            "AKA_RATE_LIMIT_ADMIN": _NO_LIMIT,
            "AKA_LOG_LEVEL": "warning",
            "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
        }
        log = workdir / "server.log"
        base = stack.enter_context(_server(env, log))
        own = [k["id"] for k in _get(base, "/v1/keys", key)["keys"]]
        mimecast = _mimecast_credentials(env)
        env.update(
            {
                "SCHEMATHESIS_HOOKS": "fuzz.hooks",
                "AKA_FUZZ_KEY": key,
                "AKA_FUZZ_KEY_IDS": ",".join([*own, mimecast["access_key"]]),
                "AKA_FUZZ_MIMECAST": json.dumps(mimecast),
                "AKA_FUZZ_WORKSPACE": "default",
            }
        )
        config = workdir / "schemathesis.toml"
        config.write_text(_config(args.max_examples))
        command = [
            str(Path(sys.executable).parent / "schemathesis"),
            "--config-file",
            str(config),
            "run",
            f"{base}/openapi.json",
            "--checks",
            ",".join(CHECKS),
            "--seed",
            str(args.seed),
            "--max-examples",
            str(args.max_examples),
            "--workers",
            "1",
            "--request-timeout",
            "30",
            "--suppress-health-check",
            "all",
            "--report",
            "junit",
            "--report-dir",
            str(workdir / "report"),
            *extra,
        ]
        # Run from the work directory: Schemathesis keeps a cache of what it found in
        # `.schemathesis/` under its working directory, which is no part of the repo.
        result = subprocess.run(command, env=env, cwd=workdir, check=False)
        if result.returncode != 0:
            print(f"fuzz: {backend}: the server log's last lines ({log}):\n{_tail(log)}")
        return result.returncode == 0


def _config(max_examples: int) -> str:
    """Schemathesis settings per operation: fewer examples where generating one costs
    most (`SCARCE`), so every door is covered within CI's time."""
    blocks = [
        f'[[operations]]\ninclude-tag = "{tag}"\n'
        f"generation.max-examples = {max(1, max_examples // share)}\n"
        for tag, share in SCARCE.items()
    ]
    # The event stream answers for as long as the client stays: every example would
    # end in the request timeout. Its inputs are tested in tests/http/test_event_stream.py.
    blocks.append('[[operations]]\ninclude-path = "/v1/events/stream"\nenabled = false\n')
    return "\n".join(blocks)


@contextlib.contextmanager
def _database(backend: str, workdir: Path) -> Iterator[str]:
    """The URL of a new, empty store (`aka serve` migrates it); dropped afterwards."""
    if backend == "sqlite":
        yield f"sqlite:///{workdir / 'fuzz.db'}"
        return
    admin = os.environ.get(POSTGRES_ENV) or DEFAULT_POSTGRES
    name = f"aka_fuzz_{os.getpid()}_{secrets.token_hex(3)}"
    try:
        with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    except psycopg.OperationalError as exc:
        raise FuzzError(f"PostgreSQL at {admin} is unreachable ({POSTGRES_ENV}): {exc}") from exc
    try:
        yield urlunsplit(urlsplit(admin)._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


@contextlib.contextmanager
def _server(env: dict[str, str], log: Path) -> Iterator[str]:
    """`aka serve` on a free port, its output in `log`; its base URL."""
    port = free_port()
    env = {**env, "AKA_HOST": "127.0.0.1", "AKA_PORT": str(port), "AKA_WORKERS": "1"}
    argv = [sys.executable, "-m", "aka", "serve"]
    with log.open("wb") as out:
        try:
            served = serve(
                argv, env, port, ready_path="/readyz", stdout=out, stderr=subprocess.STDOUT
            )
        except NotServing as failed:
            raise FuzzError(f"{failed}; its log:\n{_tail(log)}") from None
    try:
        yield served.base
    finally:
        served.stop()


def _get(base: str, path: str, key: str) -> dict[str, list[dict[str, str]]]:
    response = httpx.get(base + path, headers={"Authorization": f"Bearer {key}"}, timeout=10)
    response.raise_for_status()
    answer: dict[str, list[dict[str, str]]] = response.json()
    return answer


def _mimecast_credentials(env: dict[str, str]) -> dict[str, str]:
    """A Mimecast key of workspace `default`, made with the CLI as an operator would."""
    done = subprocess.run(
        [sys.executable, "-m", "aka", "keys", "create", "--mimecast", "--json"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    if done.returncode != 0:
        raise FuzzError(f"aka keys create --mimecast failed:\n{done.stdout}{done.stderr}")
    created: dict[str, str] = json.loads(done.stdout)
    return created


def _tail(path: Path, lines: int = 60) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


if __name__ == "__main__":
    sys.exit(main())
