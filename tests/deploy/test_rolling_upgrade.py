"""A rolling upgrade, with the previous release's real code (ADR 0029): the previous and
the current aka serve one store at once, on SQLite and on PostgreSQL, each reading what
the other wrote through its HTTP API, and the store passes `aka check` afterwards.

"The previous release" is the code just before the newest migration: the first parent
of the commit that added the migration head, taken from git (`git archive`, into a temp
directory) and run from there. In order:

1. the previous release serves an empty store (it migrates it to its own head) and
   takes writes;
2. the current release starts on the same store and migrates it, while the previous one
   keeps serving: each reads the other's writes, and writes;
3. a previous-release process (re)starts on the migrated store, as an old replica does
   mid-rollout or after a rollback, and serves it alongside the current one.

Step 3 needs what this release adds: start on a schema a later release migrated, and
call it ready (`migrate.upgrade`, `SqlStore.readiness`). The previous release predates
it, so the test gives it exactly that rule and nothing else, in a `sitecustomize` shim
(`SHIM`); every request is then its own unchanged code.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from aka.storage import migrate, open_store
from aka.storage.sql_store import SqlStore
from tests.backends import in_ci, scratch_database
from tests.servers import run_cli, running_server

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
ADMIN_KEY = "rolling-admin-key"
AUTH = {"Authorization": f"Bearer {ADMIN_KEY}"}

SHIM = '''\
"""Loaded by every Python process of the previous release in this test: the rule of
ADR 0029 it predates. A schema at a revision this code does not know was migrated by a
later release; leave it as it is, and call it ready."""
from aka.storage import migrate, open_store
from aka.storage.sql_store import SqlStore

_upgrade, _is_head = migrate.upgrade, migrate.current_is_head


def _newer(engine):
    return not migrate.current_revisions(engine) <= {
        r.revision for r in migrate.ScriptDirectory.from_config(
            migrate.alembic_config()).walk_revisions()
    }


def upgrade(engine, revision="head"):
    return None if _newer(engine) else _upgrade(engine, revision)


def current_is_head(engine):
    return _newer(engine) or _is_head(engine)


migrate.upgrade, migrate.current_is_head = upgrade, current_is_head
'''


def unavailable(message: str) -> None:
    if in_ci():
        pytest.fail(f"{message} [CI=true: the rolling-upgrade test is required]")
    pytest.skip(message)


def git(*args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(ROOT), *args], capture_output=True, text=True, check=True, timeout=60
    ).stdout.strip()


def head_migration_file() -> Path:
    (head,) = migrate.head_revisions()
    versions = ROOT / "src" / "aka" / "storage" / "migrations" / "versions"
    (path,) = versions.glob(f"*_{head}_*.py")
    return path


@pytest.fixture(scope="module")
def previous(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The previous release's `src/`, from git, with the shim beside it in `shim/`."""
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        unavailable("not a git checkout: the previous release's code comes from git history")
    added = git("log", "--diff-filter=A", "--format=%H", "--", str(head_migration_file()))
    if not added:
        unavailable("the newest migration is not committed yet: nothing to compare against")
    commit = git("rev-parse", f"{added.splitlines()[-1]}^1")
    where = tmp_path_factory.mktemp("previous")
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", "--format=tar", commit, "src"],
        capture_output=True,
        check=True,
        timeout=120,
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(where)], input=archive, check=True, timeout=120)
    (where / "shim").mkdir()
    (where / "shim" / "sitecustomize.py").write_text(SHIM)
    yield where
    shutil.rmtree(where, ignore_errors=True)


def previous_env(previous: Path, url: str, *, shim: bool) -> dict[str, str]:
    paths = [str(previous / "src"), *([str(previous / "shim")] if shim else [])]
    return {
        "AKA_DATABASE_URL": url,
        "AKA_ADMIN_KEY": ADMIN_KEY,
        "PYTHONPATH": os.pathsep.join(paths),
    }


def current_env(url: str) -> dict[str, str]:
    return {"AKA_DATABASE_URL": url, "AKA_ADMIN_KEY": ADMIN_KEY}


def heads_seen_by(env: dict[str, str]) -> set[str]:
    """The migration head of the code `env` runs (which release it is)."""
    said = subprocess.run(
        [sys.executable, "-c", "from aka.storage import migrate; print(*migrate.head_revisions())"],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return set(said.stdout.split())


def revisions_of(url: str) -> set[str]:
    store = open_store(url)
    try:
        assert isinstance(store, SqlStore)
        return migrate.current_revisions(store.engine)
    finally:
        store.close()


class Api:
    """The native API of one running server, as its admin."""

    def __init__(self, base: str) -> None:
        self.client = httpx.Client(base_url=base, headers=AUTH, timeout=30)

    def create(self, external_id: str, email: str) -> str:
        answer = self.client.post(
            "/v1/profiles",
            json={
                "external_id": external_id,
                "identifiers": [{"namespace": "email", "value": email}],
            },
        )
        assert answer.status_code == 201, answer.text
        return str(answer.json()["id"])

    def link(self, profile_id: str, namespace: str, value: str) -> None:
        answer = self.client.post(
            f"/v1/profiles/{profile_id}/identifiers", json={"namespace": namespace, "value": value}
        )
        assert answer.status_code == 201, answer.text

    def merge(self, keep: str, merge: str) -> None:
        answer = self.client.post(
            "/v1/merges",
            json={"keep": {"external_id": keep}, "merge": {"external_id": merge}, "force": True},
        )
        assert answer.status_code == 201, answer.text

    def owner(self, namespace: str, value: str, as_of_seq: int | None = None) -> str | None:
        """The external id of the profile holding the identifier (then), None if none."""
        query: dict[str, str | int] = {"namespace": namespace, "value": value}
        if as_of_seq is not None:
            query["as_of_seq"] = as_of_seq
        answer = self.client.get("/v1/resolve", params=query)
        if answer.status_code == 404:
            return None
        assert answer.status_code == 200, answer.text
        return answer.json()["external_id"]  # type: ignore[no-any-return]

    def last_seq(self) -> int:
        events = self.client.get("/v1/events", params={"limit": 1000}).json()["events"]
        return int(events[-1]["seq"])

    def close(self) -> None:
        self.client.close()


@contextmanager
def api(env: dict[str, str]) -> Iterator[Api]:
    with running_server(env) as base:
        client = Api(base)
        try:
            yield client
        finally:
            client.close()


def rolling_upgrade(previous: Path, url: str) -> str | None:
    """The three steps above; then `aka check` passes. Returns who held d-cy just after
    the previous release linked it (asked as of that moment, after a merge by the
    previous release moved it): "cy" if the identifier history saw that merge."""
    old_env = previous_env(previous, url, shim=False)
    assert heads_seen_by(old_env) != migrate.head_revisions()  # truly another release

    with api(old_env) as old:  # 1. the previous release, alone
        ann = old.create("ann", "ann@example.com")
        old.link(ann, "device", "d-ann")
        old.create("ann-web", "ann@web.example.com")
        old.merge("ann", "ann-web")

        with api(current_env(url)) as new:  # 2. the current one starts, and migrates
            assert revisions_of(url) == migrate.head_revisions()  # migrated under the old
            assert new.owner("device", "d-ann") == "ann"
            assert new.owner("email", "ann@web.example.com") == "ann"
            bob = new.create("bob", "bob@example.com")
            new.link(bob, "device", "d-bob")
            assert old.owner("device", "d-bob") == "bob"
            cy = old.create("cy", "cy@example.com")
            old.link(cy, "device", "d-cy")
            assert new.owner("device", "d-cy") == "cy"
            cy_linked = new.last_seq()

    with (
        api(previous_env(previous, url, shim=True)) as old,  # 3. an old replica restarts
        api(current_env(url)) as new,
    ):
        assert old.owner("device", "d-bob") == "bob"
        dee = old.create("dee", "dee@example.com")
        old.link(dee, "device", "d-dee")
        new.merge("bob", "dee")
        old.merge("ann", "cy")  # a merge by the previous release on the new schema
        assert new.owner("device", "d-cy") == "ann"
        cy_then = new.owner("device", "d-cy", as_of_seq=cy_linked)
        assert old.owner("device", "d-dee") == "bob"
        assert new.owner("device", "d-dee") == "bob"

    checked = run_cli(current_env(url), "check")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    return cy_then


def test_rolling_upgrade_on_sqlite(previous: Path, tmp_path: Path) -> None:
    """Both releases serve one SQLite file at once, each reading the other's writes."""
    rolling_upgrade(previous, f"sqlite:///{tmp_path / 'aka.db'}")


IDENTIFIER_HISTORY = "a5f0c3e1b7d2"  # the revision that added identifier_spans (ADR 0025)


def test_as_of_answers_see_merges_the_previous_release_made_during_the_rollout(
    previous: Path, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """Asked as of just after cy's device was linked, the store answers cy, although a
    merge made by the previous release on the new schema moved it since.

    A known gap while the previous release predates the identifier history: it does
    not keep identifier_spans, so what it moves is missing from as-of answers (ADR 0029:
    upgrade past that revision with the previous release stopped). Expected to fail
    (strictly) only then; once the previous release keeps the history, it must pass."""
    versions = previous / "src" / "aka" / "storage" / "migrations" / "versions"
    if not list(versions.glob(f"*_{IDENTIFIER_HISTORY}_*.py")):
        request.applymarker(
            pytest.mark.xfail(
                strict=True,
                reason="the previous release predates identifier_spans (revision"
                f" {IDENTIFIER_HISTORY}) and does not keep it (ADR 0029, docs/operations.md)",
            )
        )
    assert rolling_upgrade(previous, f"sqlite:///{tmp_path / 'aka.db'}") == "cy"


def test_rolling_upgrade_on_postgres(previous: Path) -> None:
    """Both releases serve one PostgreSQL database at once, each reading the other's."""
    with scratch_database() as url:
        rolling_upgrade(previous, url.render_as_string(hide_password=False))
