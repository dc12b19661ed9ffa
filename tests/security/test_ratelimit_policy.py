"""Which limit applies, and what counts as a valid one.

Precedence is key > workspace > server default; a workspace's limits are cached for a
few seconds; every place that takes a limit (workspace settings, key records,
`AKA_RATE_LIMIT_*`) refuses the same mistakes, naming the field.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from aka.config import Settings
from aka.core.errors import AkaError, Code
from aka.core.ports import KeyRecord
from aka.core.rates import Rate, parse_limits, parse_rate
from aka.core.settings import WorkspaceSettings
from aka.security.auth import Principal, authenticate_secret
from aka.security.keys import hash_secret
from aka.security.ratelimit_policy import RateLimitPolicy
from aka.storage.memory import MemoryStore

pytestmark = pytest.mark.anyio

DEFAULTS = {"read": parse_rate("600/minute"), "write": parse_rate("60/minute")}


class Workspaces:
    """A stand-in for the store: each workspace's limits, and how often they were read."""

    def __init__(self, **limits: dict[str, str]) -> None:
        self.limits = {ws: {g: parse_rate(r) for g, r in own.items()} for ws, own in limits.items()}
        self.reads = 0

    async def __call__(self, workspace_id: str) -> Mapping[str, Rate]:
        self.reads += 1
        return self.limits.get(workspace_id, {})


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def key(workspace: str = "acme", **limits: str) -> Principal:
    return Principal("key_1", workspace, frozenset(), {g: parse_rate(r) for g, r in limits.items()})


# --- precedence -------------------------------------------------------------------------


async def test_the_server_default_applies_when_nobody_says_otherwise() -> None:
    policy = RateLimitPolicy(DEFAULTS, Workspaces())
    assert await policy.rate_for(key(), "read") == Rate(600, "minute")


async def test_a_workspace_limit_wins_over_the_default() -> None:
    policy = RateLimitPolicy(DEFAULTS, Workspaces(acme={"read": "50/second"}))
    assert await policy.rate_for(key(), "read") == Rate(50, "second")
    assert await policy.rate_for(key(), "write") == Rate(60, "minute"), "other groups keep it"
    assert await policy.rate_for(key("other"), "read") == Rate(600, "minute"), "per workspace"


async def test_a_key_limit_wins_over_the_workspace_and_the_default() -> None:
    policy = RateLimitPolicy(DEFAULTS, Workspaces(acme={"read": "50/second"}))
    assert await policy.rate_for(key(read="5/hour"), "read") == Rate(5, "hour")


async def test_a_group_nobody_limits_is_unlimited() -> None:
    policy = RateLimitPolicy(DEFAULTS, Workspaces())
    assert await policy.rate_for(key(), "admin") is None


async def test_workspace_limits_are_cached_for_a_few_seconds() -> None:
    """One store read per workspace per `cache_seconds`; a change shows after that."""
    workspaces, clock = Workspaces(acme={"read": "50/second"}), Clock()
    policy = RateLimitPolicy(DEFAULTS, workspaces, cache_seconds=5, clock=clock)
    for _ in range(10):
        await policy.rate_for(key(), "read")
    assert workspaces.reads == 1
    workspaces.limits["acme"] = {"read": parse_rate("7/second")}
    clock.now += 4.9
    assert await policy.rate_for(key(), "read") == Rate(50, "second"), "still cached"
    clock.now += 0.2
    assert await policy.rate_for(key(), "read") == Rate(7, "second")
    assert workspaces.reads == 2


async def test_a_key_with_its_own_limit_needs_no_workspace_read() -> None:
    workspaces = Workspaces()
    policy = RateLimitPolicy(DEFAULTS, workspaces)
    await policy.rate_for(key(read="1/second"), "read")
    assert workspaces.reads == 0


# --- what a valid limit is ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "rate"),
    [
        ("1/second", Rate(1, "second")),
        ("6000/minute", Rate(6000, "minute")),
        (" 20/hour ", Rate(20, "hour")),
        ("1000000000/hour", Rate(1_000_000_000, "hour")),
    ],
)
def test_rates_read_as_amount_per_period(text: str, rate: Rate) -> None:
    assert parse_rate(text) == rate
    assert str(parse_rate(text)) == text.strip()


@pytest.mark.parametrize(
    "text",
    ["", "lots", "0/minute", "-1/minute", "10/day", "10/minutes", "10 per minute", "1.5/second",
     "1000000001/hour", "10/Minute", 10, None],
)  # fmt: skip
def test_anything_else_is_refused_with_the_format(text: object) -> None:
    with pytest.raises(ValueError, match=r"must look like '100/minute'"):
        parse_rate(text)


def test_a_limits_object_names_the_offending_group() -> None:
    with pytest.raises(AkaError) as bad_rate:
        parse_limits(
            {"read": "10/minute", "write": "often"}, where="rate_limits", code=Code.INVALID_INPUT
        )
    assert bad_rate.value.field == "rate_limits.write"
    assert bad_rate.value.code == Code.INVALID_INPUT
    with pytest.raises(AkaError) as bad_group:
        parse_limits({"reads": "10/minute"}, where="rate_limits", code=Code.INVALID_INPUT)
    assert bad_group.value.field == "rate_limits.reads"
    assert "known: read, write, admin" in bad_group.value.message
    with pytest.raises(AkaError) as not_an_object:
        parse_limits(["read=1/second"], where="rate_limits", code=Code.INVALID_INPUT)
    assert not_an_object.value.field == "rate_limits"


# --- where limits are kept ------------------------------------------------------------------


def test_workspace_settings_take_limits_as_a_merge_patch() -> None:
    """Set groups one by one; a null group removes its override, a null object all."""
    settings = WorkspaceSettings().updated({"rate_limits": {"read": "10/second"}})
    settings = settings.updated({"rate_limits": {"write": "5/minute"}})
    assert settings.to_json()["rate_limits"] == {"read": "10/second", "write": "5/minute"}
    assert settings.updated({"rate_limits": {"read": None}}).rate_limits == {
        "write": Rate(5, "minute")
    }
    assert settings.updated({"rate_limits": None}).rate_limits == {}
    stored = WorkspaceSettings.from_json(settings.to_json())
    assert stored.rate_limits == settings.rate_limits, "what is stored reads back the same"


def test_workspace_settings_refuse_a_bad_limit_naming_it() -> None:
    with pytest.raises(AkaError) as caught:
        WorkspaceSettings().updated({"rate_limits": {"admin": "1/fortnight"}})
    assert caught.value.code == Code.SETTINGS_INVALID
    assert caught.value.field == "rate_limits.admin"


def test_settings_stored_before_rate_limits_existed_read_without_them() -> None:
    assert WorkspaceSettings.from_json({"merge_policy": "auto"}).rate_limits == {}


def _store_with_key(extra: dict[str, object] | None) -> MemoryStore:
    store = MemoryStore()
    store.create_workspace("acme", WorkspaceSettings())
    record = KeyRecord("key_1", "acme", "", "aka_xx", hash_secret("s3cret"), ("identities:read",),
                       datetime.now(UTC), extra=extra)  # fmt: skip
    store.create_key(record)
    return store


def test_authentication_carries_the_keys_own_limits() -> None:
    store = _store_with_key({"rate_limits": {"read": "100/minute"}, "mimecast_app_id": "x"})
    assert authenticate_secret(store, "s3cret").rate_limits == {"read": Rate(100, "minute")}


def test_a_key_whose_stored_limits_are_unreadable_falls_back_with_a_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A record edited by hand must not lock its key out: the other limits apply."""
    store = _store_with_key({"rate_limits": {"read": "a lot"}})
    with caplog.at_level(logging.WARNING, logger="aka.security"):
        found = authenticate_secret(store, "s3cret")
    assert found.rate_limits == {}
    assert "ignoring its stored rate limits" in caplog.text


def test_server_defaults_are_checked_at_start_naming_the_variable() -> None:
    with pytest.raises(ValidationError, match=r"rate_limit_write\n.*must look like"):
        Settings(rate_limit_write="lots")
    with pytest.raises(ValidationError, match=r"redis_url\n.*must start with redis://"):
        Settings(redis_url="http://127.0.0.1:6379")
    assert Settings(rate_limit_read=" 10/second ").rate_limit_read == "10/second"
