"""Reading an import file one row at a time (JSONL or CSV), never the whole file.

Each row keeps the line numbers it spans and its original text, so a rejected row can
be written to the error file as it was, and the import can say which line it reached.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from aka.core.errors import AkaError, Code
from aka.service import transfer
from aka.service.transfer import Record

if TYPE_CHECKING:
    import _csv  # the reader's type (it has `line_num`)

BOM: Final = b"\xef\xbb\xbf"


@dataclass(slots=True)
class Row:
    """One record of the file: where it is, what it said, and what it parsed to."""

    line: int  # the line it starts on (1-based; a CSV header is line 1)
    end: int  # the line it ends on (a quoted CSV cell may span lines)
    text: str
    record: Record | None = None
    error: AkaError | None = None


class Reading:
    """How far the reader got, for progress (bytes) and for "stopped after line N"."""

    def __init__(self) -> None:
        self.bytes = 0
        self.line = 0


def jsonl_rows(
    source: Iterable[bytes], reading: Reading, *, skip_through: int = 0
) -> Iterator[Row]:
    """A row per non-blank line; lines up to `skip_through` are read past, not parsed."""
    for number, raw in enumerate(source, start=1):
        reading.bytes += len(raw)
        reading.line = number
        if number <= skip_through:
            continue
        line = raw.removeprefix(BOM) if number == 1 else raw
        if not line.strip():
            continue
        text = line.decode("utf-8", errors="replace").rstrip("\r\n")
        try:
            yield Row(number, number, text, record=transfer.parse_line(line))
        except AkaError as refused:
            yield Row(number, number, text, error=refused)


def csv_rows(source: Iterable[bytes], reading: Reading, *, skip_through: int = 0) -> Iterator[Row]:
    """A row per CSV record after the header row. The header is read and checked now,
    before any row: a bad one is an AkaError (no row could be read right after it)."""
    lines = _Lines(source, reading)
    reader = csv.reader(lines)
    header = _header(reader)
    reading.line = reader.line_num
    lines.take()
    return _csv_records(reader, lines, header, reading, skip_through)


class _Lines:
    """The decoded lines fed to the CSV reader, remembering the raw text of the record
    being read and whether any of its lines was not UTF-8."""

    def __init__(self, source: Iterable[bytes], reading: Reading) -> None:
        self._source = iter(source)
        self._reading = reading
        self._consumed: list[str] = []
        self._undecodable = False

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        raw = next(self._source)
        self._reading.bytes += len(raw)
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            text, self._undecodable = raw.decode("utf-8", errors="replace"), True
        if self._reading.line == 0 and not self._consumed:
            text = text.removeprefix("\ufeff")  # a byte order mark before the header
        self._consumed.append(text)
        return text

    def take(self) -> tuple[str, bool]:
        """The record's text (without its line break) and whether it decoded cleanly;
        the next record starts afresh."""
        text, clean = "".join(self._consumed).rstrip("\r\n"), not self._undecodable
        self._consumed.clear()
        self._undecodable = False
        return text, clean


def _csv_records(
    reader: _csv.Reader, lines: _Lines, header: list[str], reading: Reading, skip_through: int
) -> Iterator[Row]:
    while True:
        start = reader.line_num + 1
        try:
            cells = next(reader, None)
            problem = None
        except csv.Error as err:
            cells, problem = [], f"the row is not valid CSV: {err}"
        if cells is None:
            return
        reading.line = reader.line_num
        text, clean = lines.take()
        if reading.line <= skip_through or (not cells and problem is None):
            continue  # already imported, or a blank line
        if problem is None and not clean:
            problem = "the row is not valid UTF-8"
        yield _csv_row(header, cells, Row(start, reading.line, text), problem)


def _header(reader: _csv.Reader) -> list[str]:
    try:
        header = next(reader, None)
    except csv.Error as err:
        raise AkaError(
            Code.INVALID_INPUT, f"the header row is not valid CSV: {err}", field="header"
        ) from None
    if header is None:
        raise AkaError(
            Code.INVALID_INPUT, "the file is empty: a CSV import needs a header row", field="header"
        )
    columns = [c.strip() for c in header]
    transfer.check_csv_header(columns)
    return columns


def _csv_row(header: list[str], cells: list[str], row: Row, problem: str | None) -> Row:
    if problem is None and len(cells) != len(header):
        problem = f"the row has {len(cells)} cells; the header has {len(header)} columns"
    if problem is not None:
        row.error = AkaError(Code.INVALID_INPUT, problem)
        return row
    try:
        row.record = transfer.parse_csv_row(dict(zip(header, cells, strict=True)))
    except AkaError as refused:
        row.error = refused
    return row
