"""Coveo API key privileges (as its docs name them) and the aka scopes they grant."""

from __future__ import annotations

from aka.security.keys import Scope

PERMISSIONS: dict[str, tuple[str, ...]] = {
    # "Push security identities to a provider" (the Push API's identity privilege).
    "Security identities | Edit": (Scope.READ.value, Scope.WRITE.value),
    # The Security Cache API's read privilege (expansion).
    "Security identities | View": (Scope.READ.value,),
}
