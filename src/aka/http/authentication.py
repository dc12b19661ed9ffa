"""The key behind a request's bearer secret, for every door's `authenticate` hook."""

from __future__ import annotations

from typing import cast

from aka.core.ports import KeysInMemory
from aka.engine.runtime import Runtime
from aka.security.auth import Principal, authenticate_secret, cached_principal


async def principal_of(rt: Runtime, secret: str | None) -> Principal:
    """The principal behind `secret`, or its refusal (401). Never from a key revoked
    before the request arrived, in any process (ADR 0021).

    A store that keeps keys ahead of a lookup (PostgreSQL) is first brought up to date
    (`validate_caches`: one round trip on the event loop, shared by concurrent
    requests); a key it then holds is answered on the event loop: the worker-thread hop
    a database lookup needs cost a single link ~8% of its CPU on PostgreSQL
    (docs/performance.md, "Single links"). Anything else is looked up (SQLite checks
    its own memory against the file, inline)."""
    if hasattr(rt.store, "validate_caches"):  # `KeysInMemory`: not worth an isinstance
        await cast(KeysInMemory, rt.store).validate_caches()
        known = cached_principal(rt.store, secret)
        if known is not None:
            return known
    return await rt.call(authenticate_secret, rt.store, secret)
