"""Mimecast administrator permissions (as its API docs name them) and the aka scopes."""

from __future__ import annotations

from aka.security.keys import Scope

PERMISSIONS: dict[str, tuple[str, ...]] = {
    "Directories | Groups | Read": (Scope.READ.value,),
    "Directories | Groups | Edit": (Scope.READ.value, Scope.WRITE.value),
}
