"""Vendor permission names a key may carry, and the aka scopes each one stands for.

Each vendor module here (`braze.py`, `coveo.py`, ...) defines `PERMISSIONS`: its
permission name -> the aka scopes it grants, so `aka keys create --scopes
users.alias.new` works whether or not that dialect is switched on.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Mapping
from functools import cache


@cache
def vendor_permissions() -> Mapping[str, tuple[str, ...]]:
    """Every vendor permission name -> the aka scopes it grants."""
    merged: dict[str, tuple[str, ...]] = {}
    for info in pkgutil.iter_modules(__path__):
        module = importlib.import_module(f"{__name__}.{info.name}")
        merged.update(getattr(module, "PERMISSIONS", {}))
    return merged
