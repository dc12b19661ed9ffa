"""The console in a real browser (ADR 0031): Playwright drives Debian's Chromium against a
real `aka serve`, clicking through login, search, a profile, a merge preview, the merge,
explain, undo and logout. Screenshots of each step are kept in
`test-artifacts/console/` (git-ignored) for a person to look at.

Chromium comes from Debian (`apt-get install chromium`, done here when missing), never
from `playwright install`. Without it the test skips locally and fails under `CI=true`.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.servers import running_server

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "test-artifacts" / "console"
ADMIN = "aka_console_browser_admin_key"
HOSTILE = '<script>alert(1)</script>"><img src=x onerror=alert(2)>'
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _missing(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"the console's browser test cannot run in CI: {reason}")
    pytest.skip(reason)


def chromium() -> str:
    """Debian's Chromium, installed with apt-get when missing (as the Makefile's `wrk`)."""
    found = shutil.which("chromium")
    if found is None:
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        for argv in (
            ["apt-get", "install", "-y", "-q", "chromium"],
            ["apt-get", "update", "-q"],
            ["apt-get", "install", "-y", "-q", "chromium"],
        ):
            done = subprocess.run(argv, env=env, capture_output=True, check=False, timeout=900)
            if done.returncode == 0 and argv[1] == "install":
                break
        found = shutil.which("chromium")
    if found is None:
        _missing("chromium is missing and `apt-get install -y chromium` could not install it")
    assert found is not None
    return found


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    store = tmp_path_factory.mktemp("console") / "aka.db"
    env = {
        "AKA_DATABASE_URL": f"sqlite:///{store}",
        "AKA_ADMIN_KEY": ADMIN,
        "AKA_DIALECTS": "none",
        "AKA_CONSOLE_WRITES": "true",
    }
    with running_server(env) as base:
        yield base


@pytest.fixture(scope="module")
def browser_page() -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright  # noqa: PLC0415 - only this test
    except ImportError:
        _missing("playwright is not installed (pip install '.[dev]')")
    executable = chromium()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1100, "height": 900})
            yield page
        finally:
            browser.close()


def go(page: Any, selector: str) -> None:
    """Click what leads to another page, and wait until that page has loaded."""
    with page.expect_navigation():
        page.click(selector)


def test_a_support_engineer_clicks_through_the_console(server: str, browser_page: Any) -> None:
    """Log in, find ann by email, preview and make a merge, explain why a device is ann,
    undo the merge, log out; nothing the page shows runs as script, and the browser
    reports no Content-Security-Policy violation on the way."""
    page = browser_page
    SHOTS.mkdir(parents=True, exist_ok=True)
    complaints: list[str] = []
    dialogs: list[str] = []
    page.on("console", lambda message: complaints.append(message.text))
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))

    with httpx.Client(base_url=server, headers={"Authorization": f"Bearer {ADMIN}"}) as api:
        click_through(page, server, api)
    assert dialogs == []  # no hostile value ran
    assert [c for c in complaints if "Content Security Policy" in c] == []


def arrange(api: httpx.Client) -> tuple[str, str]:
    """Ann (with a hostile alias and attribute) in a group, and a device of hers not yet
    merged: their ids."""
    ann = api.post(
        "/v1/profiles",
        json={
            "external_id": "user-42",
            "attributes": {"plan": "pro", "nickname": HOSTILE},
            "identifiers": [
                {"namespace": "email", "value": "ann@example.com", "primary": True},
                {"namespace": "alias", "value": HOSTILE},
            ],
        },
    ).json()["id"]
    web = api.post(
        "/v1/profiles", json={"identifiers": [{"namespace": "device", "value": "web-19c2"}]}
    ).json()["id"]
    team = api.post("/v1/profiles", json={"external_id": "team-support"}).json()["id"]
    added = api.post(
        "/v1/memberships", json={"group": {"profile_id": team}, "member": {"profile_id": ann}}
    )
    assert added.status_code == 201
    return ann, web


def click_through(page: Any, server: str, api: httpx.Client) -> None:
    ann, web = arrange(api)
    page.goto(f"{server}/console/")
    assert page.url.endswith("/console/login")
    page.screenshot(path=SHOTS / "01-login.png", full_page=True)
    page.fill("#key", ADMIN)
    go(page, "#login")
    assert page.url.endswith("/console/search"), page.inner_text("main")
    assert page.context.cookies()[0]["httpOnly"] is True
    assert ADMIN not in page.content()

    page.select_option("#by", "identifier")
    page.fill("#namespace", "email")
    page.fill("#value", "ann@example.com")
    go(page, "#search")
    assert page.url.endswith(f"/console/profiles/{ann}")
    assert page.inner_text("#external-id") == "user-42"
    assert HOSTILE in page.inner_text("main")  # shown as text, in full
    page.screenshot(path=SHOTS / "02-profile.png", full_page=True)

    page.select_option("#merge_by", "identifier")
    page.fill("#merge_namespace", "device")
    page.fill("#merge_value", "web-19c2")
    go(page, "#preview")
    assert f"merge profile {web} into {ann}" in page.inner_text("#changes")
    page.screenshot(path=SHOTS / "03-merge-preview.png", full_page=True)
    assert api.get(f"/v1/profiles/{web}").json()["id"] == web  # a preview changes nothing
    go(page, "#merge")
    assert page.url.endswith(f"/console/profiles/{ann}")
    assert "web-19c2" in page.inner_text("main")
    page.screenshot(path=SHOTS / "04-merged.png", full_page=True)

    go(page, "text=Explain")
    page.select_option("#a_by", "identifier")
    page.fill("#a_namespace", "device")
    page.fill("#a_value", "web-19c2")
    page.select_option("#b_by", "external_id")
    page.fill("#b_value", "user-42")
    go(page, "#explain")
    answer = page.inner_text("#answer")
    assert f"One person: profile {ann}" in answer
    assert "profile.merged" in answer
    page.screenshot(path=SHOTS / "05-explain.png", full_page=True)

    page.goto(f"{server}/console/profiles/{ann}")
    go(page, "button[id^=undo-]")
    assert page.url.endswith(f"/console/profiles/{ann}")
    assert "undone by #" in page.inner_text("#history")
    assert "profile.unmerged" in page.inner_text("#history li:first-child")
    assert api.get(f"/v1/profiles/{web}").json()["id"] == web  # revived on its own
    page.screenshot(path=SHOTS / "06-undone.png", full_page=True)

    go(page, "#logout")
    assert page.url.endswith("/console/login")
    page.goto(f"{server}/console/search")
    assert page.url.endswith("/console/login")
