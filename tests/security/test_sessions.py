"""Console session cookies (`security.sessions`, ADR 0031): signed, expiring, and
carrying the key's id, never the key; each with its own cross-site request token."""

from __future__ import annotations

from aka.security.sessions import SessionSigner

SECRET = "s" * 40
NOW = 1_800_000_000.0


def test_a_cookie_reads_back_as_its_session_until_it_expires() -> None:
    signer = SessionSigner(SECRET, 3600)
    session, cookie = signer.issue("key_1", NOW)
    assert signer.read(cookie, NOW + 10) == session
    assert session.key_id == "key_1"
    assert session.expires == int(NOW) + 3600
    assert signer.read(cookie, NOW + 3600) is None


def test_a_cookie_signed_under_another_secret_or_changed_is_refused() -> None:
    signer = SessionSigner(SECRET, 3600)
    _, cookie = signer.issue("key_1", NOW)
    assert SessionSigner("t" * 40, 3600).read(cookie, NOW) is None
    payload, signature = cookie.split(".")
    forged = SessionSigner("t" * 40, 3600).issue("key_admin", NOW)[1].split(".")[0]
    assert signer.read(f"{forged}.{signature}", NOW) is None
    for bad in (None, "", "no-dot", "a.b.c", "é.é", payload, f"{payload}.", "x" * 1000):
        assert signer.read(bad, NOW) is None


def test_each_session_has_its_own_token_which_a_signature_cannot_pass_for() -> None:
    signer = SessionSigner(SECRET, 3600)
    one, cookie = signer.issue("key_1", NOW)
    two, _ = signer.issue("key_1", NOW)
    assert signer.csrf_ok(one, signer.csrf_token(one))
    assert not signer.csrf_ok(one, signer.csrf_token(two))
    assert not signer.csrf_ok(one, cookie.split(".")[1])
    assert not signer.csrf_ok(one, None)
    assert not signer.csrf_ok(one, "é")
