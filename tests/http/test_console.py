"""The console (`/console`, ADR 0031) page by page, on every store: its security headers,
its session cookie, its refusals of cross-site and unallowed writes, what a limited key
sees, and hostile identifiers shown as text in the HTML and in the SVG drawing."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
from starlette.testclient import TestClient
from tests.http.conftest import ADMIN_KEY, Api
from tests.http.test_request_log import JsonLog, json_log  # noqa: F401 - the fixture

from aka.app import build_app
from aka.config import Settings
from aka.core.ports import Store

ORIGIN = {"Origin": "http://testserver"}
SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(2)>'


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"console_writes": True}


class Console:
    """A browser's view of the console: its own cookie jar, forms sent from its pages."""

    def __init__(self, client: TestClient) -> None:
        self.client = client

    def login(self, secret: str) -> httpx.Response:
        return self.client.post(
            "/console/login", data={"key": secret}, headers=ORIGIN, follow_redirects=False
        )

    def get(self, path: str, **params: str) -> httpx.Response:
        return self.client.get(path, params=params, follow_redirects=False)

    def csrf(self, path: str = "/console/search") -> str:
        found = re.search(r'name="csrf" value="([^"]+)"', self.get(path).text)
        assert found is not None, "the page carries no form token"
        return found.group(1)

    def post(
        self, path: str, data: dict[str, str], headers: dict[str, str] | None = None
    ) -> httpx.Response:
        return self.client.post(
            path, data=data, headers=ORIGIN if headers is None else headers, follow_redirects=False
        )


@contextmanager
def console_of(settings: Settings, store: Store, **overrides: Any) -> Iterator[Console]:
    app = build_app(settings.model_copy(update=overrides), store=store)
    with TestClient(app, base_url="http://testserver") as client:
        yield Console(client)


@pytest.fixture
def console(settings: Settings, store: Store) -> Iterator[Console]:
    """The console, not logged in (no bearer header either: a browser sends none)."""
    with console_of(settings, store) as opened:
        yield opened


@pytest.fixture
def admin(console: Console) -> Console:
    assert console.login(ADMIN_KEY).status_code == 303
    return console


def secret_of(headers: dict[str, str]) -> str:
    return headers["Authorization"].removeprefix("Bearer ")


def svg_of(page: str) -> str:
    found = re.search(r"<svg.*?</svg>", page, re.DOTALL)
    assert found is not None, "the page draws no graph"
    return found.group(0)


# --- headers and the session ---------------------------------------------------------


def test_every_console_answer_sends_a_strict_content_security_policy(admin: Console) -> None:
    """Pages, static files and unknown console paths alike: no script, no inline style,
    no framing, no sniffing, no referrer, no caching."""
    for path in ("/console/login", "/console/search", "/console/static/console.css", "/console/x"):
        r = admin.get(path)
        csp = r.headers["content-security-policy"]
        assert "default-src 'none'" in csp, path
        assert "frame-ancestors 'none'" in csp, path
        assert "unsafe-inline" not in csp, path
        assert "script-src" not in csp, path  # falls back to default-src 'none'
        assert r.headers["x-content-type-options"] == "nosniff", path
        assert r.headers["referrer-policy"] == "same-origin", path
        assert r.headers["cache-control"] == "no-store", path
    assert admin.get("/console/x").status_code == 404


def test_pages_hold_no_script_and_no_inline_style(admin: Console, api: Api) -> None:
    """What the policy forbids is not in the pages either, so nothing breaks under it."""
    pid = api.person("email:ann@x.io")
    for path in ("/console/login", "/console/search", f"/console/profiles/{pid}"):
        page = admin.get(path).text
        assert "<script" not in page
        assert "style=" not in page
        assert "<style" not in page


def test_the_session_cookie_is_httponly_strict_and_does_not_hold_the_key(
    console: Console,
) -> None:
    """The key is entered once; the cookie names the key's id, signed, scoped to the
    console's path, unreadable to script, never sent cross-site."""
    r = console.login(ADMIN_KEY)
    assert r.status_code == 303
    assert r.headers["location"] == "/console/search"
    cookie = r.headers["set-cookie"]
    assert cookie.startswith("aka_console=")
    assert "HttpOnly" in cookie
    assert "SameSite=strict" in cookie
    assert "Path=/console" in cookie
    assert "Secure" not in cookie  # plain HTTP: a Secure cookie would never come back
    assert ADMIN_KEY not in cookie
    assert ADMIN_KEY not in console.get("/console/search").text


def test_the_cookie_is_secure_over_https(settings: Settings, store: Store) -> None:
    """Served over HTTPS, the cookie is only ever sent over HTTPS."""
    app = build_app(settings, store=store)
    with TestClient(app, base_url="https://testserver") as client:
        r = client.post(
            "/console/login",
            data={"key": ADMIN_KEY},
            headers={"Origin": "https://testserver"},
            follow_redirects=False,
        )
    assert r.status_code == 303
    assert "Secure" in r.headers["set-cookie"]


def test_without_a_session_pages_send_to_the_login_page(
    console: Console, settings: Settings, store: Store
) -> None:
    """Not even a bearer header opens a page: the console knows only its own session."""
    r = console.client.get(
        "/console/search", headers={"Authorization": f"Bearer {ADMIN_KEY}"}, follow_redirects=False
    )
    assert r.status_code == 303
    assert r.headers["location"] == "/console/login"


def test_a_wrong_key_or_one_without_read_is_refused_at_login(console: Console, api: Api) -> None:
    """The login page says why, with the status and code the native API would use."""
    r = console.login("aka_not_a_key")
    assert r.status_code == 401
    assert "unauthenticated" in r.text
    assert "set-cookie" not in r.headers
    writer = secret_of(api.key("identities:write"))
    r = console.login(writer)
    assert r.status_code == 403
    assert "identities:read" in r.text


def test_a_tampered_or_foreign_cookie_is_no_session(admin: Console) -> None:
    """A cookie changed by one character, or signed by another server, is ignored."""
    good = admin.client.cookies["aka_console"]
    for bad in (good[:-1] + ("A" if good[-1] != "A" else "B"), "x.y", "a.b.c", "a" * 600):
        admin.client.cookies.clear()
        admin.client.cookies.set("aka_console", bad, path="/console")
        assert admin.get("/console/search").status_code == 303


def test_revoking_the_key_ends_its_console_sessions_at_once(
    console: Console, api: Api, client: TestClient
) -> None:
    """Each page looks the key up again: a revoked key's session ends on its next page."""
    made = api.ok(client.post("/v1/keys", json={"scopes": ["identities:read"]}), 201)
    assert console.login(made["secret"]).status_code == 303
    assert console.get("/console/search").status_code == 200
    assert client.delete(f"/v1/keys/{made['id']}").status_code in (200, 204)
    r = console.get("/console/search")
    assert r.status_code == 303
    assert r.headers["location"] == "/console/login"


def test_logging_out_clears_the_cookie(admin: Console) -> None:
    r = admin.post("/console/logout", {"csrf": admin.csrf()})
    assert r.status_code == 303
    assert r.headers["location"] == "/console/login"
    assert 'aka_console=""' in r.headers["set-cookie"] or "Max-Age=0" in r.headers["set-cookie"]
    assert admin.get("/console/search").status_code == 303


def test_the_access_line_names_the_console_door_and_template_never_the_identifier(
    admin: Console,
    api: Api,
    json_log: JsonLog,  # noqa: F811 - the imported fixture
) -> None:
    """Searched identifiers are in the query string and profile ids in the path: the
    access line holds the route template, the door and the key's id instead."""
    pid = api.person("email:ann@x.io")
    admin.get("/console/search", by="identifier", namespace="email", value="ann@x.io")
    admin.get(f"/console/profiles/{pid}")
    search, profile = json_log.access()[-2:]
    assert search["route"] == "/console/search"
    assert profile["route"] == "/console/profiles/{id}"
    assert {search["door"], profile["door"]} == {"console"}
    assert profile["key_id"].startswith("key_")
    assert "ann@x.io" not in str(json_log.access())
    assert pid not in str(profile)


# --- cross-site requests ---------------------------------------------------------------


def test_a_write_needs_this_sessions_token_and_this_sites_origin(
    admin: Console, api: Api, settings: Settings, store: Store
) -> None:
    """A form without the token, with another session's token, from another origin, or
    with no origin at all is refused (403) and changes nothing."""
    keep = api.person("email:keep@x.io")
    gone = api.person("email:gone@x.io")
    form = {"keep_by": "profile_id", "keep_value": keep, "merge_by": "profile_id"}
    form["merge_value"] = gone
    token = admin.csrf()
    with console_of(settings, store) as other:
        assert other.login(ADMIN_KEY).status_code == 303
        foreign = other.csrf()
    refused = [
        admin.post("/console/merges", form),
        admin.post("/console/merges", {**form, "csrf": foreign}),
        admin.post("/console/merges", {**form, "csrf": token}, {"Origin": "https://evil.example"}),
        admin.post("/console/merges", {**form, "csrf": token}, {}),
        admin.post(
            "/console/merges", {**form, "csrf": token}, {"Referer": "https://evil.example/x"}
        ),
    ]
    assert [r.status_code for r in refused] == [403] * 5
    assert "csrf" in refused[0].text
    assert "Origin" in refused[2].text
    assert api.owner("email:gone@x.io") == gone  # nothing merged
    # The same form, from this session's page: merged.
    assert admin.post("/console/merges", {**form, "csrf": token}).status_code == 303
    assert api.owner("email:gone@x.io") == keep


def test_a_login_or_logout_from_another_site_is_refused(admin: Console) -> None:
    """Neither logs anyone in or out: 403, and no cookie is set or cleared."""
    for path, data in (("/console/login", {"key": ADMIN_KEY}), ("/console/logout", {})):
        r = admin.post(path, data, {"Origin": "https://evil.example"})
        assert r.status_code == 403, path
        assert "Origin mismatch" in r.text
        assert "set-cookie" not in r.headers
    assert admin.get("/console/search").status_code == 200


# --- reading ---------------------------------------------------------------------------


def test_search_finds_a_profile_by_identifier_external_id_or_id(admin: Console, api: Api) -> None:
    pid = api.person("email:Ann@X.io", external_id="user-ann")
    for query in (
        {"by": "identifier", "namespace": "email", "value": "ann@x.io"},
        {"by": "external_id", "value": "user-ann"},
        {"by": "profile_id", "value": pid},
    ):
        r = admin.get("/console/search", **query)
        assert r.status_code == 303, query
        assert r.headers["location"] == f"/console/profiles/{pid}"
    missing = admin.get("/console/search", by="identifier", namespace="email", value="no@x.io")
    assert missing.status_code == 404
    assert "identifier_not_found" in missing.text or "profile_not_found" in missing.text


def test_bad_search_input_names_the_field_and_the_limit(admin: Console) -> None:
    r = admin.get("/console/search", by="identifier", namespace="", value="v")
    assert r.status_code == 422
    assert "namespace" in r.text
    r = admin.get("/console/search", by="external_id", value="x" * 2000)
    assert r.status_code == 422
    assert "1024" in r.text
    r = admin.get("/console/search", by="nickname", value="x")
    assert r.status_code == 422
    assert "identifier, external_id, profile_id" in r.text


def test_the_profile_page_shows_identifiers_graph_and_history(admin: Console, api: Api) -> None:
    """Identifiers grouped by namespace, the merged profile and the group in the drawing,
    and the history newest first with an undo button for the merge."""
    pid = api.person("email:ann@x.io", "device:d1", identified=True)
    old = api.person("device:web-1")
    team = api.person("email:team@x.io")
    merge_id = api.merged(pid, old)
    api.member(team, pid)
    page = admin.get(f"/console/profiles/{pid}").text
    assert "<h3>device</h3>" in page
    assert "<h3>email</h3>" in page
    drawing = svg_of(page)
    assert old in drawing
    assert team in drawing
    assert "device: web-1" in drawing
    assert f'id="undo-{merge_id}"' in page
    assert page.index("profile.merged") < page.index("profile.created")  # newest first
    # The merged profile's id forwards to the survivor's page.
    r = admin.get(f"/console/profiles/{old}")
    assert r.status_code == 303
    assert r.headers["location"] == f"/console/profiles/{pid}"


def test_explain_draws_the_chain_of_events_that_joined_two_identifiers(
    admin: Console, api: Api
) -> None:
    pid = api.person("email:ann@x.io", identified=True)
    old = api.person("device:web-1")
    merge_id = api.merged(pid, old)
    r = admin.get(
        "/console/explain",
        a_by="identifier",
        a_namespace="device",
        a_value="web-1",
        b_by="identifier",
        b_namespace="email",
        b_value="ann@x.io",
    )
    assert r.status_code == 200
    chain = svg_of(r.text)
    assert f"#{merge_id} profile.merged" in chain
    assert "identifier device:web-1" in chain
    assert 'marker-end="url(#arrow)"' in chain
    apart = admin.get(
        "/console/explain",
        a_by="profile_id",
        a_value=pid,
        b_by="identifier",
        b_namespace="email",
        b_value="ann@x.io",
    )
    assert "One person" in apart.text


def test_hostile_identifiers_and_attributes_are_shown_as_text(admin: Console, api: Api) -> None:
    """`<script>` and an attribute-breaking `"><img onerror>` in an identifier, an external
    id and an attribute appear escaped in the HTML and in the SVG, never as markup."""
    created = api.client.post(
        "/v1/profiles",
        json={
            "external_id": SCRIPT,
            "attributes": {"name": IMG, SCRIPT: SCRIPT},
            "identifiers": [
                {"namespace": "alias", "value": SCRIPT},
                {"namespace": "device", "value": IMG},
            ],
        },
    )
    pid = api.ok(created, 201)["id"]
    page = admin.get(f"/console/profiles/{pid}").text
    drawing = svg_of(page)
    for text in (page, drawing):
        assert "<script" not in text
        assert "<img" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&#34;&gt;&lt;img src=x onerror=alert(2)&gt;" in page
    assert "&lt;script&gt;" in drawing
    assert "&lt;img src=x" in drawing
    # In a form field the console gives back (search), and in the explain chain.
    r = admin.get("/console/search", by="identifier", namespace="device", value=IMG + "x")
    assert "<img" not in r.text
    assert 'value="&#34;&gt;&lt;img' in r.text
    r = admin.get(
        "/console/explain",
        a_by="identifier",
        a_namespace="alias",
        a_value=SCRIPT,
        b_by="identifier",
        b_namespace="device",
        b_value=IMG,
    )
    assert "One person" in r.text
    assert "<script" not in r.text
    assert "<img" not in r.text
    assert "&lt;script&gt;" in svg_of(r.text)


# --- writing ---------------------------------------------------------------------------


def test_the_console_is_read_only_unless_the_server_allows_writes(
    api: Api, settings: Settings, store: Store
) -> None:
    """With `console_writes` off, even an admin key gets no merge form, no undo button,
    and a 403 naming the setting when it posts one anyway."""
    keep = api.person("email:keep@x.io", identified=True)
    gone = api.person("email:gone@x.io")
    merge_id = api.merged(keep, gone)
    with console_of(settings, store, console_writes=False) as reader:
        assert reader.login(ADMIN_KEY).status_code == 303
        page = reader.get(f"/console/profiles/{keep}").text
        r = reader.post(f"/console/merges/{merge_id}/undo", {"csrf": reader.csrf()})
    assert "undo-" not in page
    assert "Preview the merge" not in page
    assert "AKA_CONSOLE_WRITES" in page
    assert r.status_code == 403
    assert "AKA_CONSOLE_WRITES" in r.text
    assert api.owner("email:gone@x.io") == keep


def test_a_read_only_key_cannot_write_even_when_the_console_may(console: Console, api: Api) -> None:
    keep = api.person("email:keep@x.io", identified=True)
    gone = api.person("email:gone@x.io")
    merge_id = api.merged(keep, gone)
    assert console.login(secret_of(api.key("identities:read"))).status_code == 303
    page = console.get(f"/console/profiles/{keep}").text
    assert "undo-" not in page
    assert "read-only" in page
    r = console.post(f"/console/merges/{merge_id}/undo", {"csrf": console.csrf()})
    assert r.status_code == 403
    assert "identities:merge" in r.text
    assert api.owner("email:gone@x.io") == keep


def test_merge_preview_changes_nothing_then_merge_and_undo(admin: Console, api: Api) -> None:
    """The preview lists what the merge would move (from the real merge, rolled back);
    the merge then moves it; undo puts it back."""
    keep = api.person("email:keep@x.io", identified=True)
    gone = api.person("device:web-9")
    before = len(api.events())
    form = {"keep_by": "profile_id", "keep_value": keep, "merge_by": "identifier"}
    form |= {"merge_namespace": "device", "merge_value": "web-9", "csrf": admin.csrf()}
    preview = admin.post("/console/merges/preview", form)
    assert preview.status_code == 200
    assert f"merge profile <code>{gone}</code> into <code>{keep}</code>" in preview.text
    assert "device:web-9" in preview.text
    assert len(api.events()) == before
    assert api.owner("device:web-9") == gone
    merged = admin.post("/console/merges", form)
    assert merged.status_code == 303
    assert api.owner("device:web-9") == keep
    (merge,) = [e for e in api.events() if e["type"] == "profile.merged"]
    back = f"/console/profiles/{keep}"
    undone = admin.post(
        f"/console/merges/{merge['seq']}/undo", {"csrf": form["csrf"], "back": back}
    )
    assert undone.status_code == 303
    assert undone.headers["location"] == back
    assert api.owner("device:web-9") == gone
    assert "undone by #" in admin.get(back).text


def test_a_refused_merge_preview_says_why(admin: Console, api: Api) -> None:
    """Two identified profiles need `force`: the preview shows the refusal, no button."""
    keep = api.person("email:a@x.io", identified=True)
    gone = api.person("email:b@x.io", identified=True)
    form = {"keep_by": "profile_id", "keep_value": keep, "merge_by": "profile_id"}
    form |= {"merge_value": gone, "csrf": admin.csrf()}
    r = admin.post("/console/merges/preview", form)
    assert r.status_code == 422
    assert "merge_both_identified" in r.text
    assert 'id="merge"' not in r.text
    forced = admin.post("/console/merges/preview", {**form, "force": "on"})
    assert forced.status_code == 200
    assert 'id="merge"' in forced.text


def test_an_undo_redirect_stays_on_the_console(admin: Console, api: Api) -> None:
    """`back` is honoured only for a console profile page: never an open redirect."""
    keep = api.person("email:keep@x.io", identified=True)
    gone = api.person("email:gone@x.io")
    merge_id = api.merged(keep, gone)
    r = admin.post(
        f"/console/merges/{merge_id}/undo",
        {"csrf": admin.csrf(), "back": "//evil.example/console/profiles/x"},
    )
    assert r.status_code == 303
    assert r.headers["location"] == f"/console/profiles/{gone}"


# --- keys limited to namespaces (ADR 0026) --------------------------------------------


def test_a_key_limited_to_namespaces_sees_only_those(console: Console, api: Api) -> None:
    """Other namespaces' identifiers are missing from the page, the drawing and the
    history, and searching by one finds nothing, as on the native API."""
    pid = api.person("crm_id:c-1", "email:secret@x.io")
    made = api.client.post(
        "/v1/keys", json={"namespaces": ["crm_*"], "scopes": ["identities:read"]}
    )
    assert console.login(api.ok(made, 201)["secret"]).status_code == 303
    page = console.get(f"/console/profiles/{pid}").text
    assert "c-1" in page
    assert "secret@x.io" not in page
    assert "namespaces: crm_*" in page
    r = console.get("/console/search", by="identifier", namespace="email", value="secret@x.io")
    assert r.status_code == 404
    assert pid not in r.text
