"""The native API under /v1."""

from __future__ import annotations

from aka.engine.feed import Feed
from aka.engine.runtime import Runtime
from aka.http.native import admin, batch, graph, jobs, profiles, stream, webhooks
from aka.http.routing import RouteGroup


def register(group: RouteGroup, rt: Runtime, feed: Feed) -> None:
    profiles.register(group, rt)
    graph.register(group, rt)
    stream.register(group, feed)
    webhooks.register(group, rt)
    batch.register(group, rt)
    admin.register(group, rt)
    jobs.register(group, rt)
