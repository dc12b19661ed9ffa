"""The key behind a request's bearer secret, for every door's `authenticate` hook."""

from __future__ import annotations

from aka.engine.runtime import Runtime
from aka.security.auth import Principal, authenticate_secret, cached_principal


async def principal_of(rt: Runtime, secret: str | None) -> Principal:
    """The principal behind `secret`, or its refusal (401). A key the store holds in
    memory (PostgreSQL keeps one 2 s, ADR 0007) is answered on the event loop: the
    worker-thread hop a database lookup needs cost a single link ~8% of its CPU on
    PostgreSQL, for a cache read (docs/performance.md, "Single links")."""
    known = cached_principal(rt.store, secret)
    if known is not None:
        return known
    return await rt.call(authenticate_secret, rt.store, secret)
