"""Console sessions: a signed cookie that names a key and never holds it (ADR 0031).

The cookie carries the key's id, an expiry and a random nonce, signed with HMAC-SHA256
under the server's console secret. Each request reads the key by id again, so a revoked
key ends its sessions at once; the expiry ends the others. The cross-site request token
of a session is derived from its nonce under a second key, so a form posted from another
session (or another site) does not carry a matching one.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from typing import Final

_NONCE_BYTES: Final = 16
_COOKIE_MAX: Final = 512  # a session cookie is ~150 characters: anything longer is not ours


@dataclass(frozen=True, slots=True)
class Session:
    """A console login: whose key, until when (Unix seconds), and its nonce."""

    key_id: str
    expires: int
    nonce: str


def new_secret() -> str:
    """A console secret, for a server started without one (`aka serve`)."""
    return secrets.token_urlsafe(32)


class SessionSigner:
    """Issues and reads session cookies and their cross-site request tokens."""

    def __init__(self, secret: str, lifetime_seconds: int) -> None:
        root = secret.encode("utf-8")
        # Two keys from one secret: a session's signature can never pass as its token.
        self._sign_key = hmac.new(root, b"aka console session", hashlib.sha256).digest()
        self._csrf_key = hmac.new(root, b"aka console csrf", hashlib.sha256).digest()
        self.lifetime = lifetime_seconds

    def issue(self, key_id: str, now: float) -> tuple[Session, str]:
        """A new session for `key_id` and its cookie value."""
        session = Session(key_id, int(now) + self.lifetime, secrets.token_urlsafe(_NONCE_BYTES))
        body = json.dumps([session.key_id, session.expires, session.nonce], separators=(",", ":"))
        payload = _b64(body.encode("utf-8"))
        return session, f"{payload}.{self._sign(payload)}"

    def read(self, cookie: str | None, now: float) -> Session | None:
        """The session a cookie holds: None when absent, tampered with, or expired."""
        if (
            not cookie
            or len(cookie) > _COOKIE_MAX
            or not cookie.isascii()
            or cookie.count(".") != 1
        ):
            return None
        payload, signature = cookie.split(".")
        if not hmac.compare_digest(signature, self._sign(payload)):
            return None
        try:
            key_id, expires, nonce = json.loads(_unb64(payload))
        except (ValueError, TypeError):
            return None
        if not (isinstance(key_id, str) and isinstance(expires, int) and isinstance(nonce, str)):
            return None
        if expires <= now:
            return None
        return Session(key_id, expires, nonce)

    def csrf_token(self, session: Session) -> str:
        """The token every form of this session posts back."""
        mac = hmac.new(self._csrf_key, session.nonce.encode("utf-8"), hashlib.sha256)
        return _b64(mac.digest())

    def csrf_ok(self, session: Session, token: str | None) -> bool:
        if not token or not token.isascii():
            return False
        return hmac.compare_digest(token, self.csrf_token(session))

    def _sign(self, payload: str) -> str:
        return _b64(hmac.new(self._sign_key, payload.encode("ascii"), hashlib.sha256).digest())


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
