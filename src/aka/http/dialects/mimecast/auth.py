"""Who signed a Mimecast request: the HMAC-SHA1 check, the clock and replay checks."""

from __future__ import annotations

import random
from datetime import UTC, datetime

from starlette.requests import Request

from aka.core.errors import AkaError, Code
from aka.core.namespace_scope import NamespaceScope
from aka.core.ports import Transaction
from aka.core.rates import Rate, parse_limits
from aka.engine.runtime import Runtime
from aka.http.routing import Authenticate, Route
from aka.security.auth import Principal, require_scopes
from aka.security.permissions import vendor_permissions
from aka.security.signatures import (
    MAX_SKEW,
    is_fresh,
    parse_authorization,
    parse_date,
    sign,
    signature_matches,
)
from aka.service.mimecast_keys import credentials_of

REQUEST_ID_MAX = 255
PURGE_ONE_IN = 64  # forget expired request ids on about one request in this many


def _refused(why: str) -> AkaError:
    # Every failure answers the same documented 401; `why` only reaches the logs' detail.
    return AkaError(Code.UNAUTHENTICATED, why, field="Authorization")


def effective_scopes(scopes: tuple[str, ...]) -> frozenset[str]:
    """A key's scopes plus the aka scopes its vendor permission names grant."""
    names = vendor_permissions()
    granted = set(scopes)
    for scope in scopes:
        granted.update(names.get(scope, ()))
    return frozenset(granted)


def _limits(extra: dict[str, object] | None) -> dict[str, Rate]:
    try:
        return parse_limits(
            (extra or {}).get("rate_limits") or {}, where="", code=Code.INVALID_INPUT
        )
    except AkaError:
        return {}  # a record edited by hand must not lock its key out


def signed_authenticator(rt: Runtime) -> Authenticate:
    async def authenticate(request: Request, route: Route) -> Principal:
        headers = request.headers
        parsed = parse_authorization(headers.get("authorization"))
        date_text, request_id = headers.get("x-mc-date"), headers.get("x-mc-req-id")
        app_id = headers.get("x-mc-app-id")
        if parsed is None or not date_text or not request_id or not app_id:
            raise _refused(
                "a signed request needs Authorization, x-mc-date, x-mc-req-id, x-mc-app-id"
            )
        access_key, signature = parsed
        record = await rt.call(rt.store.key_by_id, access_key)
        creds = credentials_of(record) if record is not None else None
        if record is None or creds is None or record.revoked_at is not None:
            raise _refused("unknown or revoked access key")
        if not signature_matches(creds.app_id, app_id):
            raise _refused("the app id is not this key's")
        expected = sign(creds.secret_key, date_text, request_id, request.url.path, creds.app_key)
        if not signature_matches(expected, signature):
            raise _refused("the signature does not match")
        now = datetime.now(UTC)
        date = parse_date(date_text)
        if date is None or not is_fresh(date, now):
            raise _refused("x-mc-date is missing, malformed or more than 15 minutes off")
        if len(request_id) > REQUEST_ID_MAX:
            raise _refused("x-mc-req-id is too long")

        def remember(tx: Transaction) -> bool:
            if random.randrange(PURGE_ONE_IN) == 0:  # noqa: S311 (not security: housekeeping)
                tx.request_ids.purge(now)
            return tx.request_ids.remember(request_id, now, now + MAX_SKEW)

        if not await rt.write_unit(record.workspace_id, remember):
            raise _refused("x-mc-req-id was used in the last 15 minutes")
        who = Principal(
            record.id,
            record.workspace_id,
            effective_scopes(record.scopes),
            _limits(record.extra),
            NamespaceScope.of(record.namespaces),
        )
        require_scopes(who, route.scopes)
        return who

    return authenticate
