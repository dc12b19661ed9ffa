"""Bearer keys for the Coveo door, bound to the organization in the path."""

from __future__ import annotations

from starlette.requests import Request

from aka.core.errors import AkaError, Code
from aka.engine.runtime import Runtime
from aka.http.authentication import principal_of
from aka.http.dialects.coveo.wire import TOKEN_MISSING
from aka.http.routing import Authenticate, Route
from aka.security.auth import Principal, bearer_token, require_scopes
from aka.security.permissions import vendor_permissions


def vendor_scopes(who: Principal) -> Principal:
    """The principal with the aka scopes its vendor permission names grant added."""
    names = vendor_permissions()
    granted = set(who.scopes)
    for scope in who.scopes:
        granted.update(names.get(scope, ()))
    return Principal(
        who.key_id, who.workspace_id, frozenset(granted), who.rate_limits, who.namespaces
    )


def bearer_for_org(rt: Runtime) -> Authenticate:
    async def authenticate(request: Request, route: Route) -> Principal:
        secret = bearer_token(request.headers.get("authorization"))
        if secret is None:
            raise AkaError(
                Code.UNAUTHENTICATED,
                "send 'Authorization: Bearer <key>'",
                field="Authorization",
                details={TOKEN_MISSING: True},
            )
        who = vendor_scopes(await principal_of(rt, secret))
        org = request.path_params.get("organizationId")
        if org is not None and org != who.workspace_id:
            raise AkaError(
                Code.FORBIDDEN,
                f"this key belongs to organization {who.workspace_id!r}, not {org!r}",
                field="organizationId",
            )
        require_scopes(who, route.scopes)
        return who

    return authenticate
