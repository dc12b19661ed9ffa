"""Rows written at a given schema revision, before the later revisions run over them.

Frozen like the revisions themselves (hydra's migratest): each seed writes plain rows
in the columns its revision created, through lightweight `sa.table()`s rather than
`aka.storage.tables` (which describes only the newest schema). A revision that changes
how data is stored adds its own seed here: rows in its shape, for the revisions after
it to carry forward.

The first revision's seed is a small but complete workspace: a merge with a tombstone,
a moved identifier and a moved group edge, an API key, and the seven events whose
replay rebuilds exactly these rows (invariant 4 is how the test checks them).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Connection

FIRST_REVISION: Final = "1da4aef377c7"
SEEDED_WORKSPACE: Final = "seeded"
SEEDED_KEY_HASH: Final = "seeded-key-hash"
SEEDED_EVENTS: Final = 7

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def _t(second: int) -> datetime:
    return T0 + timedelta(seconds=second)


def _json() -> sa.types.TypeEngine[Any]:
    return sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _ts() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def _table(name: str, *columns: tuple[str, sa.types.TypeEngine[Any]]) -> sa.TableClause:
    return sa.table(name, *(sa.column(c, t) for c, t in columns))


_TEXT = sa.String()
_INT = sa.BigInteger()
_BOOL = sa.Boolean()

# The first revision's tables, as it created them.
workspaces_1 = _table(
    "workspaces", ("id", _TEXT), ("settings", _json()), ("last_seq", _INT), ("created_at", _ts())
)
profiles_1 = _table(
    "profiles",
    ("workspace_id", _TEXT),
    ("id", _TEXT),
    ("external_id", _TEXT),
    ("attributes", _json()),
    ("merged_into", _TEXT),
    ("created_at", _ts()),
    ("updated_at", _ts()),
)
identifiers_1 = _table(
    "identifiers",
    ("workspace_id", _TEXT),
    ("namespace", _TEXT),
    ("value", _TEXT),
    ("profile_id", _TEXT),
    ("kind", _TEXT),
    ("is_primary", _BOOL),
    ("disabled", _BOOL),
    ("attributes", _json()),
    ("created_at", _ts()),
    ("seq", _INT),
)
memberships_1 = _table(
    "memberships", ("workspace_id", _TEXT), ("group_id", _TEXT), ("member_id", _TEXT), ("seq", _INT)
)
events_1 = _table(
    "events",
    ("workspace_id", _TEXT),
    ("seq", _INT),
    ("type", _TEXT),
    ("profile_id", _TEXT),
    ("other_profile_id", _TEXT),
    ("ref_seq", _INT),
    ("actor", _TEXT),
    ("at", _ts()),
    ("payload", _json()),
)
api_keys_1 = _table(
    "api_keys",
    ("id", _TEXT),
    ("workspace_id", _TEXT),
    ("name", _TEXT),
    ("prefix", _TEXT),
    ("secret_hash", _TEXT),
    ("scopes", _json()),
    ("extra", _json()),
    ("created_at", _ts()),
    ("revoked_at", _ts()),
)


def _event(
    seq: int, type_: str, pid: str, payload: dict[str, Any], other: str | None = None
) -> dict[str, Any]:
    return {
        "workspace_id": SEEDED_WORKSPACE,
        "seq": seq,
        "type": type_,
        "profile_id": pid,
        "other_profile_id": other,
        "ref_seq": None,
        "actor": "seed",
        "at": _t(seq),
        "payload": payload,
    }


def _profile(pid: str, created: int, updated: int, **values: Any) -> dict[str, Any]:
    row = {"external_id": None, "attributes": {}, "merged_into": None, **values}
    return {
        "workspace_id": SEEDED_WORKSPACE,
        "id": pid,
        "created_at": _t(created),
        "updated_at": _t(updated),
        **row,
    }


def _identifier(
    namespace: str, value: str, created: int, seq: int, **values: Any
) -> dict[str, Any]:
    row = {"kind": "USER", "is_primary": False, "disabled": False, "attributes": {}, **values}
    return {
        "workspace_id": SEEDED_WORKSPACE,
        "namespace": namespace,
        "value": value,
        "profile_id": "k",
        "created_at": _t(created),
        "seq": seq,
        **row,
    }


def seed_first_revision(conn: Connection) -> None:
    """Anonymous `m` (with device d-1, in group `g`) merged into identified `k`."""
    conn.execute(
        sa.insert(workspaces_1).values(
            id=SEEDED_WORKSPACE,
            settings={"merge_policy": "auto", "internal_domains": ["example.com"]},
            last_seq=SEEDED_EVENTS,
            created_at=T0,
        )
    )
    conn.execute(
        sa.insert(profiles_1),
        [
            _profile("k", 1, 7, external_id="u-k", attributes={"plan": "pro", "city": "Oslo"}),
            _profile("g", 5, 5),
        ],
    )
    # A tombstone after the profile it points at (foreign key on merged_into).
    conn.execute(
        sa.insert(profiles_1).values(
            _profile("m", 2, 7, attributes={"city": "Oslo"}, merged_into="k")
        )
    )
    conn.execute(
        sa.insert(identifiers_1),
        [
            _identifier("email", "ann@example.com", 3, 3, is_primary=True),
            _identifier("device", "d-1", 4, 7, attributes={"os": "ios"}),
        ],
    )
    conn.execute(
        sa.insert(memberships_1).values(
            workspace_id=SEEDED_WORKSPACE, group_id="g", member_id="k", seq=7
        )
    )
    merged = {
        "keep": "k",
        "merge": "m",
        "identifiers": [["device", "d-1"]],
        "demoted": [],
        "memberships": [["g", "m", True]],
        "tombstones": [],
        "external_id_moved": None,
        "attributes_added": {"city": "Oslo"},
    }
    linked = {"kind": "USER", "attributes": {}}
    conn.execute(
        sa.insert(events_1),
        [
            _event(
                1, "profile.created", "k", {"external_id": "u-k", "attributes": {"plan": "pro"}}
            ),
            _event(
                2, "profile.created", "m", {"external_id": None, "attributes": {"city": "Oslo"}}
            ),
            _event(
                3,
                "identifier.linked",
                "k",
                {**linked, "namespace": "email", "value": "ann@example.com", "primary": True},
            ),
            _event(
                4,
                "identifier.linked",
                "m",
                {
                    **linked,
                    "namespace": "device",
                    "value": "d-1",
                    "primary": False,
                    "attributes": {"os": "ios"},
                },
            ),
            _event(5, "profile.created", "g", {"external_id": None, "attributes": {}}),
            _event(6, "membership.added", "g", {"group_id": "g", "member_id": "m"}, other="m"),
            _event(7, "profile.merged", "k", merged, other="m"),
        ],
    )
    conn.execute(
        sa.insert(api_keys_1).values(
            id="key-1",
            workspace_id=SEEDED_WORKSPACE,
            name="seeded admin",
            prefix="aka_seed",
            secret_hash=SEEDED_KEY_HASH,
            scopes=["identities:read", "keys:admin"],
            extra=sa.null(),  # SQL NULL, as the column stores "no extra" (not JSON null)
            created_at=T0,
            revoked_at=None,
        )
    )


# --- before the partial indexes (ADR 0013) ---------------------------------------------

# The last revision whose indexes on `profiles.merged_into`, `events.other_profile_id`
# and `events.ref_seq` hold every row; the next one keeps only the rows with a value.
BEFORE_PARTIAL_INDEXES: Final = "8c3f2a6d9e14"
UNDONE_WORKSPACE: Final = "undone"
UNDONE_EVENTS: Final = 11


def _linked(namespace: str, value: str, *, primary: bool = False) -> dict[str, Any]:
    return {
        "namespace": namespace,
        "value": value,
        "kind": "USER",
        "primary": primary,
        "attributes": {},
    }


def _merge(keep: str, merge: str, **moved: Any) -> dict[str, Any]:
    empty = {"identifiers": [], "demoted": [], "memberships": [], "tombstones": []}
    return {
        "keep": keep,
        "merge": merge,
        **empty,
        "external_id_moved": None,
        "attributes_added": {},
        **moved,
    }


def seed_before_partial_indexes(conn: Connection) -> None:
    """A workspace whose rare columns all carry values: `m` (device d-1, in group `g`)
    merged into `k` and left a tombstone; `x` (device d-2) merged into `k` and the merge
    undone. Eleven events, the graph their replay rebuilds, in the third revision's
    tables (which are the first revision's)."""
    ws = UNDONE_WORKSPACE

    def at(second: int) -> datetime:
        return datetime(2026, 12, 1, 9, 0, second, tzinfo=UTC)

    conn.execute(
        sa.insert(workspaces_1).values(id=ws, settings={}, last_seq=UNDONE_EVENTS, created_at=at(0))
    )
    profile = {"workspace_id": ws, "external_id": None, "attributes": {}, "merged_into": None}
    conn.execute(
        sa.insert(profiles_1),
        [
            {**profile, "id": "k", "external_id": "u-k", "attributes": {"plan": "pro"},
             "created_at": at(1), "updated_at": at(11)},
            {**profile, "id": "x", "created_at": at(3), "updated_at": at(11)},
            {**profile, "id": "g", "created_at": at(4), "updated_at": at(4)},
        ],
    )  # fmt: skip
    # The tombstone after the profile it points at (foreign key on merged_into).
    conn.execute(
        sa.insert(profiles_1).values(
            {**profile, "id": "m", "merged_into": "k", "created_at": at(2), "updated_at": at(9)}
        )
    )
    identifier = {"workspace_id": ws, "kind": "USER", "disabled": False, "attributes": {}}
    conn.execute(
        sa.insert(identifiers_1),
        [
            {**identifier, "namespace": "email", "value": "kim@example.com", "profile_id": "k",
             "is_primary": True, "created_at": at(5), "seq": 5},
            {**identifier, "namespace": "device", "value": "d-1", "profile_id": "k",
             "is_primary": False, "created_at": at(6), "seq": 9},
            {**identifier, "namespace": "device", "value": "d-2", "profile_id": "x",
             "is_primary": False, "created_at": at(7), "seq": 7},
        ],
    )  # fmt: skip
    conn.execute(
        sa.insert(memberships_1).values(workspace_id=ws, group_id="g", member_id="k", seq=9)
    )
    log: list[tuple[str, str, dict[str, Any], str | None, int | None]] = [
        ("profile.created", "k", {"external_id": "u-k", "attributes": {"plan": "pro"}}, None, None),
        ("profile.created", "m", {"external_id": None, "attributes": {}}, None, None),
        ("profile.created", "x", {"external_id": None, "attributes": {}}, None, None),
        ("profile.created", "g", {"external_id": None, "attributes": {}}, None, None),
        ("identifier.linked", "k", _linked("email", "kim@example.com", primary=True), None, None),
        ("identifier.linked", "m", _linked("device", "d-1"), None, None),
        ("identifier.linked", "x", _linked("device", "d-2"), None, None),
        ("membership.added", "g", {"group_id": "g", "member_id": "m"}, "m", None),
        (
            "profile.merged", "k",
            _merge("k", "m", identifiers=[["device", "d-1"]], memberships=[["g", "m", True]]),
            "m", None,
        ),
        ("profile.merged", "k", _merge("k", "x", identifiers=[["device", "d-2"]]), "x", None),
        (
            "profile.unmerged", "k",
            {
                "merge_seq": 10, "keep": "k", "merge": "x",
                "identifiers": [["device", "d-2"]], "identifier_seqs": [7], "promoted": [],
                "memberships_removed": [], "memberships_restored": [], "tombstones": [],
                "external_id_moved": None, "attributes_removed": [],
            },
            "x", 10,
        ),
    ]  # fmt: skip
    conn.execute(
        sa.insert(events_1),
        [
            {"workspace_id": ws, "seq": seq, "type": type_, "profile_id": pid,
             "other_profile_id": other, "ref_seq": ref, "actor": "seed", "at": at(seq),
             "payload": payload}
            for seq, (type_, pid, payload, other, ref) in enumerate(log, start=1)
        ],
    )  # fmt: skip


# Revision id -> the rows to write right after upgrading to it.
SEEDS: Final[dict[str, Callable[[Connection], None]]] = {
    FIRST_REVISION: seed_first_revision,
    BEFORE_PARTIAL_INDEXES: seed_before_partial_indexes,
}
