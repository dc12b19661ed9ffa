"""A small world to write service specs in: people, merges and groups in one line each.

    world.person("email:ann@x.io", "device:d1")       # an anonymous profile
    world.person("email:bob@x.io", identified=True)   # a known person (fresh external id)
    world.merged(keep, gone)                          # the merge event's seq
    world.linked_many(pid, "device:d2", "crm:c1")     # several links, one event

Each helper runs in its own committed transaction, as a request would; tests call the
service under test inside `world.tx()`.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from typing import Any, TypeVar

from aka.core.model import Event, IdentifierKey, Kind, Profile
from aka.core.ports import Store, Transaction
from aka.service import groups, identities, links, merges
from aka.service.check import Violation, check_workspace
from aka.service.identities import NewIdentifier
from aka.service.links import LinkedMany
from aka.service.refs import ProfileRef

_serial = itertools.count(1)
T = TypeVar("T")


class _Undo(Exception):  # noqa: N818 - a signal, not an error
    """Raised to roll a transaction back."""


def ident(
    text: str, *, primary: bool = False, kind: Kind = Kind.USER, **attributes: Any
) -> NewIdentifier:
    """`"email:ann@x.io"` as a submitted identifier (namespace before the first colon)."""
    namespace, _, value = text.partition(":")
    return NewIdentifier(namespace, value, kind=kind, primary=primary, attributes=attributes)


def key(text: str) -> IdentifierKey:
    namespace, _, value = text.partition(":")
    return IdentifierKey(namespace, value)


def ref(profile_id: str) -> ProfileRef:
    return ProfileRef(profile_id=profile_id)


def by(text: str) -> ProfileRef:
    """A reference by identifier: `by("email:ann@x.io")`."""
    namespace, _, value = text.partition(":")
    return ProfileRef(namespace=namespace, value=value)


def fresh_external_id() -> str:
    return f"user-{next(_serial)}"


@dataclass
class World:
    store: Store
    workspace: str = "default"

    @contextmanager
    def tx(self, *, write: bool = True) -> Iterator[Transaction]:
        with self.store.transaction(self.workspace, write=write) as tx:
            yield tx

    # --- arranging ---------------------------------------------------------------
    def configure(self, patch: dict[str, Any]) -> None:
        """Apply a settings merge patch (`{"merge_policy": "auto"}`)."""
        with self.tx() as tx:
            tx.save_settings(tx.settings().updated(patch))

    def person(
        self,
        *identifiers: str | NewIdentifier,
        identified: bool = False,
        external_id: str | None = None,
        attributes: dict[str, Any] | None = None,
    ) -> str:
        """A new profile holding these identifiers; `identified=True` gives it an id."""
        if identified and external_id is None:
            external_id = fresh_external_id()
        items = [ident(i) if isinstance(i, str) else i for i in identifiers]
        with self.tx() as tx:
            created = identities.create_profile(
                tx, external_id=external_id, attributes=attributes, identifiers=items
            )
        return created.profile.id

    def linked_many(
        self, target: str, *identifiers: str | NewIdentifier, actor: str | None = None
    ) -> LinkedMany:
        """`links.link_many` of these identifiers onto profile `target`, committed."""
        items = [ident(i) if isinstance(i, str) else i for i in identifiers]
        with self.tx() as tx:
            return links.link_many(tx, ref(target), items, actor=actor)

    def merged(self, keep: str, gone: str, *, force: bool = False) -> int:
        with self.tx() as tx:
            return merges.merge(tx, ref(keep), ref(gone), force=force).merge_id

    def unmerged(self, merge_id: int) -> str:
        with self.tx() as tx:
            return merges.unmerge(tx, merge_id).profile.profile.id

    def member(self, group: str, member: str) -> None:
        with self.tx() as tx:
            groups.add_member(tx, ref(group), ref(member))

    def rolled_back(self, work: Callable[[Transaction], T]) -> T:
        """What `work` answers in a write transaction that is then rolled back: two ways
        of doing one thing, compared on the same graph."""
        answers: list[T] = []
        with suppress(_Undo), self.tx() as tx:
            answers.append(work(tx))
            raise _Undo
        return answers[0]

    # --- looking -----------------------------------------------------------------
    def owner(self, text: str) -> str | None:
        """The live profile holding this identifier (exact stored key), or None."""
        with self.tx(write=False) as tx:
            found = tx.identifier(key(text))
            return found.profile_id if found else None

    def profile(self, profile_id: str) -> Profile | None:
        """The profile as stored (live or tombstone), or None once deleted."""
        with self.tx(write=False) as tx:
            return tx.profile(profile_id)

    def stored(self, profile_id: str) -> Profile:
        """Like `profile`, for profiles the test knows still exist."""
        found = self.profile(profile_id)
        assert found is not None, f"profile {profile_id} is gone"
        return found

    def holds(self, profile_id: str) -> set[str]:
        """`{"email:ann@x.io", ...}`: what the profile holds now."""
        with self.tx(write=False) as tx:
            return {str(i.key) for i in tx.identifiers_of(profile_id)}

    def edges(self, profile_id: str) -> set[tuple[str, str]]:
        with self.tx(write=False) as tx:
            return {(e.group_id, e.member_id) for e in tx.memberships_touching(profile_id)}

    def events(self) -> list[Event]:
        with self.tx(write=False) as tx:
            return list(tx.all_events())

    def last_seq(self) -> int:
        events = self.events()
        return events[-1].seq if events else 0

    def violations(self) -> list[Violation]:
        with self.tx(write=False) as tx:
            return check_workspace(tx)
