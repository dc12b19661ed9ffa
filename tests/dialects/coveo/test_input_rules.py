"""The input rules every door obeys (issue 12), in Coveo's `{errorCode, message}` face:
a NUL anywhere, an `orderingId` past 64 bits or JSON nested past the limit is a 400
naming what is wrong, a body declared as another media type a 415; query parameters
Coveo does not know are ignored, as Coveo does."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from aka.http.input_rules import MAX_JSON_DEPTH
from tests.dialects.coveo.conftest import Coveo, accepted, coveo_error, owner, user

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
