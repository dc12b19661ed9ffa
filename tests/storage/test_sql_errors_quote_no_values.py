"""A failed statement's error text never quotes the values it was given: it ends up in
logs (a traceback), which erasure cannot reach."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import SQLAlchemyError

from aka.storage.sql_store import SqlStore


def test_an_sql_error_hides_its_parameters(sql_store: SqlStore) -> None:
    with sql_store.engine.connect() as conn, pytest.raises(SQLAlchemyError) as failure:
        conn.execute(sa.text("SELECT value FROM no_such_table WHERE value = :v"), {"v": "ann@x.io"})
    assert "ann@x.io" not in str(failure.value)
    assert "parameters hidden" in str(failure.value)
