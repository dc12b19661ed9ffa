"""Webhook signatures (ADR 0030): HMAC-SHA256 over "{t}.{body}", checked within a
replay window; the Python client's verifier agrees with the server's signer."""

from __future__ import annotations

import hashlib
import hmac

from aka.core import webhook_signature as sig
from aka_client.webhooks import verify_signature

SECRET = "whsec-0123456789abcdef"
BODY = b'{"events":[{"seq":1}]}'
T = 1_800_000_000


def test_the_signature_is_hmac_sha256_of_the_timestamp_and_the_body() -> None:
    expected = hmac.new(SECRET.encode(), b"1800000000." + BODY, hashlib.sha256).hexdigest()
    assert sig.signature(SECRET, T, BODY) == f"t={T},v1={expected}"


def test_a_signature_verifies_within_the_window_only() -> None:
    header = sig.signature(SECRET, T, BODY)
    assert sig.verify(SECRET, header, BODY, now=T + 299)
    assert sig.verify(SECRET, header, BODY, now=T - 299)
    assert not sig.verify(SECRET, header, BODY, now=T + 301)  # replayed too late


def test_a_changed_body_secret_or_timestamp_fails() -> None:
    header = sig.signature(SECRET, T, BODY)
    assert not sig.verify(SECRET, header, BODY + b" ", now=T)
    assert not sig.verify("another-secret-0123", header, BODY, now=T)
    moved = header.replace(f"t={T}", f"t={T + 1}")
    assert not sig.verify(SECRET, moved, BODY, now=T)
    for broken in ("", "v1=abc", f"t={T}", "t=x,v1=abc", f"t={T},t={T},v1=abc"):
        assert not sig.verify(SECRET, broken, BODY, now=T)


def test_one_matching_value_among_several_is_enough() -> None:
    """A header may carry several `v1=` (a receiver rotating its secret)."""
    header = sig.signature(SECRET, T, BODY) + ",v1=" + "0" * 64
    assert sig.verify(SECRET, header, BODY, now=T)


def test_the_client_package_verifies_what_the_server_signs() -> None:
    header = sig.signature(SECRET, T, BODY)
    assert verify_signature(SECRET, header, BODY, now=T + 10)
    assert not verify_signature(SECRET, header, BODY, now=T + 301)
    assert not verify_signature(SECRET, header, b"{}", now=T)
