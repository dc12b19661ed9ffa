"""Many aliases in one request (a Braze alias/new names up to 50, often several for
one user): each answered as `aliases.add_alias` one after another would answer it, and
what one request adds to one profile written as one `identifier.linked` event (ADR 0012).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from aka.core import normalize
from aka.core.errors import AkaError
from aka.core.model import IdentifierKey, Profile
from aka.core.ports import Transaction
from aka.service import refs
from aka.service.aliases import ALIAS_OUTCOME, AliasOutcome, AliasResult, AliasRules, apply_alias
from aka.service.batch import attempt
from aka.service.identities import NewIdentifier
from aka.service.links import LinkOutcome, Planned, check_link, item_key
from aka.service.refs import ProfileRef


def add_aliases(
    tx: Transaction,
    entries: Sequence[tuple[ProfileRef | None, NewIdentifier]],
    *,
    if_taken: str = "refuse",
    one_per_namespace: bool = False,
    refuse_external_ids: bool = False,
    actor: str | None = None,
) -> list[AliasResult | AkaError]:
    """`add_alias` of each `(target, item)` in order, each standing or falling alone,
    with what it adds to one profile written as ONE `identifier.linked` event (a Braze
    alias/new request often names one user several times).

    Each entry's outcome or refusal is what `add_alias` one entry after another would
    give: the entries gathered for a profile count as linked for the later ones. Where
    the order between two profiles decides the outcome (an alias gathered for one is
    named for another, or for a new alias-only profile), or an entry would merge, what
    was gathered is written first and the entry goes on alone. A result's profile is
    the profile as the whole request left it.
    """
    run = _AliasRun(tx, AliasRules(if_taken, one_per_namespace, refuse_external_ids), actor)
    done = [run.add(target, item) for target, item in entries]
    run.write()
    return [run.result(outcome) for outcome in done]


class _AliasRun:
    """The state of one `add_aliases`: the links gathered per profile (by id, so two
    references to one profile share them) and which profile each gathered key is for."""

    def __init__(self, tx: Transaction, rules: AliasRules, actor: str | None) -> None:
        self.tx, self.rules, self.actor = tx, rules, actor
        self.plans: dict[str, Planned] = {}
        self.gathered: dict[IdentifierKey, str] = {}

    def add(
        self, target: ProfileRef | None, item: NewIdentifier
    ) -> tuple[AliasOutcome, str | None] | AliasResult | AkaError:
        tx, rules = self.tx, self.rules
        try:
            key = normalize.identifier_key(item.namespace, item.value, tx.settings())
            profile = refs.require(tx, target, "profile") if target is not None else None
        except AkaError as refused:
            return refused
        pending = self.gathered.get(key)
        if pending is not None and (profile is None or pending != profile.id):
            self.write()  # the order of the two decides who holds the key
        if profile is None:
            return attempt(tx, apply_alias, None, item, rules, self.actor)
        plan = self.plans.setdefault(profile.id, Planned())
        try:
            outcome = self._add_to(profile, key, item, plan)
        except AkaError as refused:
            return refused
        if outcome is not None:
            return outcome, profile.id
        self.write()  # it would merge: alone, after what came before it
        return attempt(tx, apply_alias, ProfileRef.by_id(profile.id), item, rules, self.actor)

    def _add_to(
        self, profile: Profile, key: IdentifierKey, item: NewIdentifier, plan: Planned
    ) -> AliasOutcome | None:
        """`apply_alias`'s rules with what `plan` gathered counted as linked: the outcome,
        or None when the entry would merge."""
        tx = self.tx
        existing = tx.identifier(key)
        owner_id = profile.id if key in plan.keys else existing.profile_id if existing else None

        def held() -> IdentifierKey | None:
            stored = (i.key for i in tx.identifiers_of(profile.id) if i.namespace == key.namespace)
            gathered = (k for k in _keys(plan) if k.namespace == key.namespace)
            first = next(stored, None)
            return first if first is not None else next(gathered, None)

        settled = self.rules.settle(tx, key, profile, owner_id, held)
        if settled is not None:
            return settled
        key = item_key(item, tx.settings())
        verdict = check_link(tx, profile, key, planned=plan)
        if verdict.outcome is LinkOutcome.MERGED:
            return None
        if verdict.outcome is LinkOutcome.LINKED:
            plan.add(key, item)
            self.gathered[key] = profile.id
        return ALIAS_OUTCOME[verdict.outcome]

    def write(self) -> None:
        """Write what was gathered, one event per profile, and gather afresh."""
        for profile_id, plan in self.plans.items():
            plan.write(self.tx, profile_id, self.actor)
        self.plans.clear()
        self.gathered.clear()

    def result(
        self, outcome: tuple[AliasOutcome, str | None] | AliasResult | AkaError
    ) -> AliasResult | AkaError:
        if not isinstance(outcome, tuple):
            return outcome
        settled, profile_id = outcome
        if settled is AliasOutcome.IGNORED or profile_id is None:
            return AliasResult(settled, None)
        profile = refs.forward(self.tx, self.tx.profile(profile_id))
        assert profile is not None
        return AliasResult(settled, refs.resolved(self.tx, profile))


def _keys(plan: Planned) -> Iterator[IdentifierKey]:
    return (IdentifierKey(i["namespace"], i["value"]) for i in plan.items)
