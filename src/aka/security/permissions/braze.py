"""Braze REST API key permissions and the aka scopes each one grants."""

from __future__ import annotations

from typing import Final

PERMISSIONS: Final[dict[str, tuple[str, ...]]] = {
    "users.alias.new": ("identities:write",),
    "users.alias.update": ("identities:write",),
    # Identify may merge an alias-only profile into the identified one, as the native
    # POST /v1/identify does under `identities:write`.
    "users.identify": ("identities:write",),
    "users.merge": ("identities:merge",),
    "users.delete": ("identities:delete",),
    "users.export.ids": ("identities:read",),
    "users.track": ("identities:write",),
    "users.external_ids.rename": ("identities:write",),
    # Removing a deprecated external id forgets a name of the user for good.
    "users.external_ids.remove": ("identities:write",),
}
