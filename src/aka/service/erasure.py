"""Deleting a profile: the graph forgets it, and the log forgets its personal data."""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, datetime

from aka.core import events as ev
from aka.core.events import Change
from aka.core.model import Event, IdentifierKey
from aka.core.ports import Transaction
from aka.core.redact import Redactor, keys_held, keys_moved
from aka.core.scrub import Scrubber, attribute_strings
from aka.core.state import is_redacted
from aka.service import refs
from aka.service.refs import ProfileRef


def delete_profile(tx: Transaction, ref: ProfileRef, *, actor: str | None = None) -> str:
    """Remove the profile, its tombstones, identifiers and memberships, and redact the
    identifier values, external ids and attributes in every event about them.
    Returns the deleted profile's id."""
    profile = refs.require(tx, ref)
    tombstones = tx.tombstones_of(profile.id)
    family = {profile.id, *tombstones}
    tx.lock_profiles(sorted(family))
    keys = [i.key for i in tx.identifiers_of(profile.id)]
    external_ids = [
        p.external_id
        for p in (tx.profile(pid) for pid in [profile.id, *tombstones])
        if p is not None and p.external_id is not None
    ]
    edges = tx.memberships_touching(profile.id)
    # Values the profile held earlier (renamed away, unlinked) are its data too, unless
    # another profile holds them now.
    former = {
        key
        for old in tx.events_about(family)
        if old.profile_id in family
        for key in keys_held(old)
        if not is_redacted(key.value) and tx.identifier(key) is None and _not_taken(tx, key, family)
    }
    # Its external ids are erased in their deprecated form too (ADR 0024): another
    # profile renamed away from one earlier kept it as `aka:external_id`, and its events
    # name it so; nobody else holds it that way now (a deprecated id stays taken).
    as_deprecated = {
        k
        for k in (IdentifierKey(ev.EXTERNAL_IDS, x) for x in external_ids)
        if k not in keys and tx.identifier(k) is None
    }
    erased = set(keys) | former | as_deprecated
    # Its deprecated external ids (ADR 0024) are among `erased`: `for_deletion` erases
    # them as external ids too, wherever an event names them so.
    # Every other profile that ever held an erased value (before the person, say): its
    # events quote the value too. Read before the delete, which erases the history.
    earlier = tx.holders_ever(erased) - family
    event = tx.append(
        Change(
            ev.PROFILE_DELETED,
            profile.id,
            {
                "tombstones": tombstones,
                "identifiers": ev.keys_json(keys),
                "external_ids": external_ids,
                # Held before and by nobody now: erased from the identifier history too,
                # wherever they were held (ADR 0025).
                "erased": ev.keys_json(sorted((former | as_deprecated) - set(keys))),
                "memberships": ev.edges_json([(e.group_id, e.member_id) for e in edges]),
            },
            actor,
        )
    )
    redactor = Redactor.for_deletion(event.seq, sorted(erased), external_ids, family)
    attributes: set[str] = set()
    for old, about_deleted in _events_naming(tx, family, erased, earlier):
        if about_deleted:
            attributes |= attribute_strings([old])
        new_payload = redactor.payload(old, about_deleted=about_deleted)
        if new_payload is not None:
            tx.rewrite_payload(old.seq, new_payload)
    _erase_copies(tx, redactor, attributes, family)
    return profile.id


def _not_taken(tx: Transaction, key: IdentifierKey, family: Collection[str]) -> bool:
    """Whether no profile outside `family` holds, as its current external id, an
    external id the deleted profile was once renamed away from (removed since, and free
    for anyone to take)."""
    if key.namespace != ev.EXTERNAL_IDS:
        return True
    holder = tx.profile_by_external_id(key.value)
    return holder is None or holder.id in family


def _erase_copies(
    tx: Transaction, redactor: Redactor, attributes: set[str], family: Collection[str]
) -> None:
    """What other records keep of the person's values: a vendor door's memory of these
    identities (Coveo's last orderingId and granted groups), answers stored for an
    `Idempotency-Key`, jobs' per-item errors, and uploads nothing will apply any more."""
    tx.push_records.forget(redactor.keys)
    values = {key.value: placeholder for key, placeholder in redactor.keys.items()}
    values.update(redactor.external_ids)
    scrubber = Scrubber.for_deletion(redactor.delete_seq, values, attributes, family)
    now = datetime.now(UTC)
    tx.answers.purge(now)
    tx.answers.scrub(scrubber)
    tx.jobs.scrub(scrubber)
    tx.files.purge(now)


def _events_naming(
    tx: Transaction,
    family: Collection[str],
    erased: set[IdentifierKey],
    earlier: Collection[str] = (),
) -> list[tuple[Event, bool]]:
    """The events about the deleted profiles, plus those of every other profile that
    held an erased identifier (`earlier`, from the identifier history) or that a merge
    or unmerge carried one to or from (transitively), each with whether it is about the
    deleted profiles.

    A value replaced in one event of an identifier's life must be replaced in all of
    them: an identifier linked on a profile that lives on and moved onto the deleted one
    would otherwise replay as never having moved, and survive the deletion (invariant 4).
    """
    holders = {*family, *earlier}
    frontier = set(holders)
    found: dict[int, Event] = {}
    while frontier:
        reached: set[str] = set()
        for old in tx.events_about(frontier):
            found[old.seq] = old
            if keys_moved(old) & erased:
                reached |= {old.payload["keep"], old.payload["merge"]} - holders
        holders |= reached
        frontier = reached
    return [(old, _about(old, family)) for _, old in sorted(found.items())]


def _about(event: Event, family: Collection[str]) -> bool:
    other = event.payload.get("merge") or event.payload.get("member_id")
    return event.profile_id in family or other in family
