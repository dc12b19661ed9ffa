"""Reading a Coveo batch file `{"members": [...], "mappings": [...], "deleted": [...]}`
one item at a time from its stored chunks, never holding the whole file."""

from __future__ import annotations

import codecs
import json
from collections.abc import Iterator
from typing import Any, Final

SECTIONS: Final = ("members", "mappings", "deleted")
ITEM_MAX_CHARS: Final = 6 * 1024 * 1024  # one item larger than this is a broken file


class BatchFileError(ValueError):
    """The file is not a batch document (the message says where)."""


class _Reader:
    def __init__(self, chunks: Iterator[bytes]) -> None:
        self.chunks = chunks
        self.text = codecs.getincrementaldecoder("utf-8")()
        self.decoder = json.JSONDecoder()
        self.buf = ""
        self.pos = 0
        self.eof = False

    def more(self) -> bool:
        if self.eof:
            return False
        chunk = next(self.chunks, None)
        try:
            added = self.text.decode(chunk or b"", final=chunk is None)
        except UnicodeDecodeError as error:
            raise BatchFileError(f"the file is not UTF-8: {error.reason}") from None
        self.buf, self.pos = self.buf[self.pos :] + added, 0
        self.eof = chunk is None
        return True

    def peek(self) -> str | None:
        while True:
            while self.pos < len(self.buf) and self.buf[self.pos] in " \t\r\n":
                self.pos += 1
            if self.pos < len(self.buf):
                return self.buf[self.pos]
            if not self.more():
                return None

    def expect(self, char: str) -> None:
        found = self.peek()
        if found != char:
            raise BatchFileError(f"expected {char!r}, found {found!r}")
        self.pos += 1

    def value(self) -> Any:
        self.peek()
        while True:
            try:
                value, end = self.decoder.raw_decode(self.buf, self.pos)
            except json.JSONDecodeError as error:
                if len(self.buf) - self.pos > ITEM_MAX_CHARS or not self.more():
                    raise BatchFileError(f"invalid JSON: {error.msg}") from None
                continue
            except RecursionError:
                # json's scanner recurses per level: a file nested thousands deep is
                # broken, not a reason for the job to fail and retry forever.
                raise BatchFileError("an item nests too deeply to be read") from None
            # A number may continue in the next chunk: read on before trusting its end.
            if end == len(self.buf) and not self.eof and self.more():
                continue
            self.pos = end
            return value


def items(chunks: Iterator[bytes]) -> Iterator[tuple[str, Any]]:
    """(section, item) for every item, in file order; BatchFileError for a broken file."""
    reader = _Reader(chunks)
    reader.expect("{")
    if reader.peek() == "}":
        return
    while True:
        key = reader.value()
        if not isinstance(key, str):
            raise BatchFileError("expected a member name")
        reader.expect(":")
        if key in SECTIONS and reader.peek() == "[":
            reader.pos += 1
            if reader.peek() == "]":
                reader.pos += 1
            else:
                while True:
                    yield key, reader.value()
                    if reader.peek() == ",":
                        reader.pos += 1
                        continue
                    reader.expect("]")
                    break
        else:
            reader.value()  # a member we do not apply
        if reader.peek() == ",":
            reader.pos += 1
            continue
        reader.expect("}")
        if reader.peek() is not None:
            raise BatchFileError("unexpected data after the document")
        return
