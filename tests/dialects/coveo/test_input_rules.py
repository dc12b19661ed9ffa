"""The input rules every door obeys (issue 12), in Coveo's `{errorCode, message}` face:
a NUL anywhere, an `orderingId` past 64 bits or JSON nested past the limit is a 400
naming what is wrong, a body declared as another media type a 415; query parameters
Coveo does not know are ignored, as Coveo does."""

from __future__ import annotations

import json

import pytest
from starlette.testclient import TestClient

from aka.http.input_rules import MAX_JSON_DEPTH
from tests.dialects.coveo.conftest import Coveo, accepted, coveo_error, owner, user
from tests.dialects.coveo.test_batch import apply, new_container, upload, wait_for

TOO_BIG = 99999999999999999999


@pytest.mark.parametrize("tail", ["permissions", "permissions/olderthan"])
def test_an_ordering_id_past_64_bits_is_refused_naming_it(coveo: Coveo, tail: str) -> None:
    """It reached the store as a 20-digit integer (500); now 400 INVALID_PARAMETER."""
    url = coveo.url("Directory", tail)
    if tail == "permissions":
        r = coveo.client.put(url, json={"identity": user("ann")}, params={"orderingId": TOO_BIG})
    else:
        r = coveo.client.delete(url, params={"orderingId": TOO_BIG})
    assert "orderingId" in coveo_error(r, 400, "INVALID_PARAMETER")["message"]


def test_the_largest_64_bit_ordering_id_is_accepted(coveo: Coveo) -> None:
    accepted(coveo.permissions("Directory", user("ann"), ordering=2**63 - 1))


def test_a_nul_in_an_identity_is_refused_naming_it(coveo: Coveo, client: TestClient) -> None:
    r = coveo.mappings("Directory", user("ann"), [user("a\x00@x.io", provider="Email")])
    assert "mappings[0].name" in coveo_error(r, 400, "INVALID_JSON")["message"]
    assert owner(client, "Directory", "ann") is None


def test_a_nul_in_the_provider_is_refused_naming_it(coveo: Coveo) -> None:
    r = coveo.client.put(
        "/push/v1/organizations/default/providers/Dir%00/permissions",
        json={"identity": user("ann")},
    )
    assert "providerId" in coveo_error(r, 400, "INVALID_PARAMETER")["message"]


def test_json_nested_past_the_limit_is_refused(coveo: Coveo) -> None:
    deep = b'{"identity": {"name": "ann", "additionalInfo": {"x": ' + b"[" * 5000
    deep += b"]" * 5000 + b"}}}"
    r = coveo.client.put(coveo.url("Directory", "permissions"), content=deep)
    assert str(MAX_JSON_DEPTH) in coveo_error(r, 400, "INVALID_JSON")["message"]


def test_a_body_declared_as_text_is_415(coveo: Coveo) -> None:
    r = coveo.client.put(
        coveo.url("Directory", "permissions"),
        content=b'{"identity": {"name": "ann", "type": "USER"}}',
        headers={"Content-Type": "text/plain"},
    )
    assert "Content-Type" in coveo_error(r, 415, "UNSUPPORTED_MEDIA_TYPE")["message"]


def test_unknown_query_parameters_are_ignored_as_coveo_does(
    coveo: Coveo, client: TestClient
) -> None:
    r = coveo.client.put(
        coveo.url("Directory", "permissions"),
        json={"identity": user("ann")},
        params={"orderingId": 5, "dry_run": "true"},
    )
    accepted(r)
    assert owner(client, "Directory", "ann") is not None


def test_a_batch_item_holding_a_nul_fails_alone(coveo: Coveo, client: TestClient) -> None:
    """A batch file is input too: its item with a NUL is refused and listed, the others
    apply, and the job ends (on PostgreSQL it used to fail and retry forever)."""
    container = new_container(client)
    bad = user("bad", additionalInfo={"note": "a\x00b"})
    items = [{"identity": user("ok-1")}, {"identity": bad}, {"identity": user("ok-2")}]
    upload(client, container, json.dumps({"members": items}).encode())
    job = wait_for(client, apply(client, container["fileId"]).headers["Location"])
    assert (job["status"], job["done"], job["failed"]) == ("done", 3, 1), job
    assert job["errors"][0]["item"] == 1
    assert "identity.additionalInfo.note" in job["errors"][0]["message"]
    assert owner(client, "Directory", "ok-2") is not None


def test_a_batch_item_nested_too_deep_ends_the_job(coveo: Coveo, client: TestClient) -> None:
    """An item nested 5,000 deep broke the reader (RecursionError, retried forever); it
    is a broken file now: what came before it applies and the job fails, saying why."""
    container = new_container(client)
    deep = b'{"members": [{"identity": {"name": "ok-1"}}, ' + b"[" * 5000 + b"]" * 5000 + b"]}"
    upload(client, container, deep)
    job = wait_for(client, apply(client, container["fileId"]).headers["Location"])
    assert job["status"] == "failed", job
    assert owner(client, "Directory", "ok-1") is not None


def test_a_nul_in_the_upload_url_is_refused_naming_it(client: TestClient) -> None:
    """The upload URL is a raw route: a NUL in its path reached PostgreSQL (a 500 in the
    native face); now a 400 in Coveo's, naming the parameter."""
    container = new_container(client)
    path, _, query = container["uploadUri"].removeprefix("http://testserver").partition("?")
    r = TestClient(client.app).put(
        f"{path}%00?{query}", content=b"{}", headers=container["requiredHeaders"]
    )
    assert "fileId" in coveo_error(r, 400, "INVALID_PARAMETER")["message"]
