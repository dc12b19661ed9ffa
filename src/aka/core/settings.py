"""Workspace settings: the policies that decide what the graph may do.

Defaults are the safe ones: merges across identified profiles are refused, a profile
holds at most 100 identifiers per namespace, and the values that glue strangers
together (`null`, `0`, `unknown`, ...) are refused as identifiers.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any, Final, TypeVar

from aka.core import door_namespaces
from aka.core.errors import AkaError, Code
from aka.core.events import EXTERNAL_IDS
from aka.core.rates import Rate, limits_json, parse_limits_patch


class MergePolicy(StrEnum):
    REFUSE = "refuse"  # a link onto another profile's identifier is a 409 naming the owner
    AUTO = "auto"  # ...unless at most one of the two profiles is identified: then merge


class Normalization(StrEnum):
    EXACT = "exact"
    EMAIL = "email"
    PHONE = "phone"  # E.164 (`normalize.phone`); opt-in: `phone` namespaces may hold other forms


DEFAULT_BLOCKED_VALUES: tuple[str, ...] = (
    "",
    "null",
    "undefined",
    "none",
    "0",
    "-1",
    "unknown",
)
DEFAULT_MAX_PER_PROFILE = 100
MAX_PER_PROFILE_CEILING = 1_000_000

E = TypeVar("E", bound=StrEnum)


@dataclass(frozen=True, slots=True)
class NamespaceRule:
    normalization: Normalization = Normalization.EXACT
    max_per_profile: int = DEFAULT_MAX_PER_PROFILE
    # None: the workspace's list applies. A tuple replaces it for this namespace.
    blocked_values: tuple[str, ...] | None = None


# The rule of every namespace the settings do not name (one value, not one per call:
# a bulk load asks for it several times an identifier).
_DEFAULT_RULE: Final = NamespaceRule()


@dataclass(frozen=True, slots=True)
class WorkspaceSettings:
    merge_policy: MergePolicy = MergePolicy.REFUSE
    namespaces: dict[str, NamespaceRule] = field(
        default_factory=lambda: {"email": NamespaceRule(normalization=Normalization.EMAIL)}
    )
    blocked_values: tuple[str, ...] = DEFAULT_BLOCKED_VALUES
    internal_domains: tuple[str, ...] = ()
    # Per endpoint group ("read", "write", "admin"); a group not named keeps the server's
    # default. A key's own limits win over these (aka.security.ratelimit_policy).
    rate_limits: dict[str, Rate] = field(default_factory=dict)
    # `"<door>:<door namespace>"` -> the namespace it is stored in (ADR 0027); a door
    # namespace not named keeps its default (`door_namespaces.DEFAULTS`, else its name).
    namespace_aliases: dict[str, str] = field(default_factory=dict)

    def stored_namespace(self, door: str, name: str) -> str:
        """The namespace the graph stores the door's namespace `name` in."""
        return door_namespaces.stored(self.namespace_aliases, door, name)

    def door_namespace(self, door: str, namespace: str) -> str:
        """The door's own name for the stored `namespace` (answers in its shape)."""
        return door_namespaces.door_name(self.namespace_aliases, door, namespace)

    def rule_for(self, namespace: str) -> NamespaceRule:
        return self.namespaces.get(namespace) or _DEFAULT_RULE

    def blocked_for(self, namespace: str) -> frozenset[str]:
        rule = self.rule_for(namespace)
        values = self.blocked_values if rule.blocked_values is None else rule.blocked_values
        return _folded(values)

    def to_json(self) -> dict[str, Any]:
        return {
            "merge_policy": self.merge_policy.value,
            "namespaces": {
                name: {
                    "normalization": rule.normalization.value,
                    "max_per_profile": rule.max_per_profile,
                    "blocked_values": None
                    if rule.blocked_values is None
                    else list(rule.blocked_values),
                }
                for name, rule in sorted(self.namespaces.items())
            },
            "blocked_values": list(self.blocked_values),
            "internal_domains": list(self.internal_domains),
            "rate_limits": limits_json(self.rate_limits),
            "namespace_aliases": dict(sorted(self.namespace_aliases.items())),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> WorkspaceSettings:
        """Settings from stored or submitted JSON; missing keys keep their defaults.

        A `namespaces` object is the whole set of rules, not a patch over the default
        `email` rule: otherwise a rule removed by PATCH would come back on the next read
        of the stored settings.
        """
        base = cls(namespaces={}) if "namespaces" in data else cls()
        return base.updated(data)

    def updated(self, patch: dict[str, Any]) -> WorkspaceSettings:
        """These settings with `patch` applied (a JSON merge patch over `to_json()`)."""
        unknown = set(patch) - {
            "merge_policy",
            "namespaces",
            "blocked_values",
            "internal_domains",
            "rate_limits",
            "namespace_aliases",
        }
        if unknown:
            name = sorted(unknown)[0]
            raise AkaError(Code.SETTINGS_INVALID, f"unknown setting {name!r}", field=name)
        result = self
        if "merge_policy" in patch:
            result = replace(
                result, merge_policy=_enum(MergePolicy, patch["merge_policy"], "merge_policy")
            )
        if "blocked_values" in patch:
            result = replace(
                result, blocked_values=_strings(patch["blocked_values"], "blocked_values")
            )
        if "internal_domains" in patch:
            domains = _strings(patch["internal_domains"], "internal_domains")
            result = replace(result, internal_domains=tuple(d.strip().lower() for d in domains))
        if "namespaces" in patch:
            result = replace(result, namespaces=_namespaces(result.namespaces, patch["namespaces"]))
        if "rate_limits" in patch:
            result = replace(
                result, rate_limits=_rate_limits(result.rate_limits, patch["rate_limits"])
            )
        if "namespace_aliases" in patch:
            result = replace(
                result,
                namespace_aliases=_namespace_aliases(
                    result.namespace_aliases, patch["namespace_aliases"]
                ),
            )
        return result


def _namespace_aliases(current: dict[str, str], patch: Any) -> dict[str, str]:
    """JSON merge patch of `namespace_aliases`: an entry's null removes it, a null
    object removes all. Keys are `<door>:<door namespace>` of a known door, values
    valid namespaces; at most `MAX_ALIASES` entries."""
    from aka.core import normalize  # noqa: PLC0415 - normalize imports this module

    where = "namespace_aliases"
    if patch is None:
        return {}
    if not isinstance(patch, dict):
        raise AkaError(Code.SETTINGS_INVALID, f"{where} must be an object", field=where)
    merged = dict(current)
    for raw_key, raw_value in patch.items():
        entry = f"{where}.{raw_key}"
        key = alias_key(raw_key, entry)
        if raw_value is None:
            merged.pop(key, None)
            continue
        target = _valid_namespace(normalize.namespace, raw_value, entry)
        if target == EXTERNAL_IDS:
            raise AkaError(
                Code.SETTINGS_INVALID,
                f"{entry}: namespace {EXTERNAL_IDS!r} is reserved for the external ids "
                "profiles were renamed away from (ADR 0024); no door namespace maps onto it",
                field=entry,
            )
        merged[key] = target
    if len(merged) > door_namespaces.MAX_ALIASES:
        raise AkaError(
            Code.SETTINGS_INVALID,
            f"{where} may hold at most {door_namespaces.MAX_ALIASES} entries; "
            f"this would make {len(merged)}",
            field=where,
            details={"limit": door_namespaces.MAX_ALIASES, "actual": len(merged)},
        )
    return merged


def alias_key(raw: object, where: str) -> str:
    """A `namespace_aliases` key, `<door>:<door namespace>`, checked and normalised."""
    from aka.core import normalize  # noqa: PLC0415 - normalize imports this module

    door, colon, name = raw.partition(":") if isinstance(raw, str) else ("", "", "")
    if not colon or door not in door_namespaces.DOORS:
        doors = ", ".join(door_namespaces.DOORS)
        raise AkaError(
            Code.SETTINGS_INVALID,
            f"a key of namespace_aliases is '<door>:<door namespace>' with a door among "
            f"{doors}; got {raw!r}",
            field=where,
        )
    return door_namespaces.key_of(door, _valid_namespace(normalize.namespace, name, where))


def _valid_namespace(check: Callable[[object, str], str], raw: object, where: str) -> str:
    """`check` (normalize.namespace)'s answer, its refusal as SETTINGS_INVALID."""
    try:
        return check(raw, where)
    except AkaError as exc:
        raise AkaError(
            Code.SETTINGS_INVALID, exc.message, field=exc.field, details=exc.details
        ) from None


def _rate_limits(current: dict[str, Rate], patch: Any) -> dict[str, Rate]:
    """JSON merge patch: a group's null removes its override, a null object removes all."""
    if patch is None:
        return {}
    merged = dict(current)
    patched = parse_limits_patch(patch, where="rate_limits", code=Code.SETTINGS_INVALID)
    for group, rate in patched.items():
        if rate is None:
            merged.pop(group, None)
        else:
            merged[group] = rate
    return merged


def _namespaces(current: dict[str, NamespaceRule], patch: Any) -> dict[str, NamespaceRule]:
    if not isinstance(patch, dict):
        raise AkaError(Code.SETTINGS_INVALID, "namespaces must be an object", field="namespaces")
    merged = dict(current)
    for name, rule_patch in patch.items():
        where = f"namespaces.{name}"
        if rule_patch is None:  # JSON merge patch: null removes the rule
            merged.pop(name, None)
            continue
        if not isinstance(rule_patch, dict):
            raise AkaError(Code.SETTINGS_INVALID, "a namespace rule must be an object", field=where)
        unknown = set(rule_patch) - {"normalization", "max_per_profile", "blocked_values"}
        if unknown:
            key = sorted(unknown)[0]
            raise AkaError(
                Code.SETTINGS_INVALID, f"unknown rule setting {key!r}", field=f"{where}.{key}"
            )
        rule = merged.get(name) or NamespaceRule()
        if "normalization" in rule_patch:
            norm = _enum(Normalization, rule_patch["normalization"], f"{where}.normalization")
            rule = replace(rule, normalization=norm)
        if "max_per_profile" in rule_patch:
            limit = rule_patch["max_per_profile"]
            if (
                not isinstance(limit, int)
                or isinstance(limit, bool)
                or not (1 <= limit <= MAX_PER_PROFILE_CEILING)
            ):
                raise AkaError(
                    Code.SETTINGS_INVALID,
                    f"max_per_profile must be a whole number from 1 to {MAX_PER_PROFILE_CEILING}",
                    field=f"{where}.max_per_profile",
                )
            rule = replace(rule, max_per_profile=limit)
        if "blocked_values" in rule_patch:
            raw = rule_patch["blocked_values"]
            blocked = None if raw is None else _strings(raw, f"{where}.blocked_values")
            rule = replace(rule, blocked_values=blocked)
        merged[name] = rule
    return merged


def _enum(enum: type[E], value: Any, where: str) -> E:
    try:
        return enum(value)
    except ValueError:
        allowed = ", ".join(repr(m.value) for m in enum)
        raise AkaError(Code.SETTINGS_INVALID, f"must be one of {allowed}", field=where) from None


def _strings(value: Any, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise AkaError(Code.SETTINGS_INVALID, "must be a list of strings", field=where)
    return tuple(value)


@functools.lru_cache(maxsize=256)
def _folded(values: tuple[str, ...]) -> frozenset[str]:
    # Asked once per identifier checked: at bulk-load rates the set is worth keeping.
    return frozenset(v.strip().casefold() for v in values)
