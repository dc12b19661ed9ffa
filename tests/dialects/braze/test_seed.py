"""Seed 001: the Braze alias/new request example, sent as written with only the host
changed, gets the documented answer, through the ASGI app and through a real server."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urljoin

import httpx

from tests.servers import running_server

from .conftest import Braze

# The example request of seed 001: one alias for an identified user.
EXAMPLE_HEADERS = {"Content-Type": "application/json", "Authorization": "Bearer YOUR_REST_API_KEY"}
EXAMPLE_BODY = b"""{
  "user_aliases" :[
    {
      "external_id": "external_identifier",
      "alias_name" : "example_name",
      "alias_label" : "example_label"
    }
  ]
}"""
DOCUMENTED = {"aliases_processed": 1, "message": "success"}


def test_the_alias_new_example_gets_the_documented_answer(braze: Braze) -> None:
    """A key holding only users.alias.new, the example's body byte for byte: 201 and
    the documented body; the alias now resolves to the user."""
    braze.key("users.alias.new", secret="YOUR_REST_API_KEY")
    user = braze.native.person(external_id="external_identifier")
    url = urljoin(str(braze.client.base_url), "/users/alias/new")
    r = braze.client.post(url, content=EXAMPLE_BODY, headers=EXAMPLE_HEADERS)
    assert (r.status_code, r.json()) == (201, DOCUMENTED)
    assert braze.native.owner("example_label:example_name") == user


def test_sending_the_example_again_is_a_silent_success(braze: Braze) -> None:
    """Braze: a label+name pair that exists already is left as it is, still success."""
    braze.key("users.alias.new", secret="YOUR_REST_API_KEY")
    braze.native.person(external_id="external_identifier")
    for _ in range(2):
        r = braze.client.post("/users/alias/new", content=EXAMPLE_BODY, headers=EXAMPLE_HEADERS)
        assert (r.status_code, r.json()) == (201, DOCUMENTED)
    assert len([e for e in braze.native.events() if e["type"] == "identifier.linked"]) == 1


def test_the_example_without_that_user_still_succeeds_but_says_why(braze: Braze) -> None:
    """Vendor behaviour: an unknown external_id is counted and answered success; aka adds
    a minor error so the skipped alias is not silent."""
    braze.key("users.alias.new", secret="YOUR_REST_API_KEY")
    r = braze.client.post("/users/alias/new", content=EXAMPLE_BODY, headers=EXAMPLE_HEADERS)
    body = braze.ok(r)
    assert (body["aliases_processed"], body["message"]) == (1, "success")
    assert body["errors"] == [
        {"type": body["errors"][0]["type"], "input_array": "user_aliases", "index": 0}
    ]
    assert braze.native.owner("example_label:example_name") is None


def test_a_client_joining_paths_onto_the_base_url_works_against_a_real_server(
    tmp_path: Path,
) -> None:
    """`urljoin(base_url, "/users/alias/new")` with base_url pointing at `aka serve`."""
    env = {
        "AKA_DATABASE_URL": f"sqlite:///{tmp_path / 'aka.db'}",
        "AKA_ADMIN_KEY": "YOUR_REST_API_KEY",
    }
    with running_server(env) as base_url:
        native = {"Authorization": "Bearer YOUR_REST_API_KEY"}
        made = httpx.post(
            f"{base_url}/v1/profiles", json={"external_id": "external_identifier"}, headers=native
        )
        assert made.status_code == 201, made.text
        r = httpx.post(
            urljoin(base_url + "/", "/users/alias/new"),
            content=EXAMPLE_BODY,
            headers=EXAMPLE_HEADERS,
        )
        assert (r.status_code, r.json()) == (201, DOCUMENTED)
