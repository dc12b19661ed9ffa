"""Vendor doors onto the one identity graph.

Each dialect is a package here (`braze`, `appizer`, `coveo`, `mimecast`, ...) whose
`groups(ctx)` returns its route groups. A dialect only translates wire shapes to
service calls and back; graph rules stay in `core`/`service`. `AKA_DIALECTS` chooses
which doors are open (default: every dialect package found here).
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from aka.engine.runtime import Runtime
from aka.http.routing import RouteGroup
from aka.security.ratelimit import RateLimiter

Hook = Callable[[], Awaitable[None]]


@dataclass
class DialectContext:
    """What a dialect may use; `startup`/`shutdown` hooks run in the app's lifespan.

    A dialect's routes are all declared in its groups, so `/openapi.json` describes
    them (ADR 0019); a streamed body is a route's `own_body`, not a raw route.
    """

    rt: Runtime
    limiter: RateLimiter
    startup: list[Hook] = field(default_factory=list)
    shutdown: list[Hook] = field(default_factory=list)


def available() -> list[str]:
    """Every dialect package shipped in this build, sorted."""
    return sorted(m.name for m in pkgutil.iter_modules(__path__) if m.ispkg)


def chosen(setting: str) -> list[str]:
    """The dialects `AKA_DIALECTS` names: `all` (default), `none`, or a comma list."""
    wanted = setting.strip().lower()
    if wanted in ("", "all"):
        return available()
    if wanted == "none":
        return []
    names = [n.strip() for n in wanted.split(",") if n.strip()]
    unknown = sorted(set(names) - set(available()))
    if unknown:
        raise ValueError(
            f"AKA_DIALECTS names unknown dialect(s) {', '.join(unknown)}; "
            f"known: {', '.join(available()) or 'none'} (or 'all', 'none')"
        )
    return sorted(set(names))


def build_groups(names: list[str], ctx: DialectContext) -> list[RouteGroup]:
    groups: list[RouteGroup] = []
    for name in names:
        module = importlib.import_module(f"{__name__}.{name}")
        for group in module.groups(ctx):
            group.door = group.door or name  # how access logs name the door
            groups.append(group)
    return groups
