"""The realistic ingest shape (bench/people.py): what `make bench` asks aka to ingest
and what it then expects to find, planned in advance from a fixed seed."""

from __future__ import annotations

from pathlib import Path

import msgspec
from bench.people import People, email, external_id, person


def _people(tmp_path: Path, n: int = 2_000) -> People:
    return People(n, tmp_path)


def test_every_person_has_an_external_id_and_two_or_three_identifiers_one_primary() -> None:
    """Each person: an external id, a primary email, a device id, sometimes a phone or a
    CRM id, every identifier in its own namespace, and a few attributes."""
    for i in range(100):
        p = person(i)
        namespaces = [ns for ns, _, _ in p.identifiers]
        assert p.external_id == external_id(i)
        assert 2 <= len(p.identifiers) <= 3
        assert len(set(namespaces)) == len(namespaces)
        assert [(ns, primary) for ns, _, primary in p.identifiers if primary] == [("email", True)]
        assert len(p.attributes) >= 3


def test_about_one_row_in_a_hundred_conflicts_with_an_earlier_accepted_row(
    tmp_path: Path,
) -> None:
    """~1% of rows reuse the email (and half of them also the external id) of people
    that came earlier and are themselves accepted, so aka must refuse exactly them."""
    people = _people(tmp_path)
    assert people.refused == 20
    owner_of_email = {email(people.order[p]): p for p in range(people.n)}
    owner_of_ext = {external_id(people.order[p]): p for p in range(people.n)}
    for position, row in people.conflicts.items():
        taken = owner_of_email[row.identifiers[0][1]]
        assert taken < position
        assert taken not in people.conflicts
        if row.external_id != external_id(people.order[position]):
            holder = owner_of_ext[row.external_id]
            assert holder < position
            assert holder not in people.conflicts
            assert holder != taken  # else an import would see no conflict at all
    assert {r.external_id == external_id(people.order[p]) for p, r in people.conflicts.items()} == {
        True,
        False,
    }


def test_the_plan_is_the_same_on_every_run(tmp_path: Path) -> None:
    """A fixed seed: both backends and every run see the very same rows."""
    one, two = _people(tmp_path), _people(tmp_path)
    assert list(one.order) == list(two.order)
    assert one.conflicts == two.conflicts
    assert one.bodies(300) == two.bodies(300)


def test_batch_bodies_and_import_file_carry_the_same_rows_in_the_same_order(
    tmp_path: Path,
) -> None:
    """What `POST /v1/batch` is sent and what `aka import` reads differ only in form."""
    people = _people(tmp_path, 500)
    ops = [op for body in people.bodies(120) for op in msgspec.json.decode(body)["operations"]]
    lines = [msgspec.json.decode(line) for line in people.jsonl.read_bytes().splitlines()]
    assert len(ops) == len(lines) == 500
    assert all(op.pop("op") == "create" for op in ops)
    assert ops == lines


def test_accepted_keys_are_the_identifiers_of_the_rows_not_refused(tmp_path: Path) -> None:
    """The store must end up holding exactly these, and each maps back to its row."""
    people = _people(tmp_path, 500)
    accepted = [people.row(p) for p in range(people.n) if p not in people.conflicts]
    keys = {(ns, v) for row in accepted for ns, v, _ in row.identifiers}
    assert people.accepted_keys == keys
    assert people.accepted == len(accepted)
    for p, row in enumerate(people.rows()):
        if p not in people.conflicts:
            assert {people.position_of((ns, v)) for ns, v, _ in row.identifiers} == {p}
    assert len(people.floor_rows) == people.accepted_identifiers
