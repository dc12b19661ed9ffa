"""Contract: file containers and their chunks (`tx.files`), on every backend."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from aka.core.ports import FileRecord, Store

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
LATER = T0 + timedelta(minutes=15)


def test_a_file_is_written_in_chunks_and_read_back(store: Store, ws: str) -> None:
    """Chunk 0 of a new upload drops the last upload's content and its size."""
    record = FileRecord("f1", "hash", T0, LATER)
    with store.transaction(ws) as tx:
        tx.files.add(record)
        tx.files.write_chunk("f1", 0, b"old")
        tx.files.finish("f1", 3)
    with store.transaction(ws) as tx:
        assert tx.files.get("f1") == replace(record, size=3)
        tx.files.write_chunk("f1", 0, b"ab")
        assert tx.files.get("f1") == record
        tx.files.write_chunk("f1", 1, b"cd")
        tx.files.finish("f1", 4)
    with store.transaction(ws, write=False) as tx:
        assert [tx.files.chunk("f1", n) for n in range(3)] == [b"ab", b"cd", None]
        assert tx.files.get("f1") == replace(record, size=4)
    with store.transaction(ws) as tx:
        tx.files.remove("f1")
        assert tx.files.get("f1") is None
        assert tx.files.chunk("f1", 0) is None
