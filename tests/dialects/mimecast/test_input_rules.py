"""The input rules every door obeys (issue 12), in Mimecast's `{meta, data, fail}`
envelope: a NUL anywhere or JSON nested past the limit is a 400 naming what is wrong,
a body declared as another media type a 415."""

from __future__ import annotations

from starlette.testclient import TestClient

from aka.http.input_rules import MAX_JSON_DEPTH
from tests.dialects.mimecast.conftest import Mimecast, refused, signed_headers

ALIAS = "/api/user/update-alias"


def test_a_nul_in_an_item_is_refused_naming_it(mc: Mimecast, native: TestClient) -> None:
    """The request is refused whole (400), before any item reaches the store."""
    mc.ok("/api/user/create-user", [{"emailAddress": "ann@acme.example"}])
    before = native.get("/v1/events").json()["events"]
    item = {"aliasFor": "ann@acme.example", "alias": "a\x00@acme.example"}
    body = refused(mc.post(ALIAS, [item]), 400, "err_validation_invalid")
    assert "data[0].alias" in body["fail"][0]["errors"][0]["message"]
    assert native.get("/v1/events").json()["events"] == before


def test_json_nested_past_the_limit_is_refused(mc: Mimecast, creds: dict[str, str]) -> None:
    deep = b'{"data": [' + b"[" * 5000 + b"]" * 5000 + b"]}"
    r = mc.client.post(ALIAS, content=deep, headers=signed_headers(creds, ALIAS))
    body = refused(r, 400, "err_validation_invalid")
    assert str(MAX_JSON_DEPTH) in body["fail"][0]["errors"][0]["message"]


def test_a_body_declared_as_text_is_415(mc: Mimecast, creds: dict[str, str]) -> None:
    headers = {**signed_headers(creds, ALIAS), "Content-Type": "text/plain"}
    r = mc.client.post(ALIAS, content=b'{"data": []}', headers=headers)
    refused(r, 415, "err_xdk_unsupported_media_type")
