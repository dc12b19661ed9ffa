"""Finding the rows whose text or bytes hold any of some needles: how erasure finds the
copies of a person's values kept outside the graph (stored answers, job errors).

SQL has no portable "this column contains that text" for both text and bytes (LIKE
treats `%` and `_` specially and is case-insensitive on SQLite), so `holds` compiles to
each database's plain substring search. The scan narrows; the caller decides exactly
(`core.scrub`), so a row found for an escaped form of a needle is still only changed
where a value really stands.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Row
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

# Needles per statement: each adds one substring test per column to every row scanned.
NEEDLES_PER_SCAN = 100


class holds(FunctionElement[bool]):  # noqa: N801 - used like a SQL function
    """`holds(column, needle)`: the column's text or bytes contain the needle."""

    type = sa.Boolean()
    inherit_cache = True
    name = "holds"


@compiles(holds)
def _holds_sqlite(element: holds, compiler: SQLCompiler, **kw: Any) -> str:
    column, needle = (compiler.process(c, **kw) for c in element.clauses)
    return f"instr({column}, {needle}) > 0"


@compiles(holds, "postgresql")
def _holds_postgres(element: holds, compiler: SQLCompiler, **kw: Any) -> str:
    column, needle = (compiler.process(c, **kw) for c in element.clauses)
    return f"position({needle} in {column}) > 0"


def searchable(column: sa.ColumnElement[Any]) -> sa.ColumnElement[Any]:
    """The column as something `holds` can search: JSON as its text, bytes as bytes."""
    if isinstance(column.type, sa.LargeBinary):
        return column
    if isinstance(column.type, sa.String):
        return column
    return sa.cast(column, sa.Text)


def rows_holding(
    conn: Connection,
    table: sa.Table,
    columns: Sequence[sa.ColumnElement[Any]],
    needles: Sequence[str],
    *where: sa.ColumnElement[bool],
) -> Iterator[Row[Any]]:
    """Every row of `table` (under `where`) in which one of `columns` holds one of the
    needles, each row once."""
    seen: set[tuple[Any, ...]] = set()
    key = list(table.primary_key.columns)
    for start in range(0, len(needles), NEEDLES_PER_SCAN):
        chunk = needles[start : start + NEEDLES_PER_SCAN]
        tests = []
        for column in columns:
            target = searchable(column)
            binary = isinstance(column.type, sa.LargeBinary)
            for needle in chunk:
                value = (
                    sa.literal(needle.encode(), sa.LargeBinary) if binary else sa.literal(needle)
                )
                tests.append(holds(target, value))
        for row in conn.execute(sa.select(table).where(*where, sa.or_(*tests))):
            identity = tuple(getattr(row, c.name) for c in key)
            if identity not in seen:
                seen.add(identity)
                yield row
