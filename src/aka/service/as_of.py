"""Resolve as of any moment (ADR 0025): who held an identifier or an external id after a
given event, and a profile as it was then.

A moment is an event: `as_of_seq` names it, `as_of` (a time) means the last event at
or before that time. The identifiers come from the identifier history the engine keeps
with every event (`GraphHistory`); a profile's own fields are folded from the events
about it (`core.history.profile_at`). What erasure removed is never answered.
"""

from __future__ import annotations

from datetime import UTC, datetime

from aka.core import events as ev
from aka.core import history, normalize
from aka.core.errors import AkaError, Code
from aka.core.model import IdentifierKey, Profile, ResolvedProfile
from aka.core.ports import ReadView
from aka.service import queries, refs
from aka.service.refs import ProfileRef


def moment(tx: ReadView, at: datetime | None, seq: int | None) -> int | None:
    """The event a request's `as_of` / `as_of_seq` names, or None for now."""
    if at is not None and seq is not None:
        raise AkaError(Code.INVALID_INPUT, "give as_of or as_of_seq, not both", field="as_of_seq")
    if seq is not None:
        if seq < 0:
            raise AkaError(Code.INVALID_INPUT, "as_of_seq must be 0 or more", field="as_of_seq")
        return seq
    if at is not None:
        if at.tzinfo is None:
            raise AkaError(
                Code.INVALID_INPUT,
                "as_of must be an RFC 3339 time with an offset (e.g. 2026-11-30T12:00:00Z)",
                field="as_of",
            )
        try:
            utc = at.astimezone(UTC)
        except OverflowError:
            # Before 0001-01-01 or after 9999-12-31 in UTC: before every event, or
            # after the last one (now).
            return 0 if at.year == 1 else None
        return tx.seq_at(utc)
    return None


def asked(at: datetime | None, seq: int | None) -> bool:
    """Whether a read names a moment: then it makes several statements (the moment's
    event, the identifier then, the profile's events, its identifiers then)."""
    return at is not None or seq is not None


def get_then(
    tx: ReadView, ref: ProfileRef, at: datetime | None, seq: int | None, field: str = "profile"
) -> ResolvedProfile:
    """`queries.get` now, or `get_as_of` the moment `as_of` / `as_of_seq` name."""
    then = moment(tx, at, seq)
    return queries.get(tx, ref, field) if then is None else get_as_of(tx, ref, then, field)


def get_as_of(tx: ReadView, ref: ProfileRef, seq: int, field: str = "profile") -> ResolvedProfile:
    """The live profile `ref` pointed at just after event `seq`, as it was then; a
    PROFILE_NOT_FOUND naming `field` when nobody held the identifier or the external id
    then, the profile did not exist yet, or it was erased since."""
    found = _find(tx, ref, seq, field)
    if found is None:
        raise AkaError(
            Code.PROFILE_NOT_FOUND,
            f"no profile found for {ref.describe()} as of event {seq}",
            field=field,
        )
    return history.visible(ResolvedProfile(found, tuple(tx.identifiers_at(found.id, seq))))


def _find(tx: ReadView, ref: ProfileRef, seq: int, field: str) -> Profile | None:
    refs.check_form(ref, field)
    if ref.profile_id is not None:
        return _live_at(tx, ref.profile_id, seq)
    if ref.external_id is not None:
        return _external_id_at(tx, ref.external_id, seq)
    key = normalize.lookup_key(ref.namespace, ref.value, tx.settings(), field=field)
    held = tx.identifier_at(key, seq)
    return None if held is None else _live_at(tx, held.profile_id, seq)


def _live_at(tx: ReadView, profile_id: str, seq: int) -> Profile | None:
    """The profile as it was after `seq`, forwarded to the one it was merged into then;
    None if it did not exist then or was erased since (only erasure removes a profile
    row, so a profile that has none now was erased)."""
    for _ in range(history.MAX_HOPS):
        if tx.profile(profile_id) is None:
            return None
        then = history.profile_at(profile_id, tx.profile_events(profile_id, seq), seq)
        if then is None or then.merged_into is None:
            return then
        profile_id = then.merged_into
    return None


def _external_id_at(tx: ReadView, external_id: str, seq: int) -> Profile | None:
    """The profile holding `external_id` after `seq`: as its external id then, else as
    a deprecated one (an id it was renamed away from, ADR 0024), the order
    `refs.by_external_id` looks in now."""
    deprecated = IdentifierKey(ev.EXTERNAL_IDS, external_id)
    current = tx.profile_by_external_id(external_id)
    start = ({current.id} if current is not None else set()) | tx.holders_ever([deprecated])
    found = _holder_at(tx, external_id, start, seq)
    if found is not None:
        return found
    held = tx.identifier_at(deprecated, seq)
    return None if held is None else _live_at(tx, held.profile_id, seq)


def _holder_at(tx: ReadView, external_id: str, start: set[str], seq: int) -> Profile | None:
    """The profile whose external id was `external_id` after `seq`. An external id moves
    between the two profiles of a merge or an unmerge, or is renamed away (and kept as a
    deprecated identifier): so it is looked for at its holders now (`start`: its current
    holder, and every profile that ever kept it as deprecated), then at each profile a
    merge or an unmerge carried it to or from."""
    seen, todo = set(start), sorted(start)
    while todo and len(seen) <= history.MAX_HOPS:
        profile_id = todo.pop()
        about = tx.events_about([profile_id])  # moves after `seq` lead back too
        then = history.profile_at(profile_id, about, seq)
        if then is not None and then.external_id == external_id:
            return _live_at(tx, profile_id, seq)
        for other in sorted(history.external_id_moves(external_id, about) - seen):
            seen.add(other)
            todo.append(other)
    return None
