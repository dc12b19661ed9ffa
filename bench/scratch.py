"""The floors' scratch table: the identifiers' key and unique index, nothing of aka's.

The same shape as aka's `identifiers` key (workspace, namespace, value) with the profile
it points at; the primary key is the unique index aka's table has. The profile index
(aka has one too) is added only where the floor reads by profile (re-pointing a merge).
"""

from __future__ import annotations

TABLE = "bench_identifiers"
COLUMNS = "workspace_id, namespace, value, profile_id"


def create_statements(*, profile_index: bool = False) -> list[str]:
    statements = [
        f"DROP TABLE IF EXISTS {TABLE}",
        f"""CREATE TABLE {TABLE} (
            workspace_id VARCHAR(64) NOT NULL,
            namespace VARCHAR(255) NOT NULL,
            value VARCHAR(1024) NOT NULL,
            profile_id VARCHAR(64) NOT NULL,
            PRIMARY KEY (workspace_id, namespace, value)
        )""",
    ]
    if profile_index:
        statements.append(
            f"CREATE INDEX {TABLE}_profile ON {TABLE} (workspace_id, profile_id, namespace)"
        )
    return statements


def repoint_sql(placeholder: str) -> str:
    """Move every identifier of one profile to another: what a merge does to them."""
    p = placeholder
    return f"UPDATE {TABLE} SET profile_id = {p} WHERE workspace_id = {p} AND profile_id = {p}"
