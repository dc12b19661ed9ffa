"""Import records and the upsert rule (`service/transfer.py`), on every backend.

The upsert tests go through `apply_chunk`, the entry point a faster engine may take
over: they pin what each record reports and what the graph holds afterwards, so any
engine that differs from the reference (`upsert` per record) fails here.
"""

from __future__ import annotations

import itertools
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aka.core import events as ev
from aka.core.errors import AkaError, Code
from aka.core.model import Kind
from aka.core.ports import Store, Transaction
from aka.core.settings import WorkspaceSettings
from aka.core.state import GraphState
from aka.service import identities, transfer
from aka.service.check import check_workspace
from aka.service.imports import apply_chunk, apply_each
from aka.service.transfer import (
    Action,
    IdentifierRecord,
    MembershipRecord,
    Outcome,
    ProfileRecord,
    export_lines,
    parse_csv_row,
    parse_line,
    parse_object,
)
from tests.backends import BACKENDS, open_backend

from .builders import World, ident

ID1 = "0190a0b0-0000-7000-8000-000000000001"
ID2 = "0190a0b0-0000-7000-8000-000000000002"
ID3 = "0190a0b0-0000-7000-8000-000000000003"


def apply(world: World, *lines: dict[str, Any]) -> list[Outcome | AkaError]:
    """The lines as one chunk, committed."""
    with world.tx() as tx:
        return apply_chunk(tx, [parse_object(line) for line in lines], actor="test")


def refused(world: World, line: dict[str, Any]) -> AkaError:
    [result] = apply(world, line)
    assert isinstance(result, AkaError), result
    return result


def profile(*identifiers: str, **fields: Any) -> dict[str, Any]:
    """A profile line: `profile("email:ann@x.io", external_id="u1")`."""
    items = []
    for text in identifiers:
        namespace, _, value = text.partition(":")
        items.append({"namespace": namespace, "value": value})
    return {**fields, "identifiers": items}


def picture(tx: Transaction) -> dict[str, Any]:
    """The live graph without seqs and times: what an export carries."""
    return live_picture(tx.graph())


def live_picture(graph: GraphState) -> dict[str, Any]:
    return {
        "profiles": {
            p.id: (p.external_id, p.attributes)
            for p in graph.profiles.values()
            if p.merged_into is None
        },
        "identifiers": {
            str(k): (i.profile_id, i.kind, i.primary, i.disabled, i.attributes)
            for k, i in graph.identifiers.items()
        },
        "memberships": sorted(graph.memberships),
    }


def graph_of(world: World) -> dict[str, Any]:
    with world.tx(write=False) as tx:
        return picture(tx)


# --- parsing ----------------------------------------------------------------------------


def test_a_profile_line_reads_every_field() -> None:
    record = parse_line(
        b'{"id": "0190A0B0-0000-7000-8000-000000000001", "external_id": "u1",'
        b' "attributes": {"plan": "pro"}, "identifiers": [{"namespace": "email",'
        b' "value": "ann@x.io", "kind": "GROUP", "primary": true, "disabled": true,'
        b' "attributes": {"src": "crm"}}, {"namespace": "device", "value": "d1"}]}'
    )
    assert record == ProfileRecord(
        id=ID1,  # lower-cased, as aka writes ids
        external_id="u1",
        attributes={"plan": "pro"},
        identifiers=(
            IdentifierRecord("email", "ann@x.io", Kind.GROUP, True, True, {"src": "crm"}),
            IdentifierRecord("device", "d1"),
        ),
    )


def test_a_membership_line_names_a_group_and_a_member() -> None:
    line = {"type": "membership", "group": ID1, "member": ID2}
    assert parse_object(line) == MembershipRecord(ID1, ID2)
    assert parse_line(f'{{"type": "membership", "group": "{ID1}", "member": "{ID2}"}}') == (
        MembershipRecord(ID1, ID2)
    )


def test_a_profile_line_may_say_its_type_and_leave_out_identifiers() -> None:
    assert parse_object({"type": "profile", "external_id": "u1"}) == ProfileRecord(external_id="u1")


@pytest.mark.parametrize(
    ("line", "field", "says"),
    [
        (b"{not json", None, "not valid JSON"),
        (b"[1, 2]", None, "expected object, got array"),
        (b'{"bogus": 1}', "bogus", "unknown field 'bogus'"),
        (b'{"identifiers": [{"namespace": "a"}]}', "identifiers[0].value", "is required"),
        (
            b'{"identifiers": [{"namespace": "a", "value": "b", "nick": "c"}]}',
            "identifiers[0].nick",
            "unknown field",
        ),
        (b'{"identifiers": [{"namespace": "a", "value": 7}]}', "identifiers[0].value", "str"),
        (
            b'{"identifiers": [{"namespace": "a", "value": "b", "kind": "ROBOT"}]}',
            "identifiers[0].kind",
            "ROBOT",
        ),
        (
            b'{"identifiers": [{"namespace": "a", "value": "b", "primary": "yes"}]}',
            "identifiers[0].primary",
            "expected bool",
        ),
        (b'{"identifiers": {}}', "identifiers", "expected array"),
        (b'{"attributes": [1]}', "attributes", "expected object"),
        (b'{"external_id": 5}', "external_id", "expected str"),
        (b'{"id": "p-1"}', "id", "must be a UUID"),
        (b'{"id": "{0190a0b0-0000-7000-8000-000000000001}"}', "id", "must be a UUID"),
        (b'{"type": "group"}', "type", "group"),
        (b'{"type": "membership", "group": "' + ID1.encode() + b'"}', "member", "required"),
        (
            b'{"type": "membership", "group": "x", "member": "' + ID1.encode() + b'"}',
            "group",
            "must be a UUID",
        ),
        (
            b'{"type": "membership", "group": "' + ID1.encode() + b'", "member": "'
            b"" + ID2.encode() + b'", "identifiers": []}',
            "identifiers",
            "membership line",
        ),
        (b'{"member": "' + ID1.encode() + b'"}', "member", "membership line"),
    ],
)
def test_a_bad_line_is_refused_naming_its_field(line: bytes, field: str | None, says: str) -> None:
    with pytest.raises(AkaError) as caught:
        parse_line(line)
    assert caught.value.code is Code.INVALID_INPUT
    assert caught.value.field == field
    assert says in caught.value.message


def test_a_csv_row_is_a_profile_record_with_one_identifier() -> None:
    row = {"namespace": "email", "value": "ann@x.io", "id": ID1.upper(), "external_id": "u1"}
    assert parse_csv_row({**row, "kind": "GROUP", "primary": "TRUE"}) == ProfileRecord(
        id=ID1,
        external_id="u1",
        identifiers=(IdentifierRecord("email", "ann@x.io", Kind.GROUP, primary=True),),
    )
    # Empty optional cells are as good as absent columns.
    blank = {"namespace": "device", "value": "d1", "id": "", "external_id": "", "kind": ""}
    assert parse_csv_row({**blank, "primary": ""}) == ProfileRecord(
        identifiers=(IdentifierRecord("device", "d1"),)
    )
    assert parse_csv_row({"namespace": "device", "value": "d1", "primary": "no"}) == (
        ProfileRecord(identifiers=(IdentifierRecord("device", "d1"),))
    )


@pytest.mark.parametrize(
    ("cells", "field"),
    [
        ({"kind": "user"}, "kind"),
        ({"primary": "maybe"}, "primary"),
        ({"id": "42"}, "id"),
    ],
)
def test_a_bad_csv_cell_is_refused_naming_its_column(cells: dict[str, str], field: str) -> None:
    with pytest.raises(AkaError) as caught:
        parse_csv_row({"namespace": "device", "value": "d1", **cells})
    assert (caught.value.code, caught.value.field) == (Code.INVALID_INPUT, field)


@pytest.mark.parametrize(
    ("header", "says"),
    [
        (["namespace"], "required column(s) value"),
        (["namespace", "value", "email"], "unknown CSV column 'email'"),
        (["namespace", "value", "value"], "'value' appears twice"),
    ],
)
def test_a_bad_csv_header_is_refused(header: list[str], says: str) -> None:
    with pytest.raises(AkaError) as caught:
        transfer.check_csv_header(header)
    assert caught.value.field == "header"
    assert says in caught.value.message


def test_csv_errors_name_the_column_not_the_record_path() -> None:
    assert transfer.csv_column("identifiers[0].value") == "value"
    assert transfer.csv_column("identifiers[0].namespace") == "namespace"
    assert transfer.csv_column("identifiers[0]") == "value"
    assert transfer.csv_column("external_id") == "external_id"
    assert transfer.csv_column(None) is None


# --- create_profile with a chosen id ----------------------------------------------------------


def test_create_profile_keeps_a_chosen_id_lower_cased(world: World) -> None:
    with world.tx() as tx:
        made = identities.create_profile(tx, profile_id=ID1.upper(), identifiers=[ident("d:1")])
    assert made.profile.id == ID1
    assert world.owner("d:1") == ID1


@pytest.mark.parametrize("bad", ["", "p-1", 42, "0190a0b00-000-7000-8000-000000000001"])
def test_create_profile_refuses_an_id_that_is_not_a_uuid(world: World, bad: Any) -> None:
    with world.tx() as tx, pytest.raises(AkaError) as caught:
        identities.create_profile(tx, profile_id=bad)
    assert (caught.value.code, caught.value.field) == (Code.INVALID_INPUT, "profile_id")
    assert "UUID" in caught.value.message


def test_create_profile_refuses_an_id_already_taken_even_by_a_tombstone(world: World) -> None:
    keep, gone = world.person("d:1"), world.person("d:2")
    world.merged(keep, gone)
    for taken in (keep, gone):
        with world.tx() as tx, pytest.raises(AkaError) as caught:
            identities.create_profile(tx, profile_id=taken)
        assert caught.value.field == "profile_id"
        assert "taken" in caught.value.message


# --- the upsert rule ---------------------------------------------------------------------------


def test_an_unknown_record_creates_its_profile_with_everything_it_says(world: World) -> None:
    line = {
        "id": ID1,
        "external_id": "u1",
        "attributes": {"plan": "pro"},
        "identifiers": [
            {"namespace": "email", "value": "Ann@X.io", "primary": True, "attributes": {"a": 1}},
            {"namespace": "coveo", "value": "staff", "kind": "GROUP", "disabled": True},
        ],
    }
    assert apply(world, line) == [Outcome(Action.CREATED, ID1)]
    assert graph_of(world) == {
        "profiles": {ID1: ("u1", {"plan": "pro"})},
        "identifiers": {
            "email:ann@x.io": (ID1, Kind.USER, True, False, {"a": 1}),
            "coveo:staff": (ID1, Kind.GROUP, False, True, {}),
        },
        "memberships": [],
    }


def test_records_built_in_code_have_their_ids_checked_too(world: World) -> None:
    with world.tx() as tx:
        results = apply_chunk(
            tx,
            [
                ProfileRecord(id=ID1.upper(), identifiers=(IdentifierRecord("d", "1"),)),
                ProfileRecord(id="p-2", identifiers=(IdentifierRecord("d", "2"),)),
                MembershipRecord(ID1.upper(), "p-3"),
            ],
        )
    assert results[0] == Outcome(Action.CREATED, ID1)
    assert [(r.code, r.field) for r in results[1:] if isinstance(r, AkaError)] == [
        (Code.INVALID_INPUT, "id"),
        (Code.INVALID_INPUT, "member"),
    ]


def test_a_record_without_id_gets_a_fresh_one_and_is_found_again(world: World) -> None:
    [made] = apply(world, profile("device:d1"))
    assert isinstance(made, Outcome)
    assert made.action is Action.CREATED
    assert world.owner("device:d1") == made.profile_id
    assert apply(world, profile("device:d1")) == [Outcome(Action.UNCHANGED, made.profile_id)]


def test_applying_the_same_records_again_changes_nothing(world: World) -> None:
    """The re-run rule: same outcomes but UNCHANGED, the same graph, no new event."""
    lines = [
        {"id": ID1, "external_id": "u1", **profile("email:ann@x.io", "device:d1")},
        profile("device:d2", external_id="u2"),
        profile("device:d3"),
        {"id": ID2, **profile("coveo:g", attributes={"k": 1})},
        {"type": "membership", "group": ID2, "member": ID1},
        {
            "identifiers": [
                {"namespace": "device", "value": "d3"},
                {"namespace": "device", "value": "d4", "disabled": True},
            ]
        },
    ]
    first = apply(world, *lines)
    assert not any(isinstance(r, AkaError) for r in first)
    before, seq = graph_of(world), world.last_seq()
    second = apply(world, *lines)
    assert [r.action for r in second if isinstance(r, Outcome)] == [Action.UNCHANGED] * 6
    assert [(r.profile_id, r.member_id) for r in second if isinstance(r, Outcome)] == [
        (r.profile_id, r.member_id) for r in first if isinstance(r, Outcome)
    ]
    assert graph_of(world) == before
    assert world.last_seq() == seq


def test_a_known_id_gains_what_it_lacks_but_keeps_its_attributes(world: World) -> None:
    """Found by id: the external id it lacked and the identifiers it lacked are added;
    attributes apply only when creating; identifiers it holds are left as they are."""
    pid = world.person(ident("device:d1", primary=True), attributes={"plan": "free"})
    line = {
        "id": pid,
        "external_id": "u1",
        "attributes": {"plan": "pro"},
        "identifiers": [
            {"namespace": "device", "value": "d1", "kind": "GROUP"},
            {"namespace": "device", "value": "d2", "disabled": True},
        ],
    }
    assert apply(world, line) == [Outcome(Action.LINKED, pid)]
    stored = world.stored(pid)
    assert (stored.external_id, stored.attributes) == ("u1", {"plan": "free"})
    graph = graph_of(world)["identifiers"]
    assert graph["device:d1"] == (pid, Kind.USER, True, False, {})
    assert graph["device:d2"] == (pid, Kind.USER, False, True, {})


def test_what_a_record_adds_to_a_known_profile_is_one_event(world: World) -> None:
    """Two identifiers the profile lacks: one `identifier.linked` listing both."""
    pid = world.person("device:d1", external_id="u1")
    seq = world.last_seq()
    line = profile("device:d1", "device:d2", "email:a@x.io", external_id="u1")
    assert apply(world, line) == [Outcome(Action.LINKED, pid)]
    (event,) = [e for e in world.events() if e.seq > seq]
    assert (event.type, event.profile_id) == (ev.IDENTIFIER_LINKED, pid)
    assert [str(k) for k in ev.linked_keys(event.payload)] == ["device:d2", "email:a@x.io"]


def test_a_merged_away_id_lands_on_its_survivor(world: World) -> None:
    keep, gone = world.person("device:d1"), world.person("device:d2")
    world.merged(keep, gone)
    assert apply(world, {"id": gone, **profile("device:d3")}) == [Outcome(Action.LINKED, keep)]
    assert world.holds(keep) == {"device:d1", "device:d2", "device:d3"}


def test_the_external_id_finds_the_profile_when_there_is_no_id(world: World) -> None:
    pid = world.person("device:d1", external_id="u1")
    assert apply(world, profile("device:d2", external_id="u1")) == [Outcome(Action.LINKED, pid)]
    assert world.holds(pid) == {"device:d1", "device:d2"}


def test_rows_sharing_an_external_id_land_on_one_profile(world: World) -> None:
    """The CSV case: one identifier per row; the first row creates, the next ones link."""
    results = apply(
        world,
        profile("email:ann@x.io", external_id="u1"),
        profile("device:d1", external_id="u1"),
        profile("device:d1", external_id="u1"),
    )
    assert isinstance(results[0], Outcome)
    pid = results[0].profile_id
    assert results == [
        Outcome(Action.CREATED, pid),
        Outcome(Action.LINKED, pid),
        Outcome(Action.UNCHANGED, pid),
    ]


def test_the_owner_of_the_identifiers_is_the_target_when_nothing_else_is_given(
    world: World,
) -> None:
    pid = world.person("device:d1")
    assert apply(world, profile("device:d1", "device:d2", external_id="u9")) == [
        Outcome(Action.LINKED, pid)
    ]
    assert world.stored(pid).external_id == "u9"
    assert world.holds(pid) == {"device:d1", "device:d2"}


def test_identifiers_of_two_profiles_are_refused_never_merged(world: World) -> None:
    a, b = world.person("device:d1"), world.person("device:d2")
    error = refused(world, profile("device:d1", "device:d2", "device:d3"))
    assert (error.code, error.field) == (Code.IDENTIFIER_CONFLICT, "identifiers")
    assert error.details["owners"] == sorted([a, b])
    assert world.owner("device:d3") is None


def test_an_identifier_of_another_profile_refuses_the_whole_record(world: World) -> None:
    """Checked before anything is written: the external id and the free identifier
    before the conflict are not applied either."""
    other = world.person("device:taken")
    pid = world.person("device:d1")
    seq = world.last_seq()
    error = refused(world, {"id": pid, **profile("device:free", "device:taken", external_id="u")})
    assert (error.code, error.field) == (Code.IDENTIFIER_CONFLICT, "identifiers[1]")
    assert error.details["owner"] == other
    assert world.owner("device:free") is None
    assert world.stored(pid).external_id is None
    assert world.last_seq() == seq


def test_an_import_never_merges_even_under_the_auto_policy(world: World) -> None:
    world.configure({"merge_policy": "auto"})
    a, b = world.person("device:d1"), world.person("device:d2")
    error = refused(world, {"id": a, **profile("device:d2")})
    assert (error.code, error.details["owner"]) == (Code.IDENTIFIER_CONFLICT, b)
    assert world.stored(b).merged_into is None


def test_a_new_id_with_a_taken_identifier_is_refused(world: World) -> None:
    other = world.person("device:d1")
    error = refused(world, {"id": ID1, **profile("device:d1")})
    assert (error.code, error.field, error.details["owner"]) == (
        Code.IDENTIFIER_CONFLICT,
        "identifiers[0]",
        other,
    )
    assert world.profile(ID1) is None


def test_an_id_and_an_external_id_of_two_profiles_are_refused(world: World) -> None:
    a = world.person("device:d1")
    b = world.person("device:d2", external_id="u-b")
    error = refused(world, {"id": a, "external_id": "u-b"})
    assert (error.code, error.field, error.details["owner"]) == (
        Code.EXTERNAL_ID_CONFLICT,
        "external_id",
        b,
    )
    # An unknown id would be created: with an external id already held, it cannot be.
    error = refused(world, {"id": ID1, "external_id": "u-b"})
    assert (error.code, error.field) == (Code.EXTERNAL_ID_CONFLICT, "external_id")
    assert world.profile(ID1) is None


def test_a_profile_identified_otherwise_keeps_its_external_id(world: World) -> None:
    pid = world.person("device:d1", external_id="u1")
    error = refused(world, profile("device:d1", "device:d2", external_id="u2"))
    assert (error.code, error.field) == (Code.ALREADY_IDENTIFIED, "external_id")
    assert world.holds(pid) == {"device:d1"}


def test_an_external_id_kept_by_a_tombstone_points_at_its_survivor(world: World) -> None:
    keep = world.person("device:d1", external_id="u-keep")
    gone = world.person("device:d2", external_id="u-gone")
    world.merged(keep, gone, force=True)
    assert apply(world, profile("device:d3", external_id="u-gone")) == [
        Outcome(Action.LINKED, keep)
    ]
    assert world.stored(keep).external_id == "u-keep"


@pytest.mark.parametrize(
    ("line", "code", "field"),
    [
        (profile("device:null"), Code.VALUE_BLOCKED, "identifiers[0].value"),
        (profile("device:d1", "device:d1"), Code.INVALID_INPUT, "identifiers[1]"),
        (profile("email:not-an-address"), Code.EMAIL_INVALID, "identifiers[0].value"),
        (profile(":d1"), Code.NAMESPACE_INVALID, "identifiers[0].namespace"),
        (profile("device:d1", external_id="null"), Code.VALUE_BLOCKED, "external_id"),
        (profile("device:d1", external_id=""), Code.EXTERNAL_ID_INVALID, "external_id"),
        (
            profile("device:d1", attributes={f"k{n}": n for n in range(300)}),
            Code.ATTRIBUTES_INVALID,
            "attributes",
        ),
        (
            {"identifiers": [{"namespace": "d", "value": "1", "attributes": {"x": "y" * 20000}}]},
            Code.ATTRIBUTES_INVALID,
            "identifiers[0].attributes",
        ),
        ({"attributes": {"a": 1}}, Code.INVALID_INPUT, "identifiers"),
    ],
)
def test_a_record_breaking_a_rule_is_refused_naming_its_field(
    world: World, line: dict[str, Any], code: Code, field: str
) -> None:
    error = refused(world, line)
    assert (error.code, error.field) == (code, field)
    assert world.last_seq() == 0


def test_namespace_limits_count_what_the_profile_holds_and_gains(world: World) -> None:
    world.configure({"namespaces": {"device": {"max_per_profile": 2}}})
    pid = world.person("device:d1")
    error = refused(
        world, {"id": pid, **profile("device:d1", "email:a@x.io", "device:d2", "device:d3")}
    )
    assert (error.code, error.field) == (Code.NAMESPACE_LIMIT, "identifiers[3].namespace")
    assert error.details == {"namespace": "device", "limit": 2}
    error = refused(world, profile("device:n1", "device:n2", "device:n3"))
    assert (error.code, error.field) == (Code.NAMESPACE_LIMIT, "identifiers[2].namespace")
    assert world.holds(pid) == {"device:d1"}


def test_a_membership_is_added_once(world: World) -> None:
    group, member = world.person("coveo:g"), world.person("device:d1")
    line = {"type": "membership", "group": group, "member": member}
    assert apply(world, line, line) == [
        Outcome(Action.LINKED, group, member),
        Outcome(Action.UNCHANGED, group, member),
    ]
    assert world.edges(member) == {(group, member)}


def test_a_membership_follows_merged_away_ids(world: World) -> None:
    group, member, gone = world.person("coveo:g"), world.person("d:1"), world.person("d:2")
    world.merged(member, gone)
    line = {"type": "membership", "group": group, "member": gone}
    assert apply(world, line) == [Outcome(Action.LINKED, group, member)]


@pytest.mark.parametrize(
    ("which", "code", "field"),
    [
        ("unknown member", Code.PROFILE_NOT_FOUND, "member"),
        ("unknown group", Code.PROFILE_NOT_FOUND, "group"),
        ("itself", Code.GROUP_CYCLE, "member"),
    ],
)
def test_a_membership_needs_two_known_profiles(
    world: World, which: str, code: Code, field: str
) -> None:
    known = world.person("coveo:g")
    group, member = {
        "unknown member": (known, ID1),
        "unknown group": (ID1, known),
        "itself": (known, known),
    }[which]
    error = refused(world, {"type": "membership", "group": group, "member": member})
    assert (error.code, error.field) == (code, field)


def test_a_refused_record_leaves_the_others_standing(world: World) -> None:
    """Later records see what earlier ones did, and a refusal in the middle undoes
    only itself (no event, no seq used)."""
    results = apply(
        world,
        {"id": ID1, **profile("device:d1")},
        {"id": ID2, **profile("device:d1")},  # d1 is ID1's by now
        {"id": ID2, **profile("device:d2")},
        {"type": "membership", "group": ID1, "member": ID2},
    )
    assert isinstance(results[1], AkaError)
    assert results[1].code is Code.IDENTIFIER_CONFLICT
    assert [r for n, r in enumerate(results) if n != 1] == [
        Outcome(Action.CREATED, ID1),
        Outcome(Action.CREATED, ID2),
        Outcome(Action.LINKED, ID1, ID2),
    ]
    assert [e.seq for e in world.events()] == list(range(1, len(world.events()) + 1))


def test_events_record_the_actor(world: World) -> None:
    apply(world, {"id": ID1, **profile("device:d1")})
    assert {e.actor for e in world.events()} == {"test"}


# --- export ----------------------------------------------------------------------------


def rich_graph(world: World) -> None:
    """Everything an export must carry, plus what it must not (a tombstone)."""
    ann = world.person(
        ident("email:ann@x.io", primary=True, source="crm"),
        ident("device:d1"),
        external_id="u-ann",
        attributes={"plan": "pro", "seats": 3},
    )
    gone = world.person("device:d2", "email:ann2@x.io")
    world.merged(ann, gone)
    staff = world.person(ident("coveo:staff", kind=Kind.GROUP))
    admins = world.person(ident("coveo:admins", kind=Kind.VIRTUAL_GROUP))
    bob = world.person("device:b1", "device:b2", external_id="u-bob")
    world.person()  # an empty profile: exported, and found again by its id
    with world.tx() as tx:
        identities.update_identifier(tx, "device", "b2", disabled=True)
    world.member(staff, ann)
    world.member(staff, bob)
    world.member(admins, staff)


def test_export_writes_live_profiles_in_id_order_then_memberships(world: World) -> None:
    rich_graph(world)
    with world.tx(write=False) as tx:
        lines = list(export_lines(tx))
        live = sorted(p.id for p in tx.graph().profiles.values() if p.merged_into is None)
    profiles = [line for line in lines if "type" not in line]
    edges = [line for line in lines if line.get("type") == "membership"]
    assert lines == profiles + edges
    assert [p["id"] for p in profiles] == live
    assert len(edges) == 3
    [ann] = [p for p in profiles if p.get("external_id") == "u-ann"]
    assert ann == {
        "id": ann["id"],
        "external_id": "u-ann",
        "attributes": {"plan": "pro", "seats": 3},
        "identifiers": [  # the merged profile's identifiers are ann's now
            {"namespace": "device", "value": "d1"},
            {"namespace": "device", "value": "d2"},
            {"namespace": "email", "value": "ann2@x.io"},
            {
                "namespace": "email",
                "value": "ann@x.io",
                "primary": True,
                "attributes": {"source": "crm"},
            },
        ],
    }
    [bob] = [p for p in profiles if p.get("external_id") == "u-bob"]
    assert bob["identifiers"][1] == {"namespace": "device", "value": "b2", "disabled": True}
    # The empty profile travels too: its id is all there is to find it again by.
    assert sum(1 for p in profiles if set(p) == {"id", "identifiers"} and not p["identifiers"]) == 1


def test_export_pages_give_the_same_lines_whatever_their_size(world: World) -> None:
    rich_graph(world)
    with world.tx(write=False) as tx:
        assert list(export_lines(tx, page_size=1)) == list(export_lines(tx, page_size=2))
        assert list(export_lines(tx, page_size=2)) == list(export_lines(tx))


def test_export_then_import_into_an_empty_workspace_reproduces_the_graph(world: World) -> None:
    """Profiles (ids, external ids, attributes), identifiers (kind, primary, disabled,
    attributes) and memberships come back; tombstones and history do not travel."""
    rich_graph(world)
    with world.tx(write=False) as tx:
        lines = list(export_lines(tx))
        source = picture(tx)
    world.store.create_workspace("copy", WorkspaceSettings())
    with world.store.transaction("copy") as tx:
        results = apply_chunk(tx, [parse_object(line) for line in lines], actor="import")
    assert not [r for r in results if isinstance(r, AkaError)]
    with world.store.transaction("copy", write=False) as tx:
        assert picture(tx) == source
        assert check_workspace(tx) == []
    # And again: the copy is already whole.
    with world.store.transaction("copy") as tx:
        again = apply_chunk(tx, [parse_object(line) for line in lines])
        assert {r.action for r in again if isinstance(r, Outcome)} == {Action.UNCHANGED}
        assert picture(tx) == source


# --- apply_chunk against the reference (one upsert per record) ------------------------------
#
# Whatever engine runs `apply_chunk`, it must agree with `upsert` applied record by record:
# the same outcome (or the same refusal) for each record and the same graph afterwards.
# Fresh profile ids differ between two runs, so they are named by order of appearance.


def reference(tx: Transaction, records: list[transfer.Record]) -> list[Outcome | AkaError]:
    return apply_each(tx, records, actor="test")


class Names:
    """Fresh ids as `new1`, `new2`... in the order the outcomes first show them."""

    def __init__(self, given: set[str]) -> None:
        self.given = given
        self.names: dict[str, str] = {}

    def __call__(self, pid: str | None) -> str | None:
        if pid is None or pid in self.given:
            return pid
        return self.names.setdefault(pid, f"new{len(self.names) + 1}")


def comparable(
    results: list[Outcome | AkaError], graph: GraphState, given: set[str]
) -> tuple[list[Any], dict[str, Any]]:
    name = Names(given)
    said = [
        ("refused", r.code, r.field)
        if isinstance(r, AkaError)
        else (r.action, name(r.profile_id), name(r.member_id))
        for r in results
    ]
    live = live_picture(graph)
    shown = {
        "profiles": {name(pid): v for pid, v in live["profiles"].items()},
        "identifiers": {k: (name(v[0]), *v[1:]) for k, v in live["identifiers"].items()},
        "memberships": sorted((name(g), name(m)) for g, m in live["memberships"]),
    }
    return said, shown


_workspaces = itertools.count(1)


def engine_agrees_with_reference(
    store: Store, seed: list[transfer.Record], records: list[transfer.Record]
) -> None:
    """`seed` (given ids only) applied to two fresh workspaces; then `records` by
    `apply_chunk` in one and by the reference in the other."""
    rules = WorkspaceSettings().updated({"namespaces": {"d": {"max_per_profile": 2}}})
    run = next(_workspaces)
    engine, ref = f"engine-{run}", f"reference-{run}"
    for ws in (engine, ref):
        store.create_workspace(ws, rules)
        with store.transaction(ws) as tx:
            assert not [r for r in reference(tx, seed) if isinstance(r, AkaError)]
    with store.transaction(engine) as tx:
        by_engine = apply_chunk(tx, records, actor="test")
    with store.transaction(ref) as tx:
        by_reference = reference(tx, records)
    given = {r.id for r in seed + records if isinstance(r, ProfileRecord) and r.id}
    with store.transaction(engine, write=False) as tx:
        engine_view = comparable(by_engine, tx.graph(), given)
        assert check_workspace(tx) == []
    with store.transaction(ref, write=False) as tx:
        assert engine_view == comparable(by_reference, tx.graph(), given)


def records_of(*lines: dict[str, Any]) -> list[transfer.Record]:
    return [parse_object(line) for line in lines]


def test_apply_chunk_agrees_with_the_reference_on_a_mixed_chunk(store: Store) -> None:
    seed = records_of(
        {"id": ID1, **profile("d:seed-1", "email:seed@x.io", external_id="u-seed")},
        {"id": ID2, **profile("d:seed-2")},
    )
    records = records_of(
        profile("d:1", "email:Ann@X.io", external_id="u1", attributes={"a": 1}),
        profile("d:2", external_id="u1"),  # links onto the row before
        profile("d:3", external_id="u1"),  # over the namespace limit of 2
        profile("d:1", "d:seed-2"),  # two owners
        {"id": ID3, **profile("d:4")},
        {"id": ID3, "external_id": "u-seed"},  # id and external id on two profiles
        {
            "identifiers": [
                {"namespace": "g", "value": "staff", "kind": "GROUP", "primary": True},
                {"namespace": "g", "value": "old", "disabled": True},
            ]
        },
        profile("d:seed-1", "email:new@x.io"),  # found by owner, gains one
        {"type": "membership", "group": ID2, "member": ID1},
        {"type": "membership", "group": ID2, "member": ID1},
        {"type": "membership", "group": ID3, "member": ID1},
        profile("d:null"),
        {"external_id": "u9"},
        profile("d:5", external_id="u9"),
        profile("email:ann@x.io", "d:6"),  # the normalised address of row 1
    )
    engine_agrees_with_reference(store, seed, records)


POOL_IDS = [ID1, ID2, ID3]


# Mostly valid values (so rows meet each other); a blocked one now and then.
KEYS = st.sampled_from(
    [("d", v) for v in ("1", "2", "3", "4")]
    + [("email", v) for v in ("a@x.io", "A@x.io", "b@x.io")]
    + [("d", "null")]
)


@st.composite
def import_lines(draw: st.DrawFn) -> dict[str, Any]:
    if draw(st.integers(0, 5)) == 0:
        group, member, *_ = draw(st.permutations(POOL_IDS))
        return {"type": "membership", "group": group, "member": member}
    line: dict[str, Any] = {}
    if draw(st.integers(0, 2)) == 0:
        line["id"] = draw(st.sampled_from(POOL_IDS))
    if draw(st.booleans()):
        line["external_id"] = draw(st.sampled_from(["u1", "u2", "u3"]))
    if draw(st.booleans()):
        line["attributes"] = {"k": draw(st.integers(0, 2))}
    line["identifiers"] = []
    for namespace, value in draw(st.lists(KEYS, max_size=3, unique=True)):
        item: dict[str, Any] = {"namespace": namespace, "value": value}
        for name, flag in (("primary", st.booleans()), ("disabled", st.booleans())):
            if draw(st.booleans()):
                item[name] = draw(flag)
        if draw(st.integers(0, 3)) == 0:
            item["kind"] = "GROUP"
        line["identifiers"].append(item)
    return line


@pytest.mark.parametrize("backend", BACKENDS)
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(st.lists(import_lines(), max_size=12))
def test_apply_chunk_agrees_with_the_reference_on_any_chunk(
    backend: str, lines: list[dict[str, Any]]
) -> None:
    """Random chunks over a small pool of ids, external ids and values, so that links
    onto earlier rows, conflicts, limits and forwarding references all happen."""
    store = _stores.get(backend)
    if store is None:
        workdir = Path(tempfile.mkdtemp(prefix="aka-xfer-"))
        _workdirs.append(workdir)
        store = _stores[backend] = open_backend(backend, workdir)
    seed = records_of({"id": ID1, **profile("d:1", external_id="u1")})
    engine_agrees_with_reference(store, seed, records_of(*lines))


_stores: dict[str, Store] = {}
_workdirs: list[Path] = []  # the stores' files: removed with them (/tmp kept filling)


@pytest.fixture(autouse=True, scope="module")
def _close_stores() -> Iterator[None]:
    yield
    for store in _stores.values():
        store.close()
    for workdir in _workdirs:
        shutil.rmtree(workdir, ignore_errors=True)
    _stores.clear()
