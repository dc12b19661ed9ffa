"""Changing `namespace_aliases`: refused over data, or carried out by a namespace merge.

A door namespace (`coveo:Email Security Provider`) is stored in one namespace; mapping
it onto another while the first holds identifiers would leave them behind, where the
door no longer looks. So a settings change that moves a door namespace whose stored
namespace holds identifiers is refused (`check_change`), and `merge` (what
`aka namespaces merge` runs) sets the mapping and carries every identifier of the old
namespace over to the new one in the engine: each one linked under the new namespace
(normalised by its rule) by the rule of any link, then unlinked from the old, so the
event log says what happened and `aka check` replays it (ADR 0027).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Final

from aka.core import door_namespaces
from aka.core.errors import AkaError, Code
from aka.core.model import Identifier, IdentifierKey
from aka.core.ports import GraphPages, Store, Transaction
from aka.core.settings import WorkspaceSettings, alias_key
from aka.service import identities
from aka.service.batch import attempt
from aka.service.links import LinkOutcome
from aka.service.new_profiles import NewIdentifier
from aka.service.refs import ProfileRef

SETTING: Final = "namespace_aliases"
COMMAND: Final = "aka namespaces merge"
_PAGE: Final = 500  # identifiers read at a time from the namespace being emptied


def holds_identifiers(tx: GraphPages, namespace: str) -> bool:
    """Whether any identifier of the workspace is in `namespace`."""
    page = tx.identifiers_page(IdentifierKey(namespace, ""), 1)
    return bool(page) and page[0].namespace == namespace


def check_change(tx: GraphPages, before: WorkspaceSettings, after: WorkspaceSettings) -> None:
    """Refuse new settings whose `namespace_aliases` would store a door namespace
    elsewhere while the namespace it is stored in now holds identifiers."""
    changed = door_namespaces.changed_keys(before.namespace_aliases, after.namespace_aliases)
    for key, (old, new) in changed.items():
        if holds_identifiers(tx, old):
            raise AkaError(
                Code.NAMESPACE_ALIASES_IN_USE,
                f"{SETTING}: {key!r} is stored in namespace {old!r}, which holds "
                f"identifiers; mapping it onto {new!r} would leave them behind. Run "
                f"`{COMMAND} {key!r} {new!r}` to carry them over (with --dry-run first).",
                field=f"{SETTING}.{key}",
                details={"door_namespace": key, "from": old, "to": new, "command": COMMAND},
            )


def update_settings(tx: Transaction, patch: dict[str, Any]) -> WorkspaceSettings:
    """Apply a settings patch (JSON merge patch), refused when it would strand
    identifiers (`check_change`); the new settings."""
    before = tx.settings()
    after = before.updated(patch)
    check_change(tx, before, after)
    tx.save_settings(after)
    return after


@dataclass(frozen=True, slots=True)
class Carried:
    """One identifier carried over: from `old` to `new`, on the profile holding it now.
    `outcome`: LINKED (new under the target), EXISTING (the profile held it there
    already), MERGED (another profile held it: merged, `merge_id` the merge's event)."""

    old: IdentifierKey
    new: IdentifierKey
    profile_id: str
    outcome: LinkOutcome
    merge_id: int | None = None


@dataclass(frozen=True, slots=True)
class Refused:
    key: IdentifierKey
    error: AkaError


@dataclass(slots=True)
class MergeReport:
    """What a namespace merge did (or, rolled back, would do)."""

    door_namespace: str
    source: str  # the namespace the door namespace was stored in
    target: str
    carried: list[Carried] = field(default_factory=list)
    refused: list[Refused] = field(default_factory=list)
    events: list[tuple[int, str]] = field(default_factory=list)  # (seq, type) written
    written: bool = False  # committed (not a preview, no refusal)

    @property
    def merges(self) -> list[Carried]:
        return [c for c in self.carried if c.outcome is LinkOutcome.MERGED]

    def to_json(self) -> dict[str, Any]:
        return {
            "written": self.written,
            "door_namespace": self.door_namespace,
            "from": self.source,
            "to": self.target,
            "carried": [
                {
                    "from": str(c.old),
                    "to": str(c.new),
                    "profile_id": c.profile_id,
                    "outcome": c.outcome.value,
                    **({"merge_id": c.merge_id} if c.merge_id is not None else {}),
                }
                for c in self.carried
            ],
            "merged_profiles": len(self.merges),
            "refused": [
                {"identifier": str(r.key), "code": r.error.code.value, "message": r.error.message}
                for r in self.refused
            ],
            "events": [{"seq": seq, "type": kind} for seq, kind in self.events],
        }


class _RollBack(Exception):  # noqa: N818 - not an error: how a preview leaves nothing
    def __init__(self, report: MergeReport) -> None:
        super().__init__("rolled back")
        self.report = report


def merge_namespaces(
    store: Store,
    workspace_id: str,
    door_namespace: Any,
    target: Any,
    *,
    dry_run: bool = False,
    actor: str | None = None,
) -> MergeReport:
    """`merge` in a write transaction of its own, committed only when it refused
    nothing and is not a `dry_run`: else rolled back, so a preview runs every rule and
    guardrail and leaves nothing behind (graph, log, settings, push records)."""
    try:
        with store.transaction(workspace_id) as tx:
            report = merge(tx, door_namespace, target, actor=actor)
            if dry_run or report.refused:
                raise _RollBack(report)
    except _RollBack as rolled:
        return rolled.report
    report.written = True
    return report


def merge(tx: Transaction, door_namespace: Any, target: Any, *, actor: str | None) -> MergeReport:
    """Map `door_namespace` (`"<door>:<name>"`) onto the namespace `target` and carry
    every identifier of the namespace it was stored in over to `target`.

    Each identifier is linked under `target` to the profile holding it, by the rule of
    any link: a profile holding the same address there already is merged in as the
    workspace's merge policy allows (the existing merge and its guardrails), else the
    identifier is refused. The old one is then unlinked. Kind, primary flag, disabled
    flag, attributes and the Coveo push record go along. The report lists every
    refusal; the caller commits only a report without any (all or nothing).
    """
    before = tx.settings()
    key = alias_key(door_namespace, "door_namespace")
    after = before.updated({SETTING: {key: target}})
    door, _, name = key.partition(":")
    source = before.stored_namespace(door, name)
    report = MergeReport(key, source, after.stored_namespace(door, name))
    start = tx.last_seq()
    tx.save_settings(after)
    if source != report.target:
        _carry_all(tx, report, actor)
    report.events = _written(tx, start)
    return report


def _written(tx: Transaction, start: int) -> list[tuple[int, str]]:
    """(seq, type) of every event after `start`."""
    found: list[tuple[int, str]] = []
    while page := tx.events(start, _PAGE):
        found += [(e.seq, e.type) for e in page]
        start = page[-1].seq
    return found


def _carry_all(tx: Transaction, report: MergeReport, actor: str | None) -> None:
    after: IdentifierKey | None = IdentifierKey(report.source, "")
    while after is not None:
        page = [i for i in tx.identifiers_page(after, _PAGE) if i.namespace == report.source]
        after = page[-1].key if len(page) == _PAGE else None
        for ident in page:
            done = attempt(tx, _carry, ident, report.target, actor)
            if isinstance(done, AkaError):
                report.refused.append(Refused(ident.key, done))
            else:
                report.carried.append(done)


def _carry(tx: Transaction, ident: Identifier, target: str, actor: str | None) -> Carried:
    """Link the identifier under `target` to its profile, then unlink the old one."""
    item = NewIdentifier(
        target, ident.value, ident.kind, ident.primary, attributes=dict(ident.attributes)
    )
    done = identities.attach(tx, ProfileRef.by_id(ident.profile_id), item, actor=actor)
    if ident.disabled:
        identities.update_identifier(tx, target, done.key.value, disabled=True, actor=actor)
    identities.unlink(tx, ident.namespace, ident.value, actor=actor)
    record = tx.push_records.get(ident.key)
    if record is not None:  # Coveo's ordering ids follow the identity
        tx.push_records.put(done.key, record)
        tx.push_records.forget([ident.key])
    return Carried(ident.key, done.key, done.profile_id, done.outcome, done.merge_id)
