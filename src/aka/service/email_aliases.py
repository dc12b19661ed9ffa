"""Email users and their alias addresses (what the Mimecast door asks of the graph).

A user is a profile whose `email` identifier is `primary`; an alias is any other
`email` identifier of that profile. Addresses are always validated and normalised as
email (lower-case, IDNA domain), whatever the workspace's rule for `email` says.
`email` is where the door namespace `mimecast:address` is stored unless the workspace's
`namespace_aliases` maps it elsewhere (ADR 0027): `_stored` reads which.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from aka.core import normalize
from aka.core.door_namespaces import DoorNamespace
from aka.core.errors import AkaError, Code
from aka.core.model import Identifier, IdentifierKey
from aka.core.ports import GraphReads, Transaction
from aka.service import identities
from aka.service.identities import NewIdentifier
from aka.service.refs import ProfileRef

# Mimecast's addresses as a door namespace (stored in `email` unless mapped elsewhere).
ADDRESS: Final = DoorNamespace("mimecast", "address")
USERS_MAX: Final = 1000  # one answer of `internal_users`


@dataclass(frozen=True, slots=True)
class User:
    address: str
    profile_id: str


@dataclass(frozen=True, slots=True)
class Alias:
    alias: str
    alias_for: str
    domain: str
    internal: bool
    display_name: str


@dataclass(frozen=True, slots=True)
class Listed:
    address: str
    alias: bool  # not the profile's primary address


def address(raw: Any, field: str) -> str:
    """A normalised address; EMAIL_INVALID naming `field` otherwise."""
    if not isinstance(raw, str) or not raw.strip():
        raise AkaError(Code.EMAIL_INVALID, f"{field} must be an email address", field=field)
    return normalize.email(raw, field)


def _stored(tx: GraphReads) -> str:
    """The namespace this workspace stores Mimecast's addresses in."""
    return normalize.stored_namespace(ADDRESS, tx.settings())


def domain_of(email: str) -> str:
    return email.rpartition("@")[2]


def is_internal(tx: GraphReads, email: str) -> bool:
    return domain_of(email) in tx.settings().internal_domains


def create_user(tx: Transaction, raw_email: Any, name: Any = None, *, actor: str | None) -> User:
    """A new profile whose primary `email` identifier is the address (409 when taken)."""
    email = address(raw_email, "emailAddress")
    attributes: dict[str, Any] = {}
    if name is not None:
        if not isinstance(name, str):
            raise AkaError(Code.INVALID_INPUT, "name must be a string", field="name")
        attributes["name"] = name
    created = identities.create_profile(
        tx,
        identifiers=[NewIdentifier(ADDRESS, email, primary=True, attributes=attributes)],
        actor=actor,
    )
    return User(email, created.profile.id)


def add_alias(tx: Transaction, raw_alias_for: Any, raw_alias: Any, *, actor: str | None) -> Alias:
    """Link `alias` to the profile of `alias_for` (which must exist)."""
    alias_for = address(raw_alias_for, "aliasFor")
    alias = address(raw_alias, "alias")
    owner = tx.identifier(IdentifierKey(_stored(tx), alias_for))
    if owner is None:
        raise AkaError(
            Code.IDENTIFIER_NOT_FOUND, f"no user with address {alias_for}", field="aliasFor"
        )
    identities.link(
        tx,
        ProfileRef(namespace=ADDRESS, value=alias_for),
        NewIdentifier(ADDRESS, alias),
        actor=actor,
        field_prefix="alias",
    )
    name = _display_name(tx, owner)
    return Alias(alias, alias_for, domain_of(alias), is_internal(tx, alias), name)


def remove_alias(tx: Transaction, raw_alias: Any, *, actor: str | None) -> str:
    """Unlink an alias address; a user's primary address is not an alias and stays."""
    alias = address(raw_alias, "alias")
    found = tx.identifier(IdentifierKey(_stored(tx), alias))
    if found is None:
        raise AkaError(Code.IDENTIFIER_NOT_FOUND, f"no alias {alias}", field="alias")
    if found.primary:
        raise AkaError(
            Code.INVALID_INPUT,
            f"{alias} is a user's primary address, not an alias",
            field="alias",
        )
    identities.unlink(tx, ADDRESS, alias, actor=actor)
    return alias


def internal_users(tx: GraphReads, raw_domain: Any) -> list[Listed]:
    """Addresses in one domain (at most USERS_MAX), primary ones and aliases."""
    if not isinstance(raw_domain, str) or not raw_domain.strip():
        raise AkaError(Code.INVALID_INPUT, "domain is required", field="domain")
    domain = domain_of(address(f"user@{raw_domain.strip()}", "domain"))
    found = tx.identifiers_in_domain(_stored(tx), domain, USERS_MAX)
    return [Listed(i.value, not i.primary) for i in found]


def internal_domains(tx: GraphReads) -> tuple[str, ...]:
    return tx.settings().internal_domains


def _display_name(tx: GraphReads, owner: Identifier) -> str:
    namespace = _stored(tx)
    for ident in tx.identifiers_of(owner.profile_id):
        if ident.namespace == namespace and ident.primary:
            return str(ident.attributes.get("name", ""))
    return str(owner.attributes.get("name", ""))
