"""Import and export of a workspace's graph: the record formats, the upsert rule, and
the export stream (docs/import-export.md is the user's side of this module).

An import is a stream of records, each applied by `upsert` so that applying it again
changes nothing: that is what makes an interrupted import safe to simply re-run. An
export is the live graph written as the same records, profiles first (id order), then
memberships, so importing it into an empty workspace reproduces the graph.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from enum import StrEnum
from typing import Any, Final, Literal

import msgspec

from aka.core import normalize
from aka.core.errors import AkaError, Code
from aka.core.events import EXTERNAL_IDS
from aka.core.model import Identifier, IdentifierKey, Kind, Membership, Profile
from aka.core.ports import Transaction
from aka.service import groups, identities, links, refs, renames
from aka.service.attributes import check_attributes
from aka.service.identities import NewIdentifier
from aka.service.new_profiles import (
    checked_keys,
    checked_profile_id,
    external_id_taken,
    identifier_taken,
)
from aka.service.refs import ProfileRef

# Export reads this many profiles per page: one `IN` query fetches their identifiers.
EXPORT_PAGE: Final = 500


# --- records ------------------------------------------------------------------------


class IdentifierRecord(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """One identifier of a profile record, as the file gives it (not yet normalised)."""

    namespace: str
    value: str
    kind: Kind = Kind.USER
    primary: bool = False
    disabled: bool = False
    attributes: dict[str, Any] = msgspec.field(default_factory=dict)
    # A name the profile was renamed away from (ADR 0024): an item in `aka:external_id`
    # is reproduced by renames; any other is linked, then marked deprecated.
    deprecated: bool = False


class ProfileRecord(msgspec.Struct, frozen=True, kw_only=True):
    """A profile line (or one CSV row). `id` is already checked and lower-cased."""

    id: str | None = None
    external_id: str | None = None
    attributes: dict[str, Any] = msgspec.field(default_factory=dict)
    identifiers: tuple[IdentifierRecord, ...] = ()


class MembershipRecord(msgspec.Struct, frozen=True):
    """`member` belongs to `group` (both profile ids; merged-away ids forward)."""

    group: str
    member: str


Record = ProfileRecord | MembershipRecord


class Action(StrEnum):
    CREATED = "created"  # a new profile
    LINKED = "linked"  # an existing profile gained something, or a new membership edge
    UNCHANGED = "unchanged"  # everything the record says was already there


class Outcome(msgspec.Struct, frozen=True):
    """What one record did. `profile_id` is the live profile it landed on (the group,
    for a membership, with `member_id` the member)."""

    action: Action
    profile_id: str
    member_id: str | None = None


# --- parsing ------------------------------------------------------------------------


class _Line(msgspec.Struct, forbid_unknown_fields=True):
    """Every field either kind of line may carry; which ones may appear together is
    checked after decoding, where the error can say so plainly."""

    type: Literal["profile", "membership"] = "profile"
    id: str | None = None
    external_id: str | None = None
    attributes: dict[str, Any] | None = None
    identifiers: list[IdentifierRecord] | None = None
    group: str | None = None
    member: str | None = None


_line_decoder = msgspec.json.Decoder(_Line)
_PROFILE_ONLY: Final = ("id", "external_id", "attributes", "identifiers")


def parse_line(raw: bytes | str) -> Record:
    """One JSONL line as a record, or an AkaError naming the field at fault."""
    try:
        line = _line_decoder.decode(raw)
    except msgspec.ValidationError as err:
        raise _decode_error(err) from None
    except msgspec.DecodeError as err:
        raise AkaError(Code.INVALID_INPUT, f"the line is not valid JSON: {err}") from None
    return _record(line)


def parse_object(obj: Any) -> Record:
    """An already decoded JSON object (a dict) as a record, as `parse_line` reads one."""
    try:
        line = msgspec.convert(obj, _Line)
    except msgspec.ValidationError as err:
        raise _decode_error(err) from None
    return _record(line)


def _record(line: _Line) -> Record:
    if line.type == "membership":
        for name in _PROFILE_ONLY:
            if getattr(line, name) is not None:
                raise AkaError(
                    Code.INVALID_INPUT,
                    f"{name} does not belong on a membership line (only group and member)",
                    field=name,
                )
        for name in ("group", "member"):
            if getattr(line, name) is None:
                raise AkaError(
                    Code.INVALID_INPUT, f"{name} is required on a membership line", field=name
                )
        assert line.group is not None
        assert line.member is not None
        return MembershipRecord(
            checked_profile_id(line.group, "group"), checked_profile_id(line.member, "member")
        )
    for name in ("group", "member"):
        if getattr(line, name) is not None:
            raise AkaError(
                Code.INVALID_INPUT,
                f'{name} belongs on a membership line ("type": "membership")',
                field=name,
            )
    return ProfileRecord(
        id=checked_profile_id(line.id, "id") if line.id is not None else None,
        external_id=line.external_id,
        attributes=line.attributes or {},
        identifiers=tuple(line.identifiers or ()),
    )


_AT: Final = re.compile(r" - at `\$(?P<path>[^`]*)`$")
_NAMED: Final = re.compile(r"(?P<what>unknown|missing required) field `(?P<name>[^`]*)`")


def _decode_error(err: msgspec.ValidationError) -> AkaError:
    """msgspec's "Expected `str`, got `int` - at `$.identifiers[0].value`" as an error
    whose field is `identifiers[0].value`."""
    text = str(err)
    at = _AT.search(text)
    path = at["path"].lstrip(".") if at else ""
    reason = text[: at.start()] if at else text
    named = _NAMED.search(reason)
    if named is not None:
        field = f"{path}.{named['name']}" if path else named["name"]
        if named["what"] == "unknown":
            return AkaError(Code.INVALID_INPUT, f"unknown field {field!r}", field=field)
        return AkaError(Code.INVALID_INPUT, f"{field} is required", field=field)
    reason = reason.replace("`", "")
    reason = reason[:1].lower() + reason[1:]
    if not path:
        return AkaError(Code.INVALID_INPUT, f"the line {reason}")
    return AkaError(Code.INVALID_INPUT, f"{path}: {reason}", field=path)


CSV_REQUIRED: Final = ("namespace", "value")
CSV_OPTIONAL: Final = ("id", "external_id", "kind", "primary")
_TRUE: Final = frozenset({"true", "1", "yes"})
_FALSE: Final = frozenset({"false", "0", "no", ""})


def check_csv_header(columns: Sequence[str]) -> None:
    """The header row: `namespace` and `value`, optionally the others; nothing unknown."""
    known = CSV_REQUIRED + CSV_OPTIONAL
    seen: set[str] = set()
    for column in columns:
        if column not in known:
            raise AkaError(
                Code.INVALID_INPUT,
                f"unknown CSV column {column!r}; the columns are {', '.join(known)}",
                field="header",
            )
        if column in seen:
            raise AkaError(
                Code.INVALID_INPUT, f"CSV column {column!r} appears twice", field="header"
            )
        seen.add(column)
    missing = [c for c in CSV_REQUIRED if c not in seen]
    if missing:
        raise AkaError(
            Code.INVALID_INPUT,
            f"the CSV header lacks the required column(s) {', '.join(missing)}",
            field="header",
        )


def parse_csv_row(row: Mapping[str, str]) -> ProfileRecord:
    """One CSV row (column -> cell, the header checked) as a profile record holding one
    identifier. An empty optional cell is the same as no column."""
    kind_cell = row.get("kind", "")
    try:
        kind = Kind(kind_cell) if kind_cell else Kind.USER
    except ValueError:
        raise AkaError(
            Code.INVALID_INPUT,
            f"kind must be one of {', '.join(k.value for k in Kind)}; got {kind_cell!r}",
            field="kind",
        ) from None
    primary_cell = row.get("primary", "").strip().lower()
    if primary_cell not in _TRUE | _FALSE:
        raise AkaError(
            Code.INVALID_INPUT,
            f"primary must be true or false (or 1/0, yes/no, empty); got {row['primary']!r}",
            field="primary",
        )
    profile_id = row.get("id", "")
    external_id = row.get("external_id", "")
    return ProfileRecord(
        id=checked_profile_id(profile_id, "id") if profile_id else None,
        external_id=external_id or None,
        identifiers=(
            IdentifierRecord(
                row["namespace"], row["value"], kind=kind, primary=primary_cell in _TRUE
            ),
        ),
    )


def csv_column(field: str | None) -> str | None:
    """The CSV column an error's field points at: a row's one identifier is
    `identifiers[0]`, whose `namespace` and `value` are columns of their own."""
    if field is None or not field.startswith("identifiers"):
        return field
    rest = field.removeprefix("identifiers").removeprefix("[0]").removeprefix(".")
    return rest if rest in CSV_REQUIRED else "value"


# --- applying records -----------------------------------------------------------------


def upsert(tx: Transaction, record: Record, *, actor: str | None = None) -> Outcome:
    """Make the graph hold what the record says; applying it again changes nothing.

    Checks run in a fixed order, and everything is checked before anything is written:
    1. the record alone (external id, attributes, each identifier, no repeats, and
       something to find it again by);
    2. the target: the profile `id` names (forwarded if merged away; created with that
       id if unknown), else the one holding `external_id`, else the one owner of the
       identifiers that exist (two owners: refused), else none (the record creates);
    3. `external_id` held by a profile other than the target, or the target already
       identified differently: refused;
    4. an identifier owned by a profile other than the target: refused (no merges);
    5. namespace limits for the identifiers the target will gain.
    Then: create the profile (attributes only then), or give the target its external id
    if it has none and link what it lacks; newly linked identifiers keep their kind,
    primary flag, attributes and disabled flag. Identifiers already held stay as they are.
    """
    if isinstance(record, MembershipRecord):
        return _add_membership(tx, record, actor)
    # Parsed records carry checked ids already; one built in code may not.
    profile_id = checked_profile_id(record.id, "id") if record.id is not None else None
    settings = tx.settings()
    ext = normalize.external_id(record.external_id) if record.external_id is not None else None
    attrs = check_attributes(record.attributes, "attributes")
    # Items in `aka:external_id` are ids the profile was renamed away from (ADR 0024):
    # not linked, but reproduced by renames. `at[n]`: where item n of the rest is.
    at = [n for n, item in enumerate(record.identifiers) if item.namespace != EXTERNAL_IDS]
    items = [record.identifiers[n] for n in at]
    olds = _renamed_away(record, ext)
    keys = _at_record(at, lambda: checked_keys(settings, items))
    if profile_id is None and ext is None and not keys:
        raise AkaError(
            Code.INVALID_INPUT,
            "a profile record needs an id, an external_id or an identifier: without one, "
            "every run would create another empty profile",
            field="identifiers",
        )
    held = [tx.identifier(key) for key in keys]
    target = _target(tx, profile_id, ext, held)
    holder = refs.by_external_id(tx, ext) if ext is not None else None
    _check_external_id(ext, holder, target, profile_id)
    for n, (key, found) in enumerate(zip(keys, held, strict=True)):
        if found is not None and (target is None or found.profile_id != target.id):
            raise identifier_taken(
                key, found.profile_id, f"identifiers[{at[n]}]", "; an import never merges profiles"
            )
    new = [n for n, found in enumerate(held) if found is None]
    _check_namespace_limits(tx, target, [keys[n] for n in new], [at[n] for n in new])
    olds = [(n, old) for n, old in olds if _renamed_away_free(tx, target, n, old)]

    if target is None:
        made = identities.create_profile(
            tx,
            profile_id=profile_id,
            external_id=ext,
            attributes=attrs,
            identifiers=[_new(keys[n], items[n]) for n in range(len(keys))],
            actor=actor,
        )
        _disable(tx, keys, items, range(len(keys)), actor)
        _keep_renamed_away(tx, made.profile.id, olds, actor)
        return Outcome(Action.CREATED, made.profile.id)
    changed = False
    if ext is not None and holder is None:
        identities.identify(tx, ProfileRef.by_id(target.id), ext, actor=actor)
        changed = True
    if new:
        # What the record adds to a known profile is one event (ADR 0012); everything
        # was checked above, so a refusal here is raised as a single link's would be.
        linking = [_new(keys[n], items[n]) for n in new]
        fields = [f"identifiers[{at[n]}]" for n in new]
        done = links.link_many(tx, ProfileRef.by_id(target.id), linking, actor=actor, fields=fields)
        for outcome in done.items:
            if isinstance(outcome, AkaError):
                raise outcome
        changed = True
    _disable(tx, keys, items, new, actor)
    changed = _keep_renamed_away(tx, target.id, olds, actor) or changed
    return Outcome(Action.LINKED if changed else Action.UNCHANGED, target.id)


def _at_record(at: Sequence[int], check: Callable[[], list[IdentifierKey]]) -> list[IdentifierKey]:
    """`check()` of the items that are not renamed-away ids, its refusal naming the
    item's place in the record (`identifiers[n]`), not in that shorter list."""
    try:
        return check()
    except AkaError as error:

        def place(match: re.Match[str]) -> str:
            return f"identifiers[{at[int(match[1])]}]"

        raise AkaError(
            error.code,
            _ITEM.sub(place, error.message),
            field=_ITEM.sub(place, error.field) if error.field else None,
            details=error.details,
        ) from None


_ITEM: Final = re.compile(r"identifiers\[(\d+)\]")


def _renamed_away(record: ProfileRecord, ext: str | None) -> list[tuple[int, str]]:
    """The record's ids its profile was renamed away from (export writes them as
    deprecated identifiers in `aka:external_id`), each with its place; they need the
    record's current `external_id`."""
    olds: list[tuple[int, str]] = []
    for n, item in enumerate(record.identifiers):
        if item.namespace != EXTERNAL_IDS:
            continue
        where = f"identifiers[{n}]"
        if not item.deprecated or ext is None:
            raise AkaError(
                Code.NAMESPACE_INVALID,
                f"{where}: namespace {EXTERNAL_IDS!r} holds only deprecated external ids "
                "(`deprecated: true`), of a record with an `external_id`",
                field=f"{where}.namespace",
            )
        old = normalize.external_id(item.value, f"{where}.value")
        if old == ext:
            raise AkaError(
                Code.INVALID_INPUT,
                f"{where}.value is the record's current external_id",
                field=f"{where}.value",
            )
        olds.append((n, old))
    return olds


def _renamed_away_free(tx: Transaction, target: Profile | None, n: int, old: str) -> bool:
    """Whether the target still lacks `old` as a deprecated id; refused when another
    profile holds it (an import never merges)."""
    holder = refs.by_external_id(tx, old)
    if holder is None:
        return True
    if target is not None and holder.id == target.id:
        return holder.external_id == old  # its current id: the record renames it away
    raise external_id_taken(
        old, holder.id, deprecated=holder.external_id != old, field=f"identifiers[{n}].value"
    )


def _keep_renamed_away(
    tx: Transaction, profile_id: str, olds: Sequence[tuple[int, str]], actor: str | None
) -> bool:
    for _, old in olds:
        renames.keep_as_renamed_away(tx, profile_id, old, actor=actor)
    return bool(olds)


def _target(
    tx: Transaction, profile_id: str | None, ext: str | None, held: list[Identifier | None]
) -> Profile | None:
    if profile_id is not None:
        # An id that names no profile names the profile to create: nothing else is
        # looked at, so the file's ids are the ids the graph ends up with.
        return refs.forward(tx, tx.profile(profile_id))
    if ext is not None and (holder := refs.by_external_id(tx, ext)) is not None:
        return holder
    owners = sorted({found.profile_id for found in held if found is not None})
    if len(owners) > 1:
        raise AkaError(
            Code.IDENTIFIER_CONFLICT,
            f"the identifiers belong to different profiles ({', '.join(owners)}); "
            "an import never merges profiles",
            field="identifiers",
            details={"owners": owners},
        )
    return tx.profile(owners[0]) if owners else None


def _check_external_id(
    ext: str | None, holder: Profile | None, target: Profile | None, profile_id: str | None
) -> None:
    if ext is None:
        return
    if holder is not None and (target is None or holder.id != target.id):
        named = f"id {profile_id} names " + ("no profile yet" if target is None else target.id)
        raise AkaError(
            Code.EXTERNAL_ID_CONFLICT,
            f"external_id {ext!r} belongs to profile {holder.id}, but {named}",
            field="external_id",
            details={"owner": holder.id},
        )
    if holder is None and target is not None and target.external_id is not None:
        raise AkaError(
            Code.ALREADY_IDENTIFIED,
            f"profile {target.id} is already identified as {target.external_id!r}",
            field="external_id",
            details={"profile_id": target.id},
        )


def _check_namespace_limits(
    tx: Transaction, target: Profile | None, keys: list[IdentifierKey], positions: list[int]
) -> None:
    settings = tx.settings()
    have: dict[str, int] = {}
    adding: Counter[str] = Counter()
    for key, n in zip(keys, positions, strict=True):
        namespace = key.namespace
        if namespace not in have:
            have[namespace] = tx.count_in_namespace(target.id, namespace) if target else 0
        adding[namespace] += 1
        limit = settings.rule_for(namespace).max_per_profile
        if (count := have[namespace] + adding[namespace]) > limit:
            raise AkaError(
                Code.NAMESPACE_LIMIT,
                f"a profile may hold at most {limit} identifiers in namespace "
                f"{namespace!r}; identifiers[{n}] would be number {count}",
                field=f"identifiers[{n}].namespace",
                details={"namespace": namespace, "limit": limit},
            )


def _new(key: IdentifierKey, item: IdentifierRecord) -> NewIdentifier:
    return NewIdentifier(key.namespace, key.value, item.kind, item.primary, item.attributes)


def _disable(
    tx: Transaction,
    keys: list[IdentifierKey],
    items: Sequence[IdentifierRecord],
    positions: Sequence[int],
    actor: str | None,
) -> None:
    """Reproduce the disabled flag of the identifiers just linked (as a Coveo delete
    leaves an identity: kept, granting nothing), and the deprecated one (a Braze alias
    kept on update)."""
    for n in positions:
        item = items[n]
        if item.disabled or item.deprecated:
            identities.update_identifier(
                tx,
                keys[n].namespace,
                keys[n].value,
                disabled=True if item.disabled else None,
                deprecated=True if item.deprecated else None,
                actor=actor,
            )


def _add_membership(tx: Transaction, record: MembershipRecord, actor: str | None) -> Outcome:
    group, member = (
        checked_profile_id(record.group, "group"),
        checked_profile_id(record.member, "member"),
    )
    edge, created = groups.add_member(
        tx, ProfileRef.by_id(group), ProfileRef.by_id(member), actor=actor
    )
    return Outcome(
        Action.LINKED if created else Action.UNCHANGED, edge.group_id, member_id=edge.member_id
    )


# --- export -------------------------------------------------------------------------


def export_lines(tx: Transaction, *, page_size: int = EXPORT_PAGE) -> Iterator[dict[str, Any]]:
    """The workspace's live graph as import lines: every live profile with its
    identifiers (id order, `page_size` per page), then every membership.

    Run it inside one read transaction: the whole export is then one snapshot, so a
    merge committing meanwhile cannot show an identifier twice or not at all. Not
    exported: the event log (history), merged-away ids, workspace settings.
    """
    after: str | None = None
    while page := tx.profiles_page(after, page_size):
        held: dict[str, list[Identifier]] = {p.id: [] for p in page}
        for ident in tx.identifiers_of_many(list(held)):
            held[ident.profile_id].append(ident)
        for profile in page:
            yield profile_line(profile, held[profile.id])
        after = page[-1].id
    edge: tuple[str, str] | None = None
    while edges := tx.memberships_page(edge, page_size):
        for membership in edges:
            yield membership_line(membership)
        edge = (edges[-1].group_id, edges[-1].member_id)


def profile_line(profile: Profile, held: Sequence[Identifier]) -> dict[str, Any]:
    """A profile as an import line; fields at their default are left out."""
    line: dict[str, Any] = {"id": profile.id}
    if profile.external_id is not None:
        line["external_id"] = profile.external_id
    if profile.attributes:
        line["attributes"] = profile.attributes
    line["identifiers"] = [_identifier_line(i) for i in held]
    return line


def _identifier_line(ident: Identifier) -> dict[str, Any]:
    item: dict[str, Any] = {"namespace": ident.namespace, "value": ident.value}
    if ident.kind is not Kind.USER:
        item["kind"] = ident.kind.value
    if ident.primary:
        item["primary"] = True
    if ident.disabled:
        item["disabled"] = True
    if ident.deprecated:
        item["deprecated"] = True
    if ident.attributes:
        item["attributes"] = ident.attributes
    return item


def membership_line(edge: Membership) -> dict[str, Any]:
    return {"type": "membership", "group": edge.group_id, "member": edge.member_id}
