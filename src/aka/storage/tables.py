"""The relational schema, shared by every SQL backend (SQLAlchemy Core, no ORM).

Every key starts with `workspace_id`, so a workspace's rows sit together in each index
and the schema can later be distributed by workspace (Citus) without changing keys.

Invariants 1-3 of the design are held by the database itself, not only by Python:
- 1 (an identifier belongs to exactly one profile): the identifier's key is the primary
  key, and `profile_id` is a NOT NULL foreign key to `profiles`.
- 2 (a tombstone points at a profile): `merged_into` is a foreign key to `profiles` and
  may not point at the row itself. That the target is *live* (not itself a tombstone)
  cannot be declared in SQLite (no cross-row CHECK, no partial foreign key); the merge
  service keeps it by re-pointing older tombstones and `aka check` verifies it.
  Likewise that identifiers and members sit on *live* profiles.
- 3 (external ids are unique): a UNIQUE over all profile rows, tombstones included,
  which is stricter than "among live profiles": a tombstone keeps its external id so
  lookups forward, so no live profile may reuse it. NULLs never collide.

Constraint names follow `NAMING` so a later migration (SQLite batch mode, PostgreSQL
`ALTER TABLE ... DROP CONSTRAINT`) can address them; the first revision spells the same
names out by hand.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from aka.core.model import Kind

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = sa.MetaData(naming_convention=NAMING)

# Lengths follow the limits `core.normalize` enforces, so PostgreSQL's VARCHAR(n)
# (characters) can never refuse a value the service accepted (n bytes >= n characters).
WORKSPACE_ID = sa.String(64)
PROFILE_ID = sa.String(64)  # UUIDv7 text is 36; headroom for imported ids
NAMESPACE = sa.String(255)
VALUE = sa.String(1024)
EXTERNAL_ID = sa.String(1024)


class UtcDateTime(sa.TypeDecorator[datetime]):
    """A timestamp that always comes back timezone-aware in UTC, microseconds intact.

    SQLite has no timestamp type: SQLAlchemy stores naive ISO text and would hand back
    naive datetimes, so the offset is normalised away on the way in and UTC put back on
    the way out. PostgreSQL's `timestamptz` already round-trips; this only converts.
    """

    impl = sa.DateTime
    cache_ok = True

    def __init__(self) -> None:
        super().__init__(timezone=True)

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            # A naive time is ambiguous; refusing it beats silently storing local time.
            raise ValueError(f"naive datetime {value!r}: store timezone-aware times only")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(
        self,
        value: datetime | None,
        dialect: Dialect,  # noqa: ARG002  (TypeDecorator's signature)
    ) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def json_type(*, none_as_null: bool = False) -> sa.types.TypeEngine[Any]:
    """JSON everywhere, JSONB on PostgreSQL (indexable, compact, order-insensitive)."""
    return sa.JSON(none_as_null=none_as_null).with_variant(
        postgresql.JSONB(none_as_null=none_as_null), "postgresql"
    )


def _workspace_fk() -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(["workspace_id"], ["workspaces.id"])


def _graph_workspace_fk() -> sa.ForeignKeyConstraint:
    """The workspace of a graph row, enforced on SQLite only. On PostgreSQL each inserted
    row's check locks the workspace row, which every write also updates (`last_seq`):
    it was more than half of a bulk load's COPY time, and guards nothing, since a
    transaction only opens in an existing workspace and none is ever deleted (ADR 0013,
    revision 3f6a1c2e9b70)."""
    return _workspace_fk().ddl_if(dialect="sqlite")


def exists_on(dialect_name: str, item: object) -> bool:
    """Whether a constraint or index of these tables exists on that database (one
    declared with `ddl_if(dialect=...)` exists on that one only). Schema comparisons
    (`alembic` autogenerate, the migration tests) skip the others."""
    ddl_if = getattr(item, "_ddl_if", None)
    wanted = getattr(ddl_if, "dialect", None)
    if wanted is None:
        return True
    return dialect_name == wanted if isinstance(wanted, str) else dialect_name in wanted


def _profile_fk(column: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["workspace_id", column], ["profiles.workspace_id", "profiles.id"]
    )


def _rare(column: str) -> sa.Index:
    """An index over a column that is NULL on nearly every row, holding only the rows with
    a value (ADR 0013): the common write (a profile, an identifier, their events) adds no
    entry to it. A query reads it only if its WHERE implies `column IS NOT NULL`, which
    `column = ?`, `column IN (...)` and that very predicate do, on both databases."""
    where = sa.text(f"{column} IS NOT NULL")
    return sa.Index(None, "workspace_id", column, sqlite_where=where, postgresql_where=where)


workspaces = sa.Table(
    "workspaces",
    metadata,
    sa.Column("id", WORKSPACE_ID, primary_key=True),
    sa.Column("settings", json_type(), nullable=False),
    # The event counter lives on the workspace row: incrementing it is the write that
    # serialises appenders on PostgreSQL (row lock) as BEGIN IMMEDIATE does on SQLite.
    sa.Column("last_seq", sa.BigInteger, nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False),
)

profiles = sa.Table(
    "profiles",
    metadata,
    sa.Column("workspace_id", WORKSPACE_ID, nullable=False),
    sa.Column("id", PROFILE_ID, nullable=False),
    sa.Column("external_id", EXTERNAL_ID, nullable=True),
    sa.Column("attributes", json_type(), nullable=False),
    sa.Column("merged_into", PROFILE_ID, nullable=True),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("updated_at", UtcDateTime(), nullable=False),
    sa.PrimaryKeyConstraint("workspace_id", "id"),
    sa.UniqueConstraint("workspace_id", "external_id"),
    _graph_workspace_fk(),
    _profile_fk("merged_into"),
    sa.CheckConstraint("merged_into IS NULL OR merged_into <> id", name="not_merged_into_self"),
    # tombstones_of, and the foreign key check when a profile row is deleted; NULL on
    # every live profile.
    _rare("merged_into"),
)

# The holders of a shared value (a Braze user's `email` or `phone`, ADR 0018):
# `GraphReads.profiles_with_field` compares a profile's field as text, and an index per
# field serves it on both databases. SQLite uses an expression index only for the very
# same expression, with the JSON path written in, not bound: so the query and the
# index are both `SharedField`, which renders that one expression per database.
SHARED_FIELDS: Final = ("email", "phone")


class SharedField(FunctionElement[str]):
    """A profile's field `name` as text: `(attributes ->> 'name')` on PostgreSQL,
    `json_extract(attributes, '$.name')` on SQLite."""

    type = sa.String()
    inherit_cache = True

    def __init__(self, name: str) -> None:
        if name not in SHARED_FIELDS:  # written into SQL: only the known names
            raise ValueError(f"{name!r} is not a shared field; those are {SHARED_FIELDS}")
        key: sa.ColumnElement[str] = sa.literal_column(f"'{name}'")
        path: sa.ColumnElement[str] = sa.literal_column(f"'$.{name}'")
        super().__init__(profiles.c.attributes, key, path)


@compiles(SharedField, "postgresql")
def _shared_field_postgresql(element: SharedField, compiler: SQLCompiler, **kw: Any) -> str:
    attributes, key, _ = element.clauses
    return f"({compiler.process(attributes, **kw)} ->> {compiler.process(key, **kw)})"


@compiles(SharedField, "sqlite")
def _shared_field_sqlite(element: SharedField, compiler: SQLCompiler, **kw: Any) -> str:
    attributes, _, path = element.clauses
    return f"json_extract({compiler.process(attributes, **kw)}, {compiler.process(path, **kw)})"


SHARED_FIELD_INDEXES: Final = tuple(
    # `id` last: the holders come off the index in the order the query asks for, so
    # SQLite does not prefer walking the primary key in id order instead.
    sa.Index(
        f"ix_profiles_workspace_id_{name}",
        profiles.c.workspace_id,
        SharedField(name),
        profiles.c.id,
    )
    for name in SHARED_FIELDS
)

identifiers = sa.Table(
    "identifiers",
    metadata,
    sa.Column("workspace_id", WORKSPACE_ID, nullable=False),
    sa.Column("namespace", NAMESPACE, nullable=False),
    sa.Column("value", VALUE, nullable=False),
    sa.Column("profile_id", PROFILE_ID, nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("is_primary", sa.Boolean, nullable=False),
    sa.Column("disabled", sa.Boolean, nullable=False),
    sa.Column("attributes", json_type(), nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("seq", sa.BigInteger, nullable=False),  # the last event that changed the row
    # A name the profile was renamed away from (ADR 0024); the default fills the rows
    # written before the column existed.
    sa.Column("deprecated", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.PrimaryKeyConstraint("workspace_id", "namespace", "value"),
    _graph_workspace_fk(),
    _profile_fk("profile_id"),
    sa.CheckConstraint(
        "kind IN (" + ", ".join(f"'{k.value}'" for k in Kind) + ")", name="kind_known"
    ),
    # identifiers_of / count_in_namespace / primary demotion; also backs the foreign key.
    sa.Index(None, "workspace_id", "profile_id", "namespace"),
)

memberships = sa.Table(
    "memberships",
    metadata,
    sa.Column("workspace_id", WORKSPACE_ID, nullable=False),
    sa.Column("group_id", PROFILE_ID, nullable=False),
    sa.Column("member_id", PROFILE_ID, nullable=False),
    sa.Column("seq", sa.BigInteger, nullable=False),
    sa.PrimaryKeyConstraint("workspace_id", "group_id", "member_id"),
    _graph_workspace_fk(),
    _profile_fk("group_id"),
    _profile_fk("member_id"),
    sa.Index(None, "workspace_id", "member_id"),  # groups_of walks edges upwards
)

events = sa.Table(
    "events",
    metadata,
    sa.Column("workspace_id", WORKSPACE_ID, nullable=False),
    sa.Column("seq", sa.BigInteger, nullable=False),
    sa.Column("type", sa.String(64), nullable=False),
    # Deliberately no foreign keys to profiles: events outlive the profiles they name
    # (a delete keeps its history, redacted).
    sa.Column("profile_id", PROFILE_ID, nullable=True),
    sa.Column("other_profile_id", PROFILE_ID, nullable=True),
    sa.Column("ref_seq", sa.BigInteger, nullable=True),
    sa.Column("actor", sa.Text, nullable=True),
    sa.Column("at", UtcDateTime(), nullable=False),
    sa.Column("payload", json_type(), nullable=False),
    sa.PrimaryKeyConstraint("workspace_id", "seq"),
    _graph_workspace_fk(),
    # events_about (history, explain, erasure) by either profile an event names.
    sa.Index(None, "workspace_id", "profile_id"),
    _rare("other_profile_id"),  # set by merges, unmerges and membership events only
    _rare("ref_seq"),  # unmerge_of, undone_merges: set by unmerges only
    # `GraphHistory.seq_at`: the last event at or before a moment (ADR 0025). `seq` in
    # it: a flush stamps thousands of events with one time, and the newest of them is
    # then the first entry read backwards, not the last of thousands.
    sa.Index(None, "workspace_id", "at", "seq"),
)

# Every version of an identifier row that ended (ADR 0025): the row as event `from_seq`
# left it, until event `to_seq` changed or removed it. The current version is the row in
# `identifiers` itself, so adding rows (a bulk load) writes nothing here. Written by the
# engine in the event's own transaction (`storage/sql_history.py`); erasure removes
# every version of the erased identifiers and profiles. No foreign key to `profiles`: a
# version outlives the tombstone forwarding its profile, and erasure removes both.
identifier_spans = sa.Table(
    "identifier_spans",
    metadata,
    sa.Column("workspace_id", WORKSPACE_ID, nullable=False),
    sa.Column("namespace", NAMESPACE, nullable=False),
    sa.Column("value", VALUE, nullable=False),
    sa.Column("from_seq", sa.BigInteger, nullable=False),
    sa.Column("to_seq", sa.BigInteger, nullable=False),
    sa.Column("profile_id", PROFILE_ID, nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("is_primary", sa.Boolean, nullable=False),
    sa.Column("disabled", sa.Boolean, nullable=False),
    sa.Column("attributes", json_type(), nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("seq", sa.BigInteger, nullable=False),  # the row's own `seq` then
    sa.Column("deprecated", sa.Boolean, nullable=False, server_default=sa.false()),
    # `identifier_at`: the key's versions, newest first from `from_seq`.
    sa.PrimaryKeyConstraint("workspace_id", "namespace", "value", "from_seq"),
    _graph_workspace_fk(),
    # `identifiers_at` (a profile then), `holders_ever` and erasure, by profile.
    sa.Index(None, "workspace_id", "profile_id", "from_seq"),
)

api_keys = sa.Table(
    "api_keys",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("workspace_id", WORKSPACE_ID, nullable=False),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("prefix", sa.Text, nullable=False),
    sa.Column("secret_hash", sa.String(128), nullable=False),
    sa.Column("scopes", json_type(), nullable=False),
    sa.Column("extra", json_type(none_as_null=True), nullable=True),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("revoked_at", UtcDateTime(), nullable=True),
    # The namespaces the key may use (ADR 0026): a JSON list of patterns; NULL, all.
    sa.Column("namespaces", json_type(none_as_null=True), nullable=True),
    sa.UniqueConstraint("secret_hash"),
    _workspace_fk(),
    sa.Index(None, "workspace_id"),
)

# The first answer to each `Idempotency-Key`, stored in the same transaction as the work
# it answers, so a retry replays it instead of doing the work again.
idempotency_keys = sa.Table(
    "idempotency_keys",
    metadata,
    sa.Column("workspace_id", WORKSPACE_ID, primary_key=True),
    sa.Column("key", sa.String(255), primary_key=True),
    sa.Column("request_hash", sa.String(64), nullable=False),
    sa.Column("status", sa.Integer, nullable=False),
    sa.Column("headers", json_type(), nullable=False),
    sa.Column("body", sa.LargeBinary, nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("expires_at", UtcDateTime(), nullable=False),
    _workspace_fk(),
    sa.Index(None, "workspace_id", "expires_at"),
)

# Mimecast request ids seen in the last 15 minutes, so a replayed signed request is
# refused by every process sharing the database (the signature alone cannot tell).
seen_requests = sa.Table(
    "seen_requests",
    metadata,
    sa.Column("workspace_id", WORKSPACE_ID, primary_key=True),
    sa.Column("request_id", sa.String(255), primary_key=True),
    sa.Column("expires_at", UtcDateTime(), nullable=False),
    _workspace_fk(),
    sa.Index(None, "workspace_id", "expires_at"),
)

# What the last Coveo push wrote for each identity: its `orderingId` (an older update is
# dropped) and the groups its `wellKnowns` granted (the next push replaces exactly those,
# leaving memberships that came from a group's own member list alone). Transport
# bookkeeping, not graph data, so it is kept apart from the identifiers.
pushed_identities = sa.Table(
    "pushed_identities",
    metadata,
    sa.Column("workspace_id", WORKSPACE_ID, primary_key=True),
    sa.Column("namespace", NAMESPACE, primary_key=True),
    sa.Column("value", VALUE, primary_key=True),
    sa.Column("ordering_id", sa.BigInteger, nullable=False),
    sa.Column("granted", json_type(), nullable=False),
    _workspace_fk(),
    # `olderthan` finds a provider's identities last written below an id.
    sa.Index(None, "workspace_id", "namespace", "ordering_id"),
)

# Background jobs (a Coveo batch file applied after the 202): progress is saved in the
# same transaction as the items it counts, so a job resumes exactly where it stopped.
jobs = sa.Table(
    "jobs",
    metadata,
    sa.Column("workspace_id", WORKSPACE_ID, primary_key=True),
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("kind", sa.String(64), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("params", json_type(), nullable=False),
    sa.Column("done", sa.BigInteger, nullable=False),
    sa.Column("failed", sa.BigInteger, nullable=False),
    sa.Column("total", sa.BigInteger, nullable=True),
    sa.Column("errors", json_type(), nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("updated_at", UtcDateTime(), nullable=False),
    sa.Column("lease_until", UtcDateTime(), nullable=True),
    _workspace_fk(),
    sa.Index(None, "workspace_id", "status", "created_at"),
)

# Webhooks (ADR 0030): the event log is their outbox. Each keeps a durable cursor, the
# last seq it delivered (or passed over as not matching), and a lease: one process at a
# time delivers a webhook, so its batches go out in order.
webhooks = sa.Table(
    "webhooks",
    metadata,
    sa.Column("workspace_id", WORKSPACE_ID, primary_key=True),
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("url", sa.String(2048), nullable=False),
    sa.Column("events", json_type(), nullable=False),
    sa.Column("secret", sa.String(256), nullable=False),
    sa.Column("namespaces", json_type(), nullable=True),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("created_by", sa.String(64), nullable=True),
    sa.Column("delivered_seq", sa.BigInteger, nullable=False),
    sa.Column("failures", sa.Integer, nullable=False),
    sa.Column("next_attempt_at", UtcDateTime(), nullable=True),
    sa.Column("lease_until", UtcDateTime(), nullable=True),
    sa.Column("lease_owner", sa.String(64), nullable=True),
    _workspace_fk(),
)

# Each delivery attempt, kept `webhook_deliveries_keep_days` (the housekeeper prunes).
# `id` sorts by time (`service.webhooks.delivery_id`): a page is newest first by it.
webhook_deliveries = sa.Table(
    "webhook_deliveries",
    metadata,
    sa.Column("workspace_id", WORKSPACE_ID, primary_key=True),
    sa.Column("webhook_id", sa.String(64), primary_key=True),
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("first_seq", sa.BigInteger, nullable=False),
    sa.Column("last_seq", sa.BigInteger, nullable=False),
    sa.Column("events", sa.Integer, nullable=False),
    sa.Column("attempt", sa.Integer, nullable=False),
    sa.Column("status_code", sa.Integer, nullable=True),
    sa.Column("error", sa.String(1024), nullable=True),
    sa.Column("at", UtcDateTime(), nullable=False),
    sa.Column("duration_ms", sa.Integer, nullable=False),
    sa.Column("next_attempt_at", UtcDateTime(), nullable=True),
    sa.ForeignKeyConstraint(
        ["workspace_id", "webhook_id"], ["webhooks.workspace_id", "webhooks.id"]
    ),
    # The housekeeper's sweep: what is older than the kept days, per workspace.
    sa.Index(None, "workspace_id", "at"),
)

# File containers (Coveo `POST /files`) and their content in chunks of at most 1 MiB:
# an upload is streamed into rows, never held whole in memory.
file_containers = sa.Table(
    "file_containers",
    metadata,
    sa.Column("workspace_id", WORKSPACE_ID, primary_key=True),
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("token_hash", sa.String(64), nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("expires_at", UtcDateTime(), nullable=False),
    sa.Column("size", sa.BigInteger, nullable=True),
    _workspace_fk(),
)

file_chunks = sa.Table(
    "file_chunks",
    metadata,
    sa.Column("workspace_id", WORKSPACE_ID, primary_key=True),
    sa.Column("file_id", sa.String(64), primary_key=True),
    sa.Column("n", sa.Integer, primary_key=True),
    sa.Column("data", sa.LargeBinary, nullable=False),
    sa.ForeignKeyConstraint(
        ["workspace_id", "file_id"], ["file_containers.workspace_id", "file_containers.id"]
    ),
)

# One row whose `generation` every change to an API key or a workspace's settings bumps,
# in the change's own transaction (`storage/cache_generation.py`): each process keeps
# keys and settings in memory and asks this row (or, on SQLite, first the file's
# `data_version`) whether what it keeps is still current (ADR 0021). `id` is always 1.
cache_generation = sa.Table(
    "cache_generation",
    metadata,
    sa.Column("id", sa.SmallInteger, primary_key=True, autoincrement=False),
    sa.Column("generation", sa.BigInteger, nullable=False),
    sa.CheckConstraint("id = 1", name="one_row"),
)
