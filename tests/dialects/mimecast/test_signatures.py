"""Signed requests: exactly the documented HMAC-SHA1, and nothing else gets in. Every
refusal is the same documented 401 envelope."""

from __future__ import annotations

import base64
import os
import uuid
from datetime import UTC, datetime

import httpx
import pytest
from starlette.testclient import TestClient

from aka.core.ports import Store
from aka.service import admin

from .conftest import Mimecast, later, mimecast_date, refused, signed_headers

PATH = "/api/user/update-alias"
ITEM = {"aliasFor": "ann@acme.example", "alias": "a@acme.example"}


@pytest.fixture
def user(mc: Mimecast) -> None:
    mc.ok("/api/user/create-user", [{"emailAddress": "ann@acme.example"}])


def bad_signature(r: httpx.Response) -> None:
    body = refused(r, 401, "err_xdk_invalid_signature")
    assert body["fail"][0]["errors"][0]["message"] == "0004 Invalid Signature"


def test_a_signed_update_alias_succeeds_and_its_replay_is_refused(mc: Mimecast, user: None) -> None:
    """The issue's acceptance: signed with the documented algorithm it works; the very
    same request (same date, same id) sent again is refused."""
    headers = signed_headers(mc.creds, PATH)
    first = mc.client.post(PATH, json={"data": [ITEM]}, headers=headers)
    assert first.status_code == 200, first.text
    assert first.json()["data"][0]["alias"] == "a@acme.example"
    bad_signature(mc.client.post(PATH, json={"data": [ITEM]}, headers=headers))


def test_a_wrong_secret_is_refused(mc: Mimecast, user: None) -> None:
    other = base64.b64encode(os.urandom(64)).decode()
    bad_signature(mc.post(PATH, [ITEM], secret_key=other))


def test_a_signature_for_another_path_is_refused(mc: Mimecast, user: None) -> None:
    headers = signed_headers(mc.creds, "/api/user/remove-alias")
    bad_signature(mc.client.post(PATH, json={"data": [ITEM]}, headers=headers))


@pytest.mark.parametrize("minutes", [-16, 16])
def test_a_date_more_than_15_minutes_off_is_refused(mc: Mimecast, user: None, minutes: int) -> None:
    bad_signature(mc.post(PATH, [ITEM], date=later(minutes)))


def test_a_date_within_15_minutes_is_accepted(mc: Mimecast, user: None) -> None:
    assert mc.post(PATH, [ITEM], date=later(-14)).status_code == 200


def test_a_malformed_date_is_refused(mc: Mimecast, user: None) -> None:
    bad_signature(mc.post(PATH, [ITEM], date="yesterday"))


def test_the_rfc1123_gmt_date_of_the_csharp_sample_is_accepted(mc: Mimecast, user: None) -> None:
    """C#'s `ToString("R")` writes GMT instead of UTC; the same instant is accepted."""
    date = datetime.now(UTC).strftime("%a, %d %b %Y %H:%M:%S GMT")
    assert mc.post(PATH, [ITEM], date=date).status_code == 200


def test_a_request_id_reused_with_a_new_date_is_refused(mc: Mimecast, user: None) -> None:
    request_id = str(uuid.uuid4())
    assert mc.post(PATH, [ITEM], request_id=request_id).status_code == 200
    bad_signature(mc.post(PATH, [ITEM], request_id=request_id, date=later(1)))


@pytest.mark.parametrize("header", ["Authorization", "x-mc-date", "x-mc-req-id", "x-mc-app-id"])
def test_a_missing_header_is_refused(mc: Mimecast, user: None, header: str) -> None:
    headers = signed_headers(mc.creds, PATH)
    del headers[header]
    bad_signature(mc.client.post(PATH, json={"data": [ITEM]}, headers=headers))


def test_another_app_id_is_refused(mc: Mimecast, user: None) -> None:
    headers = {**signed_headers(mc.creds, PATH), "x-mc-app-id": str(uuid.uuid4())}
    bad_signature(mc.client.post(PATH, json={"data": [ITEM]}, headers=headers))


def test_an_unknown_or_revoked_access_key_is_refused(
    mc: Mimecast, store: Store, user: None
) -> None:
    ghost = {**mc.creds, "access_key": "key_unknown"}
    bad_signature(Mimecast(mc.client, ghost).post(PATH, [ITEM]))
    admin.revoke_key(store, "default", mc.creds["access_key"])
    bad_signature(mc.post(PATH, [ITEM]))


def test_a_bearer_key_does_not_open_the_door(client: TestClient) -> None:
    r = client.post(PATH, json={"data": [ITEM]}, headers={"Authorization": "Bearer test-admin-key"})
    bad_signature(r)


def test_the_rate_limit_reset_is_in_milliseconds(mc: Mimecast, user: None) -> None:
    r = mc.post("/api/domain/get-internal-domain")
    reset = int(r.headers["X-RateLimit-Reset"])
    assert 0 <= reset <= 60_000  # a wait in ms, not an epoch timestamp


def test_the_signed_date_format_is_the_documented_one() -> None:
    assert mimecast_date(datetime(2015, 11, 24, 12, 50, 11, tzinfo=UTC)) == (
        "Tue, 24 Nov 2015 12:50:11 UTC"
    )
