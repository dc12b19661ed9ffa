"""The GraphState tables: their indexes always say what a scan of their rows would say."""

from __future__ import annotations

import copy

from hypothesis import given
from hypothesis import strategies as st

from aka.core.model import Identifier, IdentifierKey, Profile
from aka.core.state_tables import EdgeTable, IdentifierTable, ProfileTable

from .builders import EPOCH

PROFILES = st.sampled_from(["p1", "p2", "p3"])
NAMESPACES = st.sampled_from(["email", "device"])
# Twelve values in two namespaces: a profile may hold more than `_FEW` (8) keys, so the
# index goes from a lone value to a tuple to a set and back.
VALUES = st.sampled_from([f"v{n}" for n in range(12)])

identifier_writes = st.lists(
    st.tuples(st.booleans(), NAMESPACES, VALUES, PROFILES, st.booleans()), max_size=80
)


@given(identifier_writes)
def test_identifier_indexes_match_a_scan(writes: list[tuple[bool, str, str, str, bool]]) -> None:
    """After any sequence of writes and deletes, `keys_of`, `primaries_of` and
    `shared_primaries` answer what filtering every row would."""
    table = IdentifierTable()
    for delete, namespace, value, profile_id, primary in writes:
        key = IdentifierKey(namespace, value)
        if delete:
            table.pop(key, None)
        else:
            table[key] = Identifier(namespace, value, profile_id, primary=primary)
    rows = dict(table.items())
    for pid in ("p1", "p2", "p3"):
        assert set(table.keys_of(pid)) == {k for k, i in rows.items() if i.profile_id == pid}
        for ns in ("email", "device"):
            held = {k for k, i in rows.items() if i.profile_id == pid and i.namespace == ns}
            assert set(table.primaries_of(pid, ns)) == {k for k in held if rows[k].primary}
    counts: dict[tuple[str, str], int] = {}
    for i in rows.values():
        if i.primary:
            counts[(i.profile_id, i.namespace)] = counts.get((i.profile_id, i.namespace), 0) + 1
    assert dict(table.shared_primaries()) == {k: n for k, n in counts.items() if n > 1}


profile_writes = st.lists(
    st.tuples(
        st.booleans(),
        PROFILES,
        st.none() | st.sampled_from(["u1", "u2"]),
        st.none() | PROFILES,
    ),
    max_size=40,
)


@given(profile_writes)
def test_profile_indexes_match_a_scan(
    writes: list[tuple[bool, str, str | None, str | None]],
) -> None:
    """`holders`, `tombstones_of` and `shared_external_ids` answer what a scan would."""
    table = ProfileTable()
    for delete, pid, external_id, merged_into in writes:
        if delete:
            table.pop(pid, None)
        else:
            table[pid] = Profile(pid, external_id, merged_into=merged_into, created_at=EPOCH)
    rows = list(table.values())
    for ext in ("u1", "u2"):
        assert set(table.holders(ext)) == {p.id for p in rows if p.external_id == ext}
    for pid in ("p1", "p2", "p3"):
        assert set(table.tombstones_of(pid)) == {p.id for p in rows if p.merged_into == pid}
    shared = {e: n for e in ("u1", "u2") if (n := sum(p.external_id == e for p in rows)) > 1}
    assert dict(table.shared_external_ids()) == shared


MANY = st.sampled_from([f"p{n}" for n in range(12)])
edge_writes = st.lists(st.tuples(st.booleans(), PROFILES, MANY), max_size=80)


@given(edge_writes)
def test_edge_index_matches_a_scan(writes: list[tuple[bool, str, str]]) -> None:
    """`touching` answers every edge whose group or member is the profile, a loop once."""
    table = EdgeTable()
    for seq, (delete, group, member) in enumerate(writes):
        if delete:
            table.pop((group, member), None)
        else:
            table[(group, member)] = seq
    for pid in ("p1", "p2", "p3"):
        touching = table.touching(pid)
        assert len(touching) == len(set(touching))
        assert set(touching) == {e for e in table if pid in e}
        assert all(type(e) is tuple and len(e) == 2 for e in touching)


def test_a_table_equals_the_dict_of_its_rows_and_survives_a_deep_copy() -> None:
    """Tests and the memory store compare tables with dicts and copy them whole."""
    table = EdgeTable({("g", "m"): 3})
    assert table == {("g", "m"): 3}
    assert table != {("g", "m"): 4}
    twin = copy.deepcopy(table)
    del twin[("g", "m")]
    assert twin == {}
    assert table.touching("m") == (("g", "m"),)
    assert twin.touching("m") == ()
