"""Door namespaces: the names a vendor door gives the namespaces it stores identifiers in.

A Coveo provider, a Braze alias label, Mimecast's addresses and Appizer's aliases,
emails and phones are each a *door namespace*. The workspace setting
`namespace_aliases` (`{"<door>:<door namespace>": "<stored namespace>"}`) maps one onto
the namespace the graph stores it in, so the same address written through two doors is
one identifier (ADR 0027). This module is the one reading of that mapping: every door
hands its namespace over as a `DoorNamespace`, and `normalize.identifier_key` /
`lookup_key` turn it into the stored one (`stored`); an answer in a door's own shape
names the door's namespace again (`door_name`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

# The doors whose namespaces may be mapped. The native API names stored namespaces
# themselves, so it has nothing to map.
DOORS: Final = ("appizer", "braze", "coveo", "mimecast")

# What a door namespace is stored as when `namespace_aliases` does not name it. Any
# door namespace not listed here is stored under its own name (a Coveo provider, a
# Braze alias label). Mimecast has no namespace on its wire: its addresses are `email`.
DEFAULTS: Final[Mapping[str, str]] = {
    "mimecast:address": "email",
    "appizer:alias": "alias",
    "appizer:email": "email",
    "appizer:phone": "phone",
}

MAX_ALIASES: Final = 100  # entries in `namespace_aliases`


@dataclass(frozen=True, slots=True)
class DoorNamespace:
    """A namespace as a door names it (`name`, raw: validated where it is normalised)."""

    door: str
    name: Any

    def __str__(self) -> str:
        # As the caller named it: messages (`identifier crm:42`) read as they always did.
        return str(self.name)


# A namespace as a caller hands it to `normalize`: a stored (native) one, or a door's.
RawNamespace = str | DoorNamespace


def key_of(door: str, name: str) -> str:
    """The `namespace_aliases` key of a door namespace."""
    return f"{door}:{name}"


def stored(aliases: Mapping[str, str], door: str, name: str) -> str:
    """The namespace the graph stores the door's namespace `name` in."""
    key = key_of(door, name)
    return aliases.get(key) or DEFAULTS.get(key) or name


def door_name(aliases: Mapping[str, str], door: str, namespace: str) -> str:
    """The door's own name for a stored namespace, for answers in the door's shape.

    The reverse of `stored`: the first door namespace (in key order) of this door
    mapped onto `namespace`, else the stored name itself. Several door namespaces may
    share one stored namespace; an answer can name only one of them.
    """
    prefix = f"{door}:"
    for key in sorted({**DEFAULTS, **aliases}):
        if key.startswith(prefix) and stored(aliases, door, key[len(prefix) :]) == namespace:
            return key[len(prefix) :]
    return namespace


def effective(aliases: Mapping[str, str]) -> dict[str, str]:
    """Every mapping in force: the defaults overlaid with the workspace's own."""
    return {**DEFAULTS, **aliases}


def changed_keys(before: Mapping[str, str], after: Mapping[str, str]) -> dict[str, tuple[str, str]]:
    """The door namespaces whose stored namespace differs: key -> (before, after)."""
    changed: dict[str, tuple[str, str]] = {}
    for key in sorted(set(before) | set(after)):
        door, _, name = key.partition(":")
        old, new = stored(before, door, name), stored(after, door, name)
        if old != new:
            changed[key] = (old, new)
    return changed
