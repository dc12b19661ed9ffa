"""Which limit applies to a request: the key's own, else its workspace's, else the server's.

The key's limits come with the key (authentication loads the key record on every
request anyway). The workspace's come from its settings, which would otherwise cost a
store read per request; they are cached in this process for `cache_seconds` (default 5),
so a `PATCH /v1/workspace` takes up to that long to apply on every process.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Mapping

from aka.core.rates import Rate
from aka.security.auth import Principal

WorkspaceLimits = Callable[[str], Awaitable[Mapping[str, Rate]]]
"""The rate limits a workspace's settings name, by workspace id."""


class RateLimitPolicy:
    """Precedence: key > workspace > server default. A group with none of the three is
    not limited."""

    def __init__(
        self,
        defaults: Mapping[str, Rate],
        workspace_limits: WorkspaceLimits,
        *,
        cache_seconds: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.defaults = dict(defaults)
        self._load = workspace_limits
        self._ttl = cache_seconds
        self._clock = clock
        self._cache: dict[str, tuple[float, Mapping[str, Rate]]] = {}

    async def rate_for(self, who: Principal, group: str) -> Rate | None:
        """The limit on `who`'s requests of `group`, or None when it is unlimited."""
        own = who.rate_limits.get(group)
        if own is not None:
            return own
        workspace = (await self._workspace(who.workspace_id)).get(group)
        return workspace if workspace is not None else self.defaults.get(group)

    async def _workspace(self, workspace_id: str) -> Mapping[str, Rate]:
        now = self._clock()
        cached = self._cache.get(workspace_id)
        if cached is not None and cached[0] > now:
            return cached[1]
        limits = await self._load(workspace_id)
        if self._ttl > 0:
            # One entry per workspace, replaced on expiry: bounded by the workspace count.
            self._cache[workspace_id] = (now + self._ttl, limits)
        return limits
