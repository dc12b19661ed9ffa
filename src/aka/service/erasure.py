"""Deleting a profile: the graph forgets it, and the log forgets its personal data."""

from __future__ import annotations

from aka.core import events as ev
from aka.core.events import Change
from aka.core.ports import Transaction
from aka.core.redact import Redactor
from aka.service import refs
from aka.service.refs import ProfileRef


def delete_profile(tx: Transaction, ref: ProfileRef, *, actor: str | None = None) -> str:
    """Remove the profile, its tombstones, identifiers and memberships, and redact the
    identifier values, external ids and attributes in every event about them.
    Returns the deleted profile's id."""
    profile = refs.require(tx, ref)
    tombstones = tx.tombstones_of(profile.id)
    tx.lock_profiles(sorted([profile.id, *tombstones]))
    keys = [i.key for i in tx.identifiers_of(profile.id)]
    external_ids = [
        p.external_id
        for p in (tx.profile(pid) for pid in [profile.id, *tombstones])
        if p is not None and p.external_id is not None
    ]
    edges = tx.memberships_touching(profile.id)
    event = tx.append(
        Change(
            ev.PROFILE_DELETED,
            profile.id,
            {
                "tombstones": tombstones,
                "identifiers": ev.keys_json(keys),
                "external_ids": external_ids,
                "memberships": ev.edges_json([(e.group_id, e.member_id) for e in edges]),
            },
            actor,
        )
    )
    redactor = Redactor.for_deletion(event.seq, keys, external_ids)
    for old in tx.events_about([profile.id, *tombstones]):
        new_payload = redactor.payload(old)
        if new_payload is not None:
            tx.rewrite_payload(old.seq, new_payload)
    return profile.id
