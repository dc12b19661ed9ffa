"""`queries.resolve_many`: a batch of resolves in one transaction answers each reference
exactly as `queries.get` alone would, errors included (every backend)."""

from __future__ import annotations

from aka.core.errors import AkaError
from aka.core.model import ResolvedProfile
from aka.core.ports import Store
from aka.service import identities, merges, queries
from aka.service.identities import NewIdentifier
from aka.service.refs import ProfileRef


def alone(store: Store, ref: ProfileRef) -> ResolvedProfile | AkaError:
    with store.transaction("default", write=False) as tx:
        try:
            return queries.get(tx, ref, "query")
        except AkaError as error:
            return error


def same(a: ResolvedProfile | AkaError, b: ResolvedProfile | AkaError) -> bool:
    if isinstance(a, AkaError) or isinstance(b, AkaError):
        return isinstance(a, AkaError) and isinstance(b, AkaError) and a.code == b.code
    return a == b


def test_each_reference_is_answered_as_alone(store: Store) -> None:
    with store.transaction("default") as tx:
        ann = identities.create_profile(
            tx,
            external_id="ann",
            identifiers=[NewIdentifier("email", "Ann@Example.com"), NewIdentifier("device", "d1")],
        ).profile.id
        bob = identities.create_profile(tx, identifiers=[NewIdentifier("device", "d2")]).profile.id
        merges.merge(tx, ProfileRef.by_id(ann), ProfileRef.by_id(bob))
    refs = [
        ProfileRef(namespace="device", value="d1"),
        ProfileRef(namespace="email", value="ANN@example.com"),  # normalised as email
        ProfileRef(namespace="device", value="d2"),  # moved by the merge
        ProfileRef(namespace="device", value="d1"),  # asked twice
        ProfileRef(namespace="device", value="nobody"),  # 404
        ProfileRef(namespace="device", value="null"),  # a blocked value: never found
        ProfileRef(external_id="ann"),
        ProfileRef(profile_id=bob),  # a tombstone forwards
        ProfileRef(namespace="device"),  # malformed: value missing
        ProfileRef(namespace="device", value="x\x00y"),  # invalid value
    ]
    with store.transaction("default", write=False) as tx:
        answers = queries.resolve_many(tx, refs, "query")
    expected = [alone(store, ref) for ref in refs]
    assert len(answers) == len(refs)
    assert all(same(a, e) for a, e in zip(answers, expected, strict=True)), (answers, expected)
    found = [a for a in answers if isinstance(a, ResolvedProfile)]
    assert {a.profile.id for a in found} == {ann}
    assert len(found) == 6


def test_an_empty_batch_reads_nothing(store: Store) -> None:
    with store.transaction("default", write=False) as tx:
        assert queries.resolve_many(tx, []) == []
