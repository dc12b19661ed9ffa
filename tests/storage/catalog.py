"""What each database's own catalog says about the migrated schema's indexes."""

from __future__ import annotations

from typing import Final

from aka.storage.sql_store import SqlStore

# The partial indexes (ADR 0013): name -> the predicate the catalog shows.
PARTIAL: Final = {
    "ix_profiles_workspace_id_merged_into": "merged_into IS NOT NULL",
    "ix_events_workspace_id_other_profile_id": "other_profile_id IS NOT NULL",
    "ix_events_workspace_id_ref_seq": "ref_seq IS NOT NULL",
}


def declared_predicates(store: SqlStore) -> dict[str, str]:
    """Each partial index of the store's database and its WHERE, as the catalog says."""
    with store.engine.connect() as conn:
        if store.engine.dialect.name == "sqlite":
            rows = conn.exec_driver_sql(
                "SELECT name, sql FROM sqlite_master"
                " WHERE type = 'index' AND instr(sql, ' WHERE ') > 0"
            ).all()
        else:
            rows = conn.exec_driver_sql(
                "SELECT indexname, indexdef FROM pg_indexes"
                " WHERE schemaname = current_schema() AND strpos(indexdef, ' WHERE ') > 0"
            ).all()
    return {
        str(name): " ".join(str(ddl).split("WHERE", 1)[1].split()).strip("() ")
        for name, ddl in rows
    }
