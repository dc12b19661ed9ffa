"""The README walk-through, run with bash and curl against a real `aka serve` process.

If this fails, the README is lying to a new user.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.backends import server_env
from tests.servers import run_cli, running_server

ROOT = Path(__file__).resolve().parents[1]
ADMIN_KEY = "aka_dev_admin_key"

pytestmark = pytest.mark.slow


def _walkthrough() -> str:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Try it", 1)[1]
    match = re.search(r"```bash\n(.*?)```", section, re.S)
    assert match, "README's 'Try it' section has no bash block"
    return match.group(1)


@pytest.fixture(params=["sqlite", "postgres"])
def server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, dict[str, str]]]:
    """`aka serve` on an empty store of each SQL backend (the README's two deployments)."""
    env = {**server_env(request.param, tmp_path), "AKA_ADMIN_KEY": ADMIN_KEY}
    with running_server(env) as base:
        yield base, env


@pytest.mark.skipif(
    not (shutil.which("curl") and shutil.which("jq")) and not os.environ.get("CI"),
    reason="the README walk-through needs curl and jq",
)
def test_the_readme_walkthrough_works_against_a_real_server(
    server: tuple[str, dict[str, str]],
) -> None:
    """Create, link, resolve, merge, forward, explain, undo and history: each curl call of
    the README succeeds and prints what its comment promises; `aka check` passes after."""
    base, env = server
    script = _walkthrough().replace("AKA=http://127.0.0.1:8000", f"AKA={base}")
    done = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr + done.stdout
    lines = done.stdout.splitlines()
    assert "user-42" in lines  # the merged id forwards to the survivor
    assert '["ios-7f3a","ann@example.com"]' in lines  # the link answered the profile
    assert "true" in lines  # explain: same person
    # user-42 created with its email, web-19c2's profile created with it, the merge.
    assert '["profile.created","profile.created","profile.merged"]' in lines
    assert "web-19c2" in lines  # undo gave the device back to its own profile
    assert lines[-4:] == [
        "profile.created",  # with its email: one event
        "identifier.linked",
        "profile.merged",
        "profile.unmerged",
    ]
    check = run_cli(env, "check", "--json")
    assert check.returncode == 0, check.stdout + check.stderr
    assert '"ok": true' in check.stdout


def test_docs_and_openapi_are_served(server: tuple[str, dict[str, str]]) -> None:
    """The real server renders /docs (Swagger UI from local assets) and /openapi.json."""
    base, _ = server
    docs = httpx.get(f"{base}/docs", timeout=5)
    assert docs.status_code == 200
    assert "swagger" in docs.text.lower()
    spec = httpx.get(f"{base}/openapi.json", timeout=5).json()
    assert "/v1/resolve" in spec["paths"]
