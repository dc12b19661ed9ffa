"""The native door's dry runs (ADR 0023): how a previewed route's work runs, and its
answer's `dry_run` member. The mechanism is the engine's (`Runtime.preview`); a route
takes part with `dry_run=True` in its declaration."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any

import msgspec

from aka.core import namespace_scope
from aka.core.changes import changes_of
from aka.core.model import Event
from aka.engine.runtime import Runtime
from aka.http.native.common import principal
from aka.http.native.schemas import DryRunOut
from aka.http.routing import Previewer


def dry_run_out(events: Sequence[Event], status: int) -> DryRunOut:
    """The `dry_run` member: what these events would change, and the events, as the
    request's key may see them (a key limited to namespaces: ADR 0026)."""
    events = namespace_scope.current().redact(list(events))
    changes = msgspec.to_builtins(changes_of(events))
    written = [{"type": e.type, "profile_id": e.profile_id, "payload": e.payload} for e in events]
    return msgspec.convert({"status": status, **changes, "events": written}, DryRunOut)


def previewer(rt: Runtime) -> Previewer:
    """The route group's `preview`: the request's work in the key's workspace, rolled
    back; the member is built once the rehearsal holds the events."""

    @asynccontextmanager
    async def preview(auth: Any) -> AsyncIterator[Callable[[int], Any]]:
        async with rt.preview(principal(auth).workspace_id) as rehearsal:
            yield lambda status: dry_run_out(rehearsal.events, status)

    return preview
