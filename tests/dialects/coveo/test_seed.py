"""The seed document's sample request, sent as written (only the host changed)."""

from __future__ import annotations

from starlette.testclient import TestClient

from aka.core.ports import Store
from aka.service import admin

from .conftest import Coveo, owner

ORG = "mycoveocloudv2organizationg8tp8wu3"
PROVIDER = "My Secured Push Source Security Identity Provider"
SAMPLE_PATH = (
    "/push/v1/organizations/mycoveocloudv2organizationg8tp8wu3/providers/"
    "My%20Secured%20Push%20Source%20Security%20Identity%20Provider/mappings"
)
SAMPLE_BODY = """{
  "identity": { "name": "asmith@example.com", "type": "USER" },
  "mappings": [
    { "name": "asmith@example.com", "type": "USER", "provider": "Email Security Provider" }
  ],
  "wellKnowns": [ { "name": "Everyone", "type": "GROUP" } ]
}"""


def test_the_sample_alias_request_links_across_providers(client: TestClient, store: Store) -> None:
    """202 `{}`; the two identities are one profile through the native API, and the
    expansion lists the alias and the granted group `Everyone`."""
    admin.create_workspace(store, ORG)
    key = admin.issue_key(store, ORG, name="push").secret
    headers = {
        "Content-Type": "application/json",
        "Accept": "application/json",
        "Authorization": f"Bearer {key}",
    }
    r = client.put(SAMPLE_PATH, content=SAMPLE_BODY, headers=headers)
    assert r.status_code == 202, r.text
    assert r.json() == {}

    native = TestClient(client.app, headers={"Authorization": f"Bearer {key}"})
    here = owner(native, PROVIDER, "asmith@example.com")
    assert here is not None
    assert owner(native, "Email Security Provider", "asmith@example.com") == here
    everyone = owner(native, PROVIDER, "Everyone")
    assert everyone is not None
    assert everyone != here

    coveo = Coveo(native, ORG)
    assert coveo.names(PROVIDER, {"name": "asmith@example.com", "type": "USER"}) == {
        "Email Security Provider:asmith@example.com",
        f"{PROVIDER}:Everyone",
    }
